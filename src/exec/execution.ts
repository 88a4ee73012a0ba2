// An execution of a program is plain data: the order in which actors perform their operations
// and the hardware events in between. Any list of steps is valid — a step that cannot happen
// (a blocked actor, a CPU op that may not pass an earlier one, a line already present, a cache
// level the platform lacks) does nothing — so fast-check can shrink executions freely.

import type { PlatformConfig } from '../platform/platform.js';

export type Step =
  /** Actor performs its pending op number `skip` (0 = next in program order; > 0 = out of order, CPUs only). */
  | { run: string; skip?: number }
  /**
   * Speculative fill of the line holding this physical address (any RAM line: the linear map
   * covers it): the L1 line (the only level when DminLine = CWG), or with `level: 2` the L2 line.
   */
  | { fill: number; level?: 2 }
  /**
   * Eviction of the line holding this physical address: an L1 line goes into L2 (to memory with
   * one level), dirtying its CWG line if it was dirty; with `level: 2` the L2 line goes to memory.
   */
  | { evict: number; level?: 2 };

export interface Execution {
  steps: Step[];
  /** For a program with branches and loops: which of its paths (src/exec/paths.ts, in order) runs. */
  path?: number;
}

/** Two cache levels (L1 at DminLine, L2 at CWG) exactly when CWG > DminLine (src/platform/cache.ts). */
export function hasOuterLevel(p: PlatformConfig): boolean {
  return p.cwg > p.lineSize;
}

/** The cache line a fill or eviction acts on: an L2 line at CWG, an L1 line at DminLine (one level: lines of CWG). */
export function hardwareEventLine(s: Exclude<Step, { run: string }>, p: PlatformConfig): { level: 1 | 2; line: number } {
  const addr = 'fill' in s ? s.fill : s.evict;
  if (!hasOuterLevel(p) || s.level === 2) return { level: hasOuterLevel(p) ? 2 : 1, line: addr - (addr % p.cwg) };
  return { level: 1, line: addr - (addr % p.lineSize) };
}
