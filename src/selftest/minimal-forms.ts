// The minimal counterexample of each bug kind on the simplest platform that shows it: what the
// shrinker must reach (or beat, on platforms where the bug needs fewer steps — bouncing makes
// a stale read deterministic, an IVAC→CIVAC upgrade does an eviction's work).

import type { BugKind } from '../gen/bug-scenarios.js';

export interface MinimalForm {
  ops: number;
  events: number;
  /** The form, in kernel terms: CPU ops | device ops | hardware events. */
  form: string;
}

export const MINIMAL_FORMS: Record<BugKind, MinimalForm> = {
  '1': { ops: 5, events: 0, form: 'map(FROM_DEVICE); wait irq; read | DMA write; raise irq — a small kmalloc buffer is bounced, so the unsynced read is stale on every schedule' },
  '2': { ops: 5, events: 0, form: 'map(TO_DEVICE); store; writel | wait doorbell; DMA read — the store stays in the cache' },
  '3': { ops: 7, events: 1, form: 'map(FROM_DEVICE); store into the buffer; wait irq; unmap; read | DMA write; raise irq | eviction after the DMA write' },
  '4': { ops: 7, events: 0, form: 'map(rx at priv+4, FROM_DEVICE); store priv->counter; wait irq; unmap; read | DMA write; raise irq — unmap\'s dc civac on the shared edge line writes the old bytes back' },
  '5': { ops: 6, events: 1, form: 'map(TO_DEVICE); wait irq; unmap(TO_DEVICE); read | DMA write; raise irq | speculative fill — nothing invalidates the line' },
  '6': { ops: 6, events: 0, form: 'map(FROM_DEVICE); wait irq; sync_for_cpu(DMA_TO_DEVICE); read | DMA write; raise irq — the wrong-direction sync copies nothing back from the bounce buffer' },
  '7': { ops: 6, events: 1, form: 'map(2 lines, FROM_DEVICE); wait irq; sync_for_cpu(first line); read last line | DMA write; raise irq | speculative fill of the last line' },
  '8': { ops: 5, events: 1, form: 'dma_alloc_coherent; poll status; READ_ONCE payload | DMA write payload; DMA write status | payload load performed before the poll' },
  '9': { ops: 5, events: 1, form: 'dma_alloc_coherent; WRITE_ONCE payload; WRITE_ONCE owner | poll owner; DMA read payload | owner store performed before the payload store' },
  '10': { ops: 5, events: 1, form: 'dma_alloc_coherent; WRITE_ONCE descriptor; writel_relaxed doorbell | wait doorbell; DMA read descriptor | doorbell performed before the descriptor store' },
  '11-rx': { ops: 5, events: 0, form: 'map(FROM_DEVICE) [bounced]; wait irq; read | DMA write; raise irq — the original is never updated' },
  '11-tx': { ops: 5, events: 0, form: 'map(TO_DEVICE) [bounced]; store; writel | wait doorbell; DMA read — the bounce buffer keeps the map-time copy' },
  '12': { ops: 6, events: 0, form: 'map(FROM_DEVICE); unmap; wait irq; read | DMA write; raise irq — unmap copied the bounce buffer back before the device wrote it' },
  '14-snoop': { ops: 6, events: 1, form: 'map(FROM_DEVICE); wait irq; unmap; read | DMA write; raise irq | fill before the snooped write, which unmap\'s dc ivac then discards' },
  '14-nosnoop': { ops: 3, events: 0, form: 'store; map(TO_DEVICE) | DMA read — no clean at map, the device reads memory' },
  '15': { ops: 4, events: 0, form: 'memset; map(FROM_DEVICE); unmap; read — map\'s dc ivac discards the dirty line (no device write needed)' },
};

export const minimalTotal = (k: BugKind) => MINIMAL_FORMS[k].ops + MINIMAL_FORMS[k].events;
