// CONFIG_DMA_API_DEBUG as the kernel has it (kernel/dma/debug.c, v6.10–6.16): one entry per live
// mapping, exact-match lookup on unmap (check_unmap), containing-match lookup on sync
// (check_sync), map-error tracking, and the active-cacheline tracker. Every message is the
// kernel's own text after its "DMA-API: <driver> <device>: " prefix.
//
// The kernel keys entries by dev_addr in a hash; here every live entry is one bucket, and an
// unmap names its entry by the handle the driver passes (the same dev_addr, but two mappings of
// one buffer — several TO_DEVICE mappings, the kernel's "best fit" case — stay apart).

import type { Direction } from '../program/types.js';
import { dmaAddr, type Finding } from './finding.js';
import { QUIET_OVERLAP_KERNELS } from '../kernel/version.js';

export type EntryType = 'single' | 'sg' | 'coherent';

/** type2name[] (6.x; "scather-gather" is the kernel's spelling). */
const TYPE_NAME: Record<EntryType, string> = { single: 'single', sg: 'scather-gather', coherent: 'coherent' };

/** L1_CACHE_SHIFT on arm64: the tracker keys on 64-byte cachelines whatever CWG is. */
const L1_CACHE_SHIFT = 6;

export interface DebugEntry {
  handle: string;
  type: EntryType;
  devAddr: number;
  size: number;
  dir: Direction;
  /** Physical address of the CPU buffer (pfn + offset): the cacheline tracker's key. */
  phys: number;
  nents: number;
  mapErr: 'not-applicable' | 'not-checked' | 'checked';
  /** The op that created the entry ("Mapped at:"). */
  at: { actor: string; op: number };
  /** Mapped through a swiotlb slot: the device never touches the CPU's cache lines. */
  bounced: boolean;
}

/** What the driver passes to unmap/free/sync: dma-debug's `ref`. `devAddr` undefined = DMA_MAPPING_ERROR. */
export interface DebugRef { type: EntryType; devAddr: number | undefined; size: number; dir: Direction; nents: number }

type Report = (f: Omit<Finding, 'actor' | 'op'>) => void;

const SRC = 'kernel/dma/debug.c';

const QUIET_NOTE = `this kernel's dma-debug does not print it while swiotlb is active (03521c892bb8: ${QUIET_OVERLAP_KERNELS}), so nothing shows it; a mapping that does share a line with another is still checked by what the device and the CPU then read`;

export class DmaDebug {
  entries: DebugEntry[] = [];

  clone(): DmaDebug {
    const d = new DmaDebug();
    d.entries = this.entries.map((e) => ({ ...e }));
    return d;
  }

  key(): string {
    return this.entries.map((e) => `${e.handle}/${e.devAddr}/${e.size}/${e.dir}/${e.mapErr}`).join(',');
  }

  /**
   * add_dma_entry(): record, then active_cacheline_insert() (TO_DEVICE mappings are not tracked).
   * `quiet`: this kernel prints no EEXIST here (swiotlb active, kernel/version.ts dmaDebugQuietOverlapUnderSwiotlb).
   */
  add(e: DebugEntry, skipCpuSync: boolean, report: Report, quiet = false): void {
    // to_cacheline_number(): a 64-bit shift (a JS `>>` would keep only 32 bits: RAM above 4 GiB would alias low RAM)
    const lineOf = (phys: number) => Math.floor(phys / 2 ** L1_CACHE_SHIFT);
    const cln = lineOf(e.phys);
    const overlap = e.dir !== 'DMA_TO_DEVICE' && this.entries.find((o) => o.dir !== 'DMA_TO_DEVICE' && lineOf(o.phys) === cln);
    this.entries.push(e);
    if (overlap && !skipCpuSync) {
      // A bounced mapping never shares a line with the device: the 2025 fix stops dma-debug
      // flagging kmalloc buffers bounced for alignment (DMA_BOUNCE_UNALIGNED_KMALLOC), so a warning.
      report({
        severity: (e.bounced && overlap.bounced) || quiet ? 'warning' : 'error', rule: 'dma-debug/cacheline-overlap',
        message: "cacheline tracking EEXIST, overlapping mappings aren't supported", source: `${SRC} add_dma_entry()`,
        ...(quiet && !(e.bounced && overlap.bounced) ? { note: QUIET_NOTE } : {}),
      });
    }
  }

  /** debug_dma_mapping_error(): the first unchecked entry with that address becomes checked. */
  mappingError(handle: string): void {
    const e = this.entries.find((x) => x.handle === handle && x.mapErr === 'not-checked');
    if (e) e.mapErr = 'checked';
  }

  /** check_unmap() for one entry's worth of ref (an sg unmap calls it per segment). */
  unmap(handle: string, ref: DebugRef, report: Report): void {
    const i = this.entries.findIndex((x) => x.handle === handle && (ref.type !== 'sg' || x.devAddr === ref.devAddr));
    const at = `${SRC} check_unmap()`;
    if (i < 0) {
      if (ref.devAddr === undefined) report({ severity: 'error', rule: 'dma-debug/free-invalid-address', message: 'device driver tries to free an invalid DMA memory address', source: at });
      else report({ severity: 'error', rule: 'dma-debug/free-not-allocated', message: `device driver tries to free DMA memory it has not allocated [device address=${dmaAddr(ref.devAddr)}] [size=${ref.size} bytes]`, source: at });
      return;
    }
    const e = this.entries[i];
    const addr = dmaAddr(ref.devAddr ?? e.devAddr);
    if (ref.size !== e.size) {
      report({ severity: 'error', rule: 'dma-debug/free-different-size', message: `device driver frees DMA memory with different size [device address=${addr}] [map size=${e.size} bytes] [unmap size=${ref.size} bytes]`, source: at });
    }
    if (ref.type !== e.type) {
      report({ severity: 'error', rule: 'dma-debug/free-wrong-function', message: `device driver frees DMA memory with wrong function [device address=${addr}] [size=${ref.size} bytes] [mapped as ${TYPE_NAME[e.type]}] [unmapped as ${TYPE_NAME[ref.type]}]`, source: at });
    }
    if (ref.nents && ref.type === 'sg' && ref.nents !== e.nents) {
      report({ severity: 'error', rule: 'dma-debug/free-different-nents', message: `device driver frees DMA sg list with different entry count [map count=${e.nents}] [unmap count=${ref.nents}]`, source: at });
    }
    if (ref.dir !== e.dir) {
      report({ severity: 'error', rule: 'dma-debug/free-different-direction', message: `device driver frees DMA memory with different direction [device address=${addr}] [size=${ref.size} bytes] [mapped with ${e.dir}] [unmapped with ${ref.dir}]`, source: at });
    }
    if (e.mapErr === 'not-checked') {
      report({ severity: 'error', rule: 'dma-debug/failed-to-check-map-error', message: `device driver failed to check map error[device address=${addr}] [size=${ref.size} bytes] [mapped as ${TYPE_NAME[e.type]}]`, source: at });
    }
    this.entries.splice(i, 1);
  }

  /** check_sync(): a live entry must contain [devAddr, devAddr + size). */
  sync(toCpu: boolean, ref: DebugRef, report: Report): void {
    const at = `${SRC} check_sync()`;
    const e = ref.devAddr === undefined ? undefined : this.containing(ref);
    if (!e) {
      report({ severity: 'error', rule: 'dma-debug/sync-not-allocated', message: `device driver tries to sync DMA memory it has not allocated [device address=${ref.devAddr === undefined ? 'DMA_MAPPING_ERROR' : dmaAddr(ref.devAddr)}] [size=${ref.size} bytes]`, source: at });
      return;
    }
    if (e.dir === 'DMA_BIDIRECTIONAL') return;
    const addr = dmaAddr(ref.devAddr!);
    if (ref.dir !== e.dir) {
      report({ severity: 'error', rule: 'dma-debug/sync-different-direction', message: `device driver syncs DMA memory with different direction [device address=${addr}] [size=${e.size} bytes] [mapped with ${e.dir}] [synced with ${ref.dir}]`, source: at });
    }
    if (toCpu && e.dir !== 'DMA_FROM_DEVICE' && ref.dir !== 'DMA_TO_DEVICE') {
      report({ severity: 'error', rule: 'dma-debug/sync-read-only-for-cpu', message: `device driver syncs device read-only DMA memory for cpu [device address=${addr}] [size=${e.size} bytes] [mapped with ${e.dir}] [synced with ${ref.dir}]`, source: at });
    }
    if (!toCpu && e.dir !== 'DMA_TO_DEVICE' && ref.dir !== 'DMA_FROM_DEVICE') {
      report({ severity: 'error', rule: 'dma-debug/sync-write-only-to-device', message: `device driver syncs device write-only DMA memory to device [device address=${addr}] [size=${e.size} bytes] [mapped with ${e.dir}] [synced with ${ref.dir}]`, source: at });
    }
  }

  /** __hash_bucket_find(containing_match): a perfect fit wins; else exactly one match, or none. */
  private containing(ref: DebugRef): DebugEntry | undefined {
    const matches = this.entries.filter((e) => e.devAddr <= ref.devAddr! && e.devAddr + e.size >= ref.devAddr! + ref.size);
    const perfect = matches.find((e) => e.size === ref.size && e.type === ref.type && e.dir === ref.dir && e.nents === ref.nents);
    return perfect ?? (matches.length === 1 ? matches[0] : undefined);
  }

  /** Entries still mapped or allocated. */
  get count(): number {
    return this.entries.length;
  }

  /**
   * dma_debug_device_change(BUS_NOTIFY_UNBOUND_DRIVER): what is still mapped when the driver goes.
   * `others`: the entries threads walked apart from these leave (dma-debug counts the device's all).
   */
  pending(others = 0): { entry: DebugEntry; message: string } | undefined {
    const e = this.entries[this.entries.length - 1];
    if (!e) return undefined;
    return {
      entry: e,
      message: `device driver has pending DMA allocations while released from device [count=${this.entries.length + others}] One of leaked entries details: [device address=${dmaAddr(e.devAddr)}] [size=${e.size} bytes] [mapped with ${e.dir}] [mapped as ${TYPE_NAME[e.type]}]`,
    };
  }
}
