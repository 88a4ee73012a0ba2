// One shrink loop for every failure dmafuzz shrinks (check's counterexamples, `fuzz FILES`,
// `selftest`). Shrinking is a lazy stream of candidate edits of the current value, walked
// greedily: the first candidate that still fails becomes the current value and the stream starts
// again from it (fast-check's RunnerIterator: `this.nextValues = this.shrink(this.currentValue)`).
// The edit families — steps, ops and control flow, declarations and sizes, platform settings,
// placement, generator spec — are candidate generators (src/shrink/*.ts, and beside the code
// whose values they edit); this file knows none of them.

/** A candidate and where its generator resumes if it is taken (fast-check's shrink context). */
export interface Candidate<T> {
  value: T;
  context?: unknown;
}

/** Smaller values than `current`, lazily, best first; `context` is the taken candidate's. */
export type Candidates<T> = (current: T, context: unknown) => Iterable<Candidate<T>>;

/**
 * Does the candidate still fail? `true` keeps it as it is; `{ keep }` keeps what the judgement
 * found with it (a counterexample's execution searched for again, its verdict).
 */
export type StillFails<T> = (candidate: T) => boolean | { keep: T };

export interface ShrinkBudget {
  /** Candidates judged at most. */
  tries?: number;
  /** False once time is up (a deadline, a signal). */
  inTime?: () => boolean;
}

export interface Shrunk<T> {
  value: T;
  /** Candidates judged. */
  tries: number;
  /** The budget ran out before the candidates did: smaller than the start, maybe not minimal. */
  cut: boolean;
}

export function shrink<T>(start: T, candidates: Candidates<T>, stillFails: StillFails<T>, budget: ShrinkBudget = {}): Shrunk<T> {
  let value = start;
  let context: unknown;
  let tries = 0;
  const maxTries = budget.tries ?? Infinity;
  walk: for (;;) {
    for (const c of candidates(value, context)) {
      if (tries >= maxTries || (budget.inTime && !budget.inTime())) return { value, tries, cut: true };
      tries++;
      const judged = stillFails(c.value);
      if (judged === false) continue;
      value = judged === true ? c.value : judged.keep;
      context = c.context;
      continue walk;
    }
    return { value, tries, cut: false };
  }
}

/** The value only: candidates with no context (each taken one starts its stream afresh). */
export function fresh<T>(values: (current: T) => Iterable<T>): Candidates<T> {
  return function* (current) {
    for (const value of values(current)) yield { value };
  };
}

/**
 * One pass of a sweep: the edits of `current` from position `from` on (undefined: the start),
 * each with the position the pass resumes at once that edit is taken.
 */
export type Pass<T> = (current: T, from: unknown) => Iterable<{ value: T; resume: unknown }>;

/**
 * Passes in order, each resuming after the edit it last had taken; all of them again while a
 * round took something, up to `rounds` rounds (delta debugging's "until 1-minimal").
 */
export function sweeps<T>(passes: readonly Pass<T>[], rounds = Infinity): Candidates<T> {
  type At = { pass: number; from: unknown; changed: boolean; round: number };
  return function* (current, context) {
    let at: At = (context as At | undefined) ?? { pass: 0, from: undefined, changed: false, round: 0 };
    for (;;) {
      for (let pass = at.pass; pass < passes.length; pass++) {
        const from = pass === at.pass ? at.from : undefined;
        for (const e of passes[pass](current, from)) yield { value: e.value, context: { pass, from: e.resume, changed: true, round: at.round } };
      }
      if (!at.changed || at.round + 1 >= rounds) return;
      at = { pass: 0, from: undefined, changed: false, round: at.round + 1 };
    }
  };
}

/** Candidates for one part of a value (its platform, its program), as candidates for the whole. */
export function on<T, P>(get: (whole: T) => P, set: (whole: T, part: P) => T, parts: Candidates<P>): Candidates<T> {
  return function* (whole, context) {
    for (const c of parts(get(whole), context)) yield { value: set(whole, c.value), context: c.context };
  };
}
