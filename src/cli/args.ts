// Command-line options of `dmafuzz`. Anything unknown or malformed is a UsageError: one line,
// exit code 2.

import { DEFAULT_PLATFORM, makePlatform, PlatformError, type PlatformConfig } from '../platform/platform.js';

export class UsageError extends Error {}

export interface CliOptions {
  command: 'builtin' | 'check' | 'help';
  paths: string[];
  runs?: number;
  seed?: number;
  maxEvents?: number;
  maxStates?: number;
  json: boolean;
  platform: Partial<PlatformConfig>;
  /** The option text of each override, for error messages. */
  platformText: Record<string, string>;
  replay?: string;
}

export const USAGE = `usage: dmafuzz [check FILE|DIR... ] [options]
       dmafuzz fuzz FILE|DIR... [--time 2m] [--seed N] [--shard I/N] [--workers N|auto]
                    [--vary KEY,...] [--pin KEY=VALUE]... [--corpus DIR] [--report DIR]
       dmafuzz selftest [--minutes N] [--seed N] [--shard I/N] [--well-behaved N] [--class-seeds N]
       dmafuzz replay FILE.json | --target NAME --seed N [--path P] [--faults F,...]

  dmafuzz                     check every built-in scenario against its expected verdict
  dmafuzz check FILE|DIR...   check DMA litmus tests (*.litmus; directories are searched)
  dmafuzz fuzz FILE|DIR...    your litmus tests for a time box across the platform matrix (kernel
                              versions, DminLine/CWG, swiotlb, RAM above 4 GiB, device address
                              bits, A53 and IVAC upgrades) and kmalloc placements next to
                              neighbours; failures shrink to litmus tests saved in --corpus
                              (default dmafuzz-corpus/); --report DIR writes JSON, JUnit, HTML
  dmafuzz selftest            dmafuzz's own long randomized run: every bug class over many seeds,
                              then generated well-behaved drivers until the time box ends
  dmafuzz replay              reproduce a fuzzer failure from its saved file or its seed and path

options:
  --runs N             random executions when a test is too big to explore exhaustively (default 300)
  --seed N             seed of the random search (default 1)
  --max-events N       exhaustive bound: fills and evictions per execution (default 2)
  --max-states N       exhaustive search gives up beyond N states (default 20000)
  --platform KEY=VALUE override a platform setting, e.g. --platform kernel=5.15 (repeatable)
  --replay FILE.json   judge only the counterexample execution saved in FILE.json
  --json               print one JSON object per file
  --help               print this help

exit status: 0 all ok, 1 a bug was found (or a built-in scenario differs from its expectation),
2 usage or input error, 3 no bug but some verdict inconclusive.
Format: docs/litmus.md`;

export function parseArgs(argv: string[]): CliOptions {
  const o: CliOptions = { command: 'builtin', paths: [], json: false, platform: {}, platformText: {} };
  let i = 0;
  if (argv[0] === 'check') { o.command = 'check'; i = 1; }
  const value = (name: string): string => {
    const v = argv[++i];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
    return v;
  };
  const count = (name: string, min: number): number => {
    const v = value(name);
    if (!/^\d+$/.test(v) || Number(v) < min || !Number.isSafeInteger(Number(v))) throw new UsageError(`${name} takes a whole number ≥ ${min}, not '${v}'`);
    return Number(v);
  };
  for (; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--help': case '-h': o.command = 'help'; return o;
      case '--json': o.json = true; break;
      case '--runs': o.runs = count(a, 1); break;
      case '--seed': o.seed = count(a, 0); break;
      case '--max-events': o.maxEvents = count(a, 0); break;
      case '--max-states': o.maxStates = count(a, 1); break;
      case '--replay': o.replay = value(a); break;
      case '--platform': platformOverride(value(a), o); break;
      default:
        if (a.startsWith('-')) throw new UsageError(`unknown option '${a}' (see dmafuzz --help)`);
        if (o.command !== 'check') throw new UsageError(`unknown command '${a}': use 'dmafuzz check FILE|DIR...', 'dmafuzz fuzz FILE|DIR...', 'dmafuzz selftest' or 'dmafuzz replay' (see dmafuzz --help)`);
        o.paths.push(a);
    }
  }
  if (o.command === 'check' && !o.paths.length) throw new UsageError('dmafuzz check needs at least one FILE or DIR');
  if (o.replay && o.paths.length !== 1) throw new UsageError('--replay checks one FILE');
  return o;
}

function platformOverride(text: string, o: CliOptions): void {
  const m = /^([A-Za-z]+)=(.+)$/.exec(text);
  if (!m) throw new UsageError(`--platform takes KEY=VALUE, e.g. --platform kernel=5.15, not '${text}'`);
  const [, key, raw] = m;
  if (!(key in DEFAULT_PLATFORM)) throw new UsageError(`--platform ${text}: unknown platform setting '${key}'; settings: ${Object.keys(DEFAULT_PLATFORM).join(', ')}`);
  const typed = key === 'kernel' ? raw : raw === 'true' ? true : raw === 'false' ? false : /^\d+$/.test(raw) ? Number(raw) : raw;
  (o.platform as Record<string, unknown>)[key] = typed;
  o.platformText[key] = text;
  try {
    makePlatform(o.platform);
  } catch (e) {
    if (e instanceof PlatformError) throw new UsageError(`--platform ${text}: ${e.message}`);
    throw e;
  }
}
