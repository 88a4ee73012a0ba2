// Command-line options of `dmafuzz` and `dmafuzz check`. Anything unknown or malformed is a
// UsageError: one line, exit code 2. fuzz and replay parse theirs with the same parser.

import { isRule } from '../check/rules.js';
import { checkSetting, DEFAULT_PLATFORM, PlatformError, type PlatformConfig } from '../platform/platform.js';
import { oneLine } from '../report/one-line.js';
import { LIMITS, parseOptions, quoteArg, wholeNumber } from './subcommand-args.js';
import { UsageError } from '../run/usage-error.js';

export { UsageError };

export interface CliOptions {
  command: 'builtin' | 'check' | 'help';
  paths: string[];
  runs?: number;
  seed?: number;
  maxEvents?: number;
  maxStates?: number;
  unroll?: number;
  json: boolean;
  /** --platform overrides; each setting valid alone, the combination is checked per file. */
  platform: Partial<PlatformConfig>;
  /** The option text of each override, for error messages. */
  platformText: Record<string, string>;
  replay?: string;
  /** --waive RULE-ID: the rule's findings are reported as waived and never make the verdict. */
  waive?: string[];
  /** --save-failures DIR | none (default dmafuzz-failures/). */
  saveFailures?: string;
}

const range = (name: keyof typeof LIMITS) => `${LIMITS[name].min}–${LIMITS[name].max.toLocaleString('en-US')}`;

export const USAGE = `usage: dmafuzz [check FILE|DIR... ] [options]
       dmafuzz fuzz FILE|DIR... [--time 2m] [--seed N] [--shard I/N] [--workers N|auto]
                    [--vary KEY,...] [--pin KEY=VALUE]... [--waive RULE-ID]... [--corpus DIR] [--report DIR]
       dmafuzz selftest [--minutes N] [--seed N] [--shard I/N] [--well-behaved N] [--class-seeds N]
       dmafuzz replay FILE.json | --target NAME --seed N [--path P] [--faults F,...]
       dmafuzz export --herd FILE

  dmafuzz                     check every built-in scenario against its expected verdict
  dmafuzz check FILE|DIR...   check DMA litmus tests (*.litmus; directories are searched)
  dmafuzz fuzz FILE|DIR...    your litmus tests for a time box across the platform matrix (kernel
                              versions, DminLine/CWG, swiotlb, RAM above 4 GiB, device address
                              bits, A53 and IVAC upgrades, SMMU, untrusted device, restricted
                              DMA pool, dma-ranges)
                              and kmalloc placements next to
                              neighbours; failures shrink to litmus tests saved in --corpus
                              (default dmafuzz-corpus/); --report DIR writes JSON, JUnit, HTML
  dmafuzz selftest            dmafuzz's own long randomized run: every bug class over many seeds,
                              then generated well-behaved drivers until the time box ends
  dmafuzz replay              reproduce a fuzzer failure from its saved file or its seed and path
  dmafuzz export --herd FILE  the test's cpu threads as an AArch64 herd7 test, on stdout

options (--opt VALUE or --opt=VALUE; -- ends the options):
  --runs N             random executions when a test is too big to explore exhaustively
                       (default 300, ${range('runs')})
  --seed N             seed of the random search (default 1, ${range('seed')})
  --max-events N       exhaustive bound: fills and evictions per execution (default 2, ${range('max-events')})
  --max-states N       exhaustive search gives up beyond N states (default 50000 per path and level, ${range('max-states')})
  --unroll N           laps of a loop whose condition depends on a read; an execution that would
                       go on is cut and counted, never judged (default 2, ${range('unroll')})
  --platform KEY=VALUE override a platform setting, e.g. --platform kernel=5.15 (repeatable;
                       keys as in docs/litmus.md; checked together with the file's platform { })
  --waive RULE-ID      report RULE-ID's findings as waived: shown, never counted in the verdict
                       (repeatable; rules in docs/contract.md; in a file: // dmafuzz: waive RULE-ID: why)
  --replay FILE.json   judge only the counterexample execution saved in FILE.json (any failure
                       dmafuzz saved: by check, in a fuzz corpus, or by selftest)
  --save-failures DIR  where check saves each counterexample for --replay (default
                       dmafuzz-failures/; 'none' saves nothing); the same failure is one file
  --json               print one JSON object per file
  --help               print this help
selftest: --minutes ${range('minutes')}, --well-behaved ${range('well-behaved')}, --class-seeds ${range('class-seeds')}

exit status: 0 all ok, 1 a bug was found (or a built-in scenario differs from its expectation),
2 usage or input error (one line: file:line:col: message, or the option), 3 no bug but some
verdict inconclusive, 4 internal error: a bug in dmafuzz itself (please report it).
Format and limits: docs/litmus.md`;

export function parseArgs(argv: string[]): CliOptions {
  const o: CliOptions = { command: 'builtin', paths: [], json: false, platform: {}, platformText: {} };
  const isCheck = argv[0] === 'check';
  const end = argv.indexOf('--');
  const options = end < 0 ? argv : argv.slice(0, end);
  if (options.includes('--help') || options.includes('-h')) return { ...o, command: 'help' };
  const p = parseOptions('', isCheck ? argv.slice(1) : argv, {
    json: { flag: true }, runs: {}, seed: {}, 'max-events': {}, 'max-states': {}, unroll: {}, replay: {}, platform: { repeat: true }, waive: { repeat: true }, 'save-failures': {},
  });
  if (isCheck) o.command = 'check';
  o.json = p.flags.has('json');
  o.runs = wholeNumber('runs', p.values.runs);
  o.seed = wholeNumber('seed', p.values.seed);
  o.maxEvents = wholeNumber('max-events', p.values['max-events']);
  o.maxStates = wholeNumber('max-states', p.values['max-states']);
  o.unroll = wholeNumber('unroll', p.values.unroll);
  if (p.values.replay !== undefined) o.replay = p.values.replay;
  if (p.values['save-failures'] !== undefined) {
    if (p.values['save-failures'] === '') throw new UsageError('--save-failures takes a directory, or none');
    o.saveFailures = p.values['save-failures'];
  }
  for (const text of p.lists.platform ?? []) platformOverride(text, o);
  if (p.lists.waive) o.waive = p.lists.waive.map(waiveRule);
  if (!isCheck && p.positionals.length) {
    throw new UsageError(`unknown command ${quoteArg(p.positionals[0])}: use 'dmafuzz check FILE|DIR...', 'dmafuzz fuzz FILE|DIR...', 'dmafuzz selftest' or 'dmafuzz replay' (see dmafuzz --help)`);
  }
  o.paths = p.positionals;
  if (!isCheck && (o.replay !== undefined || p.lists.platform || p.lists.waive || o.saveFailures !== undefined)) {
    // the built-in scenarios carry their own platform and expected verdict
    throw new UsageError(`--${o.replay !== undefined ? 'replay' : p.lists.platform ? 'platform' : p.lists.waive ? 'waive' : 'save-failures'} applies to 'dmafuzz check FILE'`);
  }
  if (o.command === 'check' && !o.paths.length) throw new UsageError('dmafuzz check needs at least one FILE or DIR');
  if (o.replay && o.paths.length !== 1) throw new UsageError('--replay checks one FILE');
  return o;
}

/** One --waive RULE-ID: a rule the contract checker knows (src/check/rules.ts). */
export function waiveRule(text: string): string {
  if (!isRule(text)) throw new UsageError(`--waive ${oneLine(text)}: unknown rule; the rules are listed in docs/contract.md`);
  return text;
}

/** One --platform KEY=VALUE: the key as docs/litmus.md spells it, the value valid on its own. */
function platformOverride(text: string, o: CliOptions): void {
  const m = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/s.exec(text);
  if (!m) throw new UsageError(`--platform takes KEY=VALUE, e.g. --platform kernel=5.15, not ${quoteArg(text)}`);
  const [, key, raw] = m;
  const keys = Object.keys(DEFAULT_PLATFORM);
  if (!keys.includes(key)) {
    const hint = keys.find((k) => k.toLowerCase() === key.toLowerCase());
    throw new UsageError(`--platform ${oneLine(text)}: unknown platform setting '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}; settings: ${keys.join(', ')}`);
  }
  if (raw === '') throw new UsageError(`--platform ${key}= needs a value`);
  if (key in o.platform) throw new UsageError(`--platform ${key} is given twice ('${o.platformText[key]}' and ${quoteArg(text)})`);
  const value = key === 'kernel' ? raw : raw === 'true' ? true : raw === 'false' ? false : /^(0x[0-9a-f]+|\d+)$/i.test(raw) ? Number(raw) : raw;
  try {
    checkSetting(key, value);
  } catch (e) {
    if (e instanceof PlatformError) throw new UsageError(`--platform ${oneLine(text)}: ${e.message}`);
    throw e;
  }
  (o.platform as Record<string, unknown>)[key] = value;
  o.platformText[key] = text;
}
