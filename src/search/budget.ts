// How much work a search may do before it gives up and says so ('cut'): bounded by work, not by
// the clock, so an answer never depends on the machine. A search that runs out is inconclusive,
// never a bug.

export interface Budget {
  /** Distinct states recorded (merge keys): the exhaustive searches' and the contract walk's measure. */
  states: number;
  /** States visited, one met again counted again: the ideal witness searches' measure. */
  nodes: number;
}
