// How much each mode spends. `npm test` is deterministic and bounded; the nightly mode is the
// long randomized run with the acceptance numbers (100 seeds per bug kind, ≥ 10,000 well-behaved
// drivers).

/** Cases a bug kind may take to be found, in every mode. */
export const FIND_BUDGET = 1000;

export const TEST_BUDGET = {
  /** Fixed seeds per bug kind. */
  classSeeds: [1, 2, 3, 4, 5],
  /** Well-behaved drivers: fixed seeds × cases each. */
  wellBehavedSeeds: [1, 2],
  wellBehavedRuns: 5000,
};

export const NIGHTLY_BUDGET = {
  classSeeds: 100,
  wellBehaved: 10_000,
  minutes: 10,
};
