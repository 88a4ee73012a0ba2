// What the searches may ask of the arm64 model beyond the World interface (src/exec/world.ts):
// the cache state of a line at a level, the hardware event that changes it, dropping a clean line
// nothing can observe any more, and the DMA mappings the kernel made. Searches, checkers and
// reports ask here, never the world's classes, so a change inside the arm64 world stays there.

import { Arm64World } from '../arm64/arm64-world.js';
import type { Step } from '../exec/execution.js';
import type { Machine } from '../exec/machine.js';
import type { Mapping } from '../kernel/mapping.js';
import type { CacheLevel } from '../platform/cache.js';

export type LineState = 'clean' | 'dirty' | undefined;

function arm64(m: Machine): Arm64World {
  if (!(m.world instanceof Arm64World)) throw new Error('an arm64 model machine was expected (newModelMachine)');
  return m.world;
}

/** A line's state at a cache level: undefined when it is not cached there. */
export function lineState(m: Machine, line: number, level: CacheLevel = 1): LineState {
  return arm64(m).cache.state(line, level);
}

/** The hardware event on a line that changes something: fill it when absent, evict it when present. */
export function eventOn(m: Machine, line: number, level: CacheLevel = 1): Step {
  const at = level === 2 ? { level: 2 as const } : {};
  return lineState(m, line, level) === undefined ? { fill: line, ...at } : { evict: line, ...at };
}

/**
 * The clean lines cached at a level, of those in `among`: asked line by line when they are fewer
 * than the cache holds (a search asks at every state, of its relevant lines, and a cache can hold
 * thousands: an untrusted device's bounce padding).
 */
export function cleanLines(m: Machine, level: CacheLevel, among: ReadonlySet<number>): number[] {
  const cache = arm64(m).cache;
  const lines = level === 1 ? cache.lines : cache.outer;
  if (!lines) return [];
  const out: number[] = [];
  if (among.size < lines.size) {
    for (const l of among) if (lines.get(l)?.dirty === false) out.push(l);
  } else for (const l of lines.clean()) if (among.has(l)) out.push(l);
  return out;
}

/** Drop a clean line from a level, as its eviction would (nothing is written back), untraced. */
export function dropClean(m: Machine, line: number, level: CacheLevel): void {
  const cache = arm64(m).cache;
  if (level === 1) cache.evict(line);
  else cache.evictOuter(line);
}

/** An L1 line's whole state, bytes included: in the cache (and whether dirty) and in memory. */
export function lineContents(m: Machine, line: number, size: number): string {
  const cache = arm64(m).cache;
  const cached = cache.lines.get(line);
  const mem = cache.memory.read(line, new Uint8Array(size)).join(',');
  return cached ? `${cached.dirty ? 'D' : 'C'}${cached.data.join(',')}/${mem}` : `-/${mem}`;
}

/** Does an L1 line hold exactly the bytes memory holds under it? */
export function sameAsMemory(m: Machine, line: number): boolean {
  const cache = arm64(m).cache;
  const data = cache.lines.get(line)!.data;
  const mem = cache.memory.read(line, new Uint8Array(data.length));
  for (let i = 0; i < data.length; i++) if (data[i] !== mem[i]) return false;
  return true;
}

/** The mapping a handle variable holds now (the kernel's last map into it). */
export function mappingOf(m: Machine, handle: string): Mapping | undefined {
  return arm64(m).kernel.mappings.get(handle);
}

/** Every mapping the kernel made so far, in order, unmapped ones too. */
export function mappingsMade(m: Machine): Mapping[] {
  return [...arm64(m).kernel.all.values()];
}
