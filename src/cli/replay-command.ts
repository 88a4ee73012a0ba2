// `dmafuzz replay FILE.json` or `dmafuzz replay --target T --seed N --path P [--faults a,b]`:
// get a fuzzer failure back. Exit 1 while it still fails, 0 once it is fixed.

import { replay } from '../selftest/replay.js';
import { MODEL_FAULTS, type ModelFault } from '../platform/platform.js';
import { FileReadError, readRegularFile } from '../litmus/read-file.js';
import { oneLine } from '../report/one-line.js';
import { MAX_SAVED_BYTES } from '../run/replay-file.js';
import { UsageError } from '../run/usage-error.js';
import type { Io } from './check-command.js';
import { parseSubcommand, wholeNumber } from './subcommand-args.js';

export const REPLAY_USAGE = `usage: dmafuzz replay FILE.json
       dmafuzz replay --target NAME --seed N [--path P] [--faults a,b]

Run a saved failure again (check's dmafuzz-failures/, a fuzz corpus entry, a selftest failure),
or a self-test failure from its generator target, seed and fast-check path. A record that names
a litmus file runs the FILE.litmus next to it when there is one.

exit status: 1 while it still fails, 0 once it no longer does, 2 usage or input error.
See docs/fuzzing.md.`;

export function replayCommand(argv: string[], io: Io): number {
  const { values, positionals } = parseSubcommand('replay', argv, ['target', 'seed', 'path', 'faults'], true);
  const faults = values.faults?.split(',') ?? [];
  for (const f of faults) if (!MODEL_FAULTS.includes(f as ModelFault)) throw new UsageError(`--faults: unknown model fault '${f}'; faults: ${MODEL_FAULTS.join(', ')}`);
  const seed = wholeNumber('seed', values.seed);
  if (positionals.length > 1) throw new UsageError('replay takes one failure file');
  const file = positionals[0];
  if (file !== undefined) {
    // a FIFO or /dev/zero must not hang or fill memory: the same checks as a litmus file
    try {
      readRegularFile(file, MAX_SAVED_BYTES, 'a failure file');
    } catch (e) {
      if (e instanceof FileReadError) throw new UsageError(`${oneLine(file)}: ${e.message}`);
      throw e;
    }
  }
  if (file === undefined && (values.target === undefined || seed === undefined)) {
    throw new UsageError('replay needs a failure file, or --target NAME --seed N [--path P]');
  }
  let r;
  try {
    r = replay(file ?? { target: values.target!, seed: seed!, path: values.path ?? '', ...(faults.length ? { faults: faults as ModelFault[] } : {}) });
  } catch (e) {
    // a file that is not a failure file, an unknown target, a path that no longer fails
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  io.out(r.text);
  return r.verdict.verdict === 'bug' ? 1 : 0;
}
