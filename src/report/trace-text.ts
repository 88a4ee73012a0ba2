// The words of a trace (src/exec/trace.ts): how a report says each hardware event and each thing
// the hardware, the kernel and the scheduler did. Text is made here and only here; the reports
// decide what to say from the fields.

import { hardwareEventLine, hasOuterLevel } from '../exec/execution.js';
import type { HardwareEvent, TraceEffect } from '../exec/trace.js';
import { hex } from '../exec/values.js';
import type { CacheEvent, CacheLevel } from '../platform/cache.js';
import type { PlatformConfig } from '../platform/platform.js';

/** How a report names a fill or eviction. */
export function hardwareEventText(s: HardwareEvent, p: PlatformConfig): string {
  const { line } = hardwareEventLine(s, p);
  if (!hasOuterLevel(p)) return `${'fill' in s ? 'speculative fill' : 'eviction'} of line ${hex(line)}`;
  if (s.level === 2) return `${'fill' in s ? 'speculative fill' : 'eviction'} of L2 line ${hex(line)}`;
  return 'fill' in s ? `speculative fill of L1 line ${hex(line)}` : `eviction of L1 line ${hex(line)} into L2`;
}

/** One effect in words; undefined for what a report leaves unsaid (a clean eviction, an invalidation). */
export function effectText(e: TraceEffect): string | undefined {
  switch (e.kind) {
    case 'cache': return e.twoLevel ? twoLevelCacheText(e.event) : cacheText(e.event);
    case 'dc': return `dc ${e.op}, ${hex(e.addr)}`;
    case 'swiotlb-copy': return `swiotlb memcpy ${hex(e.from)} → ${hex(e.to)} (${e.size} bytes)`;
    case 'warning': return `WARNING: ${e.text}`;
    case 'iommu': case 'fault': return e.text;
    case 'mapping': return `device is given ${mappingText(e)}`;
    case 'device-access': {
      const verb = e.write ? 'writes' : 'reads';
      return typeof e.addr === 'number' ? `device ${verb} memory at ${hex(e.addr)}` : `device ${verb} DMA_MAPPING_ERROR: the access goes nowhere`;
    }
    case 'device-address': return `device address ${e.bus}${e.problem ? ': ' + e.problem : ''}`;
    case 'write-nowhere': return 'device write to DMA_MAPPING_ERROR went nowhere';
    case 'forwarded': return `read from its own pending store (op ${e.op + 1}) in the store buffer`;
  }
}

/** The effects in words, in order; four or more `dc op` on consecutive lines (lineSize apart) read better as one range. */
export function effectTexts(effects: readonly TraceEffect[], lineSize: number): string[] {
  const said = effects.filter((e) => effectText(e) !== undefined);
  const out: string[] = [];
  for (let i = 0; i < said.length; ) {
    const first = said[i];
    let j = i + 1;
    if (first.kind === 'dc') {
      for (; j < said.length; j++) {
        const e = said[j];
        if (e.kind !== 'dc' || e.op !== first.op || e.addr !== first.addr + (j - i) * lineSize) break;
      }
    }
    if (first.kind === 'dc' && j - i >= 4) out.push(`dc ${first.op} on ${j - i} lines, ${hex(first.addr)} .. ${hex(first.addr + (j - i - 1) * lineSize)}`);
    else for (const e of said.slice(i, j)) out.push(effectText(e)!);
    i = j;
  }
  return out;
}

/** The cache lines an effect's words name ("L1 line 0x1000 written back into L2 line 0x1000" names two). */
export function effectLines(e: TraceEffect): { level: CacheLevel; line: number }[] {
  if (e.kind !== 'cache' || effectText(e) === undefined) return [];
  const { kind, level, line, outer } = e.event;
  const into = e.twoLevel && outer !== undefined && (kind === 'writeback' || kind === 'fill');
  return into ? [{ level, line }, { level: 2, line: outer }] : [{ level, line }];
}

function cacheText(e: CacheEvent): string | undefined {
  switch (e.kind) {
    case 'writeback': return `line ${hex(e.line)} written back to memory`;
    case 'discard-dirty': return `dirty line ${hex(e.line)} discarded`;
    case 'fill': return `line ${hex(e.line)} filled from memory`;
    default: return undefined;
  }
}

/** With two levels: which level, and where a write-back went or a fill came from. */
function twoLevelCacheText(e: CacheEvent): string | undefined {
  const line = `L${e.level} line ${hex(e.line)}`;
  switch (e.kind) {
    case 'writeback': return e.outer === undefined ? `${line} written back to memory` : `${line} written back into L2 line ${hex(e.outer)} (the whole L2 line is now dirty)`;
    case 'discard-dirty': return `dirty ${line} discarded`;
    case 'fill': return `${line} filled from ${e.outer === undefined ? 'memory' : `L2 line ${hex(e.outer)}`}`;
    default: return undefined;
  }
}

function mappingText(e: Extract<TraceEffect, { kind: 'mapping' }>): string {
  if (e.call === 'alloc-noncoherent') return `${hex(e.segments[0].bus)} (dma_alloc_noncoherent: zeroed through the cache, not cleaned)`;
  if (e.error) return 'DMA_MAPPING_ERROR';
  if (e.call === 'sg') return e.segments.map((s) => hex(s.bus) + (s.bounced ? ' (bounced)' : '')).join(', ');
  const s = e.segments[0];
  return hex(s.bus) + (s.bounced ? ' (swiotlb bounce buffer)' : '') + (e.wrongPage ? ` (virt_to_page() of vmalloc address: unrelated memory, not '${e.wrongPage}')` : '');
}
