// `dmafuzz selftest` (formerly `dmafuzz fuzz` without files): dmafuzz's own long randomized
// run: every bug class over many seeds, then
// well-behaved drivers until the time box ends. src/selftest/nightly.ts does the work.

import { NIGHTLY_DEFAULTS, runNightly } from '../selftest/nightly.js';
import { UsageError } from './args.js';
import type { Io } from './check-command.js';
import { parseSubcommand, quoteArg, wholeNumber } from './subcommand-args.js';

/** `announce` runs once the options are known good (the note `dmafuzz fuzz` prints). */
export function fuzzCommand(argv: string[], io: Io, announce?: () => void): number {
  const { values } = parseSubcommand('selftest', argv, ['minutes', 'seed', 'shard', 'well-behaved', 'class-seeds']);
  let shard = 0, shards = 1;
  if (values.shard !== undefined) {
    const m = /^(\d{1,4})\/(\d{1,4})$/.exec(values.shard);
    if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) throw new UsageError(`--shard takes i/n with 0 ≤ i < n ≤ 9999, e.g. 0/4, not ${quoteArg(values.shard)}`);
    [shard, shards] = [Number(m[1]), Number(m[2])];
  }
  const run = {
    minutes: wholeNumber('minutes', values.minutes) ?? NIGHTLY_DEFAULTS.minutes,
    seed: wholeNumber('seed', values.seed),
    shard, shards,
    wellBehaved: wholeNumber('well-behaved', values['well-behaved']) ?? NIGHTLY_DEFAULTS.wellBehaved,
    classSeeds: wholeNumber('class-seeds', values['class-seeds']) ?? NIGHTLY_DEFAULTS.classSeeds,
  };
  announce?.();
  return runNightly(run, io.out);
}
