// The shapes of footprints.ts's answer: how each op uses each CWG line (Access) and the
// resources of every op, as bits (Footprints).

import type { Bits } from './bits.js';

/**
 * How an op uses memory lines (CWG lines): which it reads or changes in the cache (either level),
 * and which it reads or writes in memory without the cache (a non-coherent device, a Normal-NC
 * mapping). `anyLine`: it may touch any line, cache included (a snooping device's computed bus
 * address, an op this table does not know); a non-snooping device's computed address reads or
 * writes the memory of every line, never the cache.
 */
export interface Access {
  cache: Set<number>;
  memRead: Set<number>;
  memWrite: Set<number>;
  anyLine: boolean;
  /**
   * Lines whose memory it may write underneath a cached copy, or whose result depends on whether
   * a clean copy is cached: a device's write (a snooping one writes a cached copy and dirties it,
   * else memory), a store through a Normal-NC mapping, dma_alloc_coherent's memset. (Write-backs
   * and swiotlb's copies through the cache keep a clean line equal to memory.)
   */
  bypass: Set<number>;
  /**
   * Lines the op certainly drops from the cache, reading nothing from them when clean: the
   * dcache_inval_poc() of an unmap or sync for the CPU (arch_sync_dma_for_cpu, dc ivac / civac;
   * one cache level only, a mapping that never bounces or fails).
   */
  drops: Set<number>;
}

export interface Footprints {
  /** Per actor, per op: what the op may touch. */
  op: Bits[][];
  /** Per actor, per op index i: the union of ops i.. (what the actor may still touch from i on). */
  suffix: Bits[][];
  /** Per actor, per op: the CWG lines (memory and cache) the op may read or change. */
  lines: number[][][];
  /** Per actor, per op: how it uses those lines (for placing hardware events, reduced-search.ts). */
  access: Access[][];
  /** Per actor, per op index i: the lines ops i.. access in the cache, and in any way. */
  suffixCache: Bits[][];
  suffixAny: Bits[][];
  /** Per actor, per op index i: the lines ops i.. may write in memory underneath the cache. */
  suffixBypass: Bits[][];
  /** Number of resources (bits used). */
  size: number;
  /** Per actor, per op: does it conflict with every op (a mapping error that may end the program, an unknown op)? */
  global: boolean[][];
  /** The bit of each CWG line some op touches. */
  lineBit: Map<number, number>;
  /** The bit each actor's own ops name (every op names its actor): ignored where one actor's ops are compared. */
  actorBit: number[];
  /** CWG lines of the program's final ranges (observed at the end). */
  finalLines: Set<number>;
  /**
   * Independent groups: actors that share no resource with any actor of another group, even
   * transitively, nor a final range. Each group's executions are independent of the others'.
   */
  groups: number[][];
}
