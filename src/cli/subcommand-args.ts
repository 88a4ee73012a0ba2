// The one option parser of every dmafuzz command (check, fuzz, replay): `--name VALUE` and
// `--name=VALUE`, flags, positionals, `--` before file names that start with '-'. Every mistake is
// a one-line UsageError naming the option; every number has a stated range (LIMITS) so no option
// can ask for a run that never ends or fills the machine.

import { oneLine } from '../report/one-line.js';
import { UsageError } from '../run/usage-error.js';

/** Whole-number options: the range each accepts and why it stops there (shown in errors and --help). */
export const LIMITS = {
  // ~1 ms per random execution of a small test: a million is ~20 minutes on one core.
  runs: { min: 1, max: 1_000_000, why: 'about 20 minutes of random search; use several --seed values for more' },
  // fast-check (check) and the nightly both take 32-bit seeds: 2^32 + 1 would repeat seed 1.
  seed: { min: 0, max: 0xffff_ffff, why: 'seeds are 32-bit: a larger one would repeat a smaller seed\'s run' },
  // the exhaustive search visits up to (N + 1) levels of --max-states states each.
  'max-events': { min: 0, max: 16, why: 'each level multiplies the states; beyond 16 every search gives up at --max-states' },
  // every state kept costs memory (a key per state): a million stays well under 1 GB.
  'max-states': { min: 1, max: 1_000_000, why: 'every explored state is kept in memory' },
  // laps of each loop bounded by --unroll; paths grow as a power of it (src/exec/paths.ts MAX_PATHS).
  unroll: { min: 1, max: 64, why: 'paths grow as a power of it; a loop needs at least one lap' },
  minutes: { min: 0, max: 24 * 60, why: 'one day; split longer runs with --shard' },
  'well-behaved': { min: 0, max: 1_000_000, why: 'generated drivers are checked one by one; --minutes is the time box' },
  'class-seeds': { min: 0, max: 100_000, why: 'seeds per bug class; each is a full fuzz run' },
} as const;

export type CountOption = keyof typeof LIMITS;

/** How an option is written: a flag, or an option taking a value (`repeat`: may be given again). */
export interface OptionSpec {
  flag?: boolean;
  repeat?: boolean;
}

export interface Parsed {
  values: Record<string, string | undefined>;
  /** Every value of a repeatable option, in order. */
  lists: Record<string, string[]>;
  flags: Set<string>;
  positionals: string[];
}

/** Split argv by `spec`; `command` prefixes the errors ("fuzz: unknown option '--x'"). */
export function parseOptions(command: string, argv: string[], spec: Record<string, OptionSpec>, allowPositionals = true): Parsed {
  const out: Parsed = { values: {}, lists: {}, flags: new Set(), positionals: [] };
  const where = command ? `${command}: ` : '';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      if (!allowPositionals) throw new UsageError(`${where}unexpected argument ${quoteArg(a)} (see dmafuzz --help)`);
      out.positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = (eq < 0 ? a : a.slice(0, eq)).replace(/^--?/, '');
    const s = a.startsWith('--') ? spec[name] : undefined;
    if (!s) throw new UsageError(`${where}unknown option ${quoteArg(eq < 0 ? a : a.slice(0, eq))} (see dmafuzz --help)`);
    if (s.flag) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      out.flags.add(name);
      continue;
    }
    let v: string | undefined;
    if (eq >= 0) v = a.slice(eq + 1);
    else {
      v = argv[++i];
      // `--minutes -1` is a value (refused by its range), `--seed --json` a forgotten one
      if (v === undefined || v.startsWith('--')) throw new UsageError(`--${name} needs a value`);
    }
    if (v === '') throw new UsageError(`--${name} needs a value`);
    if (name in out.values && !s.repeat) throw new UsageError(`--${name} is given twice`);
    out.values[name] = v;
    (out.lists[name] ??= []).push(v);
  }
  return out;
}

/** fuzz and replay: options that all take a value (kept for their callers). */
export function parseSubcommand(command: string, argv: string[], names: string[], allowPositionals = false): { values: Record<string, string | undefined>; positionals: string[] } {
  const { values, positionals } = parseOptions(command, argv, Object.fromEntries(names.map((n) => [n, {}])), allowPositionals);
  return { values, positionals };
}

/** The whole number given to --name, within its LIMITS, or a UsageError naming the option. */
export function wholeNumber(name: CountOption, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const { min, max, why } = LIMITS[name];
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) {
    throw new UsageError(`--${name} takes a whole number from ${min} to ${max.toLocaleString('en-US')}${n > max ? ` (${why})` : ''}, not ${quoteArg(text)}`);
  }
  return n;
}

/** An argument as the user typed it, quoted, on one line. */
export function quoteArg(s: string): string {
  const t = oneLine(s);
  return t === s ? `'${s}'` : t;
}
