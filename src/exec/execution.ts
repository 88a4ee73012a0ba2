// An execution of a program is plain data: the order in which actors perform their operations
// and the hardware events in between. Any list of steps is valid — a step that cannot happen
// (a blocked actor, a CPU op that may not pass an earlier one, a line already present) does
// nothing — so fast-check can shrink executions freely.

export type Step =
  /** Actor performs its pending op number `skip` (0 = next in program order; > 0 = out of order, CPUs only). */
  | { run: string; skip?: number }
  /** Speculative fill of the line holding this physical address (any RAM line: the linear map covers it). */
  | { fill: number }
  /** Eviction of the line holding this physical address; a dirty line is written back whole. */
  | { evict: number };

export interface Execution {
  steps: Step[];
}
