// dmafuzz selftest [--minutes 10] [--seed N] [--shard i/n] [--well-behaved 10000] [--class-seeds 100]  (npm run nightly)
//
// The long randomized mode. One seed (printed first; by default derived from the date and the
// shard) drives a seedrandom stream from which every sub-run takes its own seed, so a whole
// night replays from one number, and each failure from its own seed and path:
//   1. every bug kind, over --class-seeds seeds: found within the budget, and shrunk to no more
//      than its minimal form (MINIMAL_FORMS);
//   2. well-behaved drivers in batches until the time box ends (at least --well-behaved drivers,
//      each run under several executions):
//      any counterexample is a failure;
//   3. the last fifth of the box: well-behaved drivers on generated platforms and placements,
//      judged as `dmafuzz check` judges (src/selftest/well-behaved-contract.ts): any error finding or
//      counterexample is a failure (issue 17's "no false alarm" property, long).
// Exits 1 if anything failed; every failure prints how to replay it and is saved to dmafuzz-failures/.

import seedrandom from 'seedrandom';
import { BUG_KINDS } from '../gen/bug-scenarios.js';
import { fuzz } from './fuzz.js';
import { MINIMAL_FORMS, minimalTotal } from './minimal-forms.js';
import { reportFailure } from './report.js';
import { FIND_BUDGET, NIGHTLY_BUDGET } from './budgets.js';
import { contractProblems, explainProblems } from './well-behaved-contract.js';

const CLASS_RUNS = FIND_BUDGET;
/** Drivers per batch of the no-false-alarm step (each is checked on two placements). */
const CONTRACT_BATCH = 8;

export interface NightlyOptions {
  minutes: number;
  seed?: number;
  shard: number;
  shards: number;
  wellBehaved: number;
  classSeeds: number;
}

export const NIGHTLY_DEFAULTS: NightlyOptions = {
  minutes: NIGHTLY_BUDGET.minutes, shard: 0, shards: 1, wellBehaved: NIGHTLY_BUDGET.wellBehaved, classSeeds: NIGHTLY_BUDGET.classSeeds,
};

/** The whole night; returns the exit status (1 if anything failed). */
export function runNightly(o: NightlyOptions, log: (line: string) => void = console.log): number {
  const { shard, shards } = o;
  const date = new Date().toISOString().slice(0, 10);
  const seed = o.seed !== undefined ? o.seed : seedrandom(`nightly:${date}:${shard}`).int32() >>> 0;
  const deadline = Date.now() + o.minutes * 60_000;
  const rng = seedrandom(String(seed));
  const nextSeed = () => rng.int32() >>> 0;
  let failures = 0;

  log(`dmafuzz nightly: seed ${seed}, shard ${shard}/${shards}, time box ${o.minutes} min (replay this night: dmafuzz selftest --seed ${seed} --shard ${shard}/${shards})`);

  // 1. bug kinds, split over shards
  const kinds = BUG_KINDS.filter((_, i) => i % shards === shard);
  for (const kind of kinds) {
    const t0 = Date.now();
    let found = 0, worst = 0, runs = 0;
    const n = o.classSeeds;
    for (let i = 0; i < n; i++) {
      const s = nextSeed();
      const r = fuzz(`bug-class:${kind}`, { seed: s, runs: CLASS_RUNS });
      runs += r.runsToFind ?? r.executions;
      if (!r.failure) {
        failures++;
        log(`FAIL bug-class:${kind}: not found in ${CLASS_RUNS} drivers with seed ${s}\n  replay: fuzz('bug-class:${kind}', { seed: ${s}, runs: ${CLASS_RUNS} })`);
        continue;
      }
      found++;
      const total = r.failure.size.ops + r.failure.size.events;
      worst = Math.max(worst, total);
      if (total > minimalTotal(kind)) {
        failures++;
        const { text } = reportFailure(r.failure, { title: `bug-class:${kind} shrunk to ${total}, minimal form is ${minimalTotal(kind)}` });
        log(`FAIL ${text}`);
      }
    }
    const m = MINIMAL_FORMS[kind];
    log(`bug-class:${kind.padEnd(11)} found ${found}/${n}, mean ${(runs / n).toFixed(1)} executions to find, largest shrunk ${worst} (minimal ${m.ops}+${m.events}), ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }

  // 2. well-behaved drivers until four fifths of the time box
  const minCases = o.wellBehaved;
  const valuesEnd = deadline - o.minutes * 60_000 * 0.2;
  let programs = 0, cases = 0, inconclusive = 0; // drivers generated, executions judged
  const t0 = Date.now();
  while (programs < minCases || Date.now() < valuesEnd) {
    const s = nextSeed();
    const r = fuzz('well-behaved', { seed: s, runs: 2000, timeLimitMs: Math.max(1000, valuesEnd - Date.now()) });
    programs += r.programs;
    cases += r.runsToFind ?? r.executions;
    inconclusive += r.inconclusive;
    if (r.failure) {
      failures++;
      log(`FAIL ${reportFailure(r.failure, { title: 'well-behaved driver has a counterexample' }).text}`);
    }
    if (Date.now() >= valuesEnd && programs >= minCases) break;
  }
  log(`well-behaved: ${cases} executions of ${programs} drivers, ${inconclusive} inconclusive, ${((Date.now() - t0) / 1000).toFixed(1)} s, ${(cases / ((Date.now() - t0) / 1000)).toFixed(0)} executions/s`);

  // 3. no false alarm: well-behaved drivers judged as check judges, 8 at a time, until the box ends
  const t1 = Date.now();
  let judged = 0;
  do {
    const s = nextSeed();
    const ps = contractProblems(s, CONTRACT_BATCH);
    judged += CONTRACT_BATCH;
    if (ps.length) {
      failures++;
      log(`FAIL a well-behaved driver is judged bug (replay: dmafuzz selftest --seed ${seed} --shard ${shard}/${shards}; or save the test below and run dmafuzz check on it)\n${explainProblems(ps, 1)}`);
    }
  } while (Date.now() < deadline);
  log(`no false alarm: ${judged} well-behaved drivers on generated platforms and placements, ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  log(failures ? `${failures} failure(s); each prints how to replay it above` : 'no failures');
  return failures ? 1 : 0;
}
