// Hostile variants of the built-in .litmus scenarios, as a fast-check arbitrary: what a checker
// run in CI on files nobody reviewed must survive. Tokens and lines deleted, duplicated and
// swapped; numbers made huge or negative; deep nesting; whole blocks copied hundreds of times;
// random and invalid UTF-8 bytes; truncation. Used by the mutation property in npm test (few,
// small mutants) and by `npm run mutants` (many, through the real process).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';

export interface Mutant {
  /** The scenario it came from and the operators applied, for a reproducer. */
  from: string;
  ops: string[];
  bytes: Uint8Array;
}

export function builtinLitmusTexts(root: string): { name: string; text: string }[] {
  const dir = join(root, 'scenarios');
  return readdirSync(dir).filter((f) => f.endsWith('.litmus')).sort().map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}

const HUGE = [
  '0', '-1', '-4096', '255', '256', '65536', '1000000000', '2147483648', '4294967295', '4294967296', '5000000000',
  '9007199254740993', '18446744073709551615', '18446744073709551616', '0xffffffffffffffff', '0x100000000',
  '99999999999999999999999999999999', '1e9', '0x', '00', '-0',
];
const INVALID_UTF8 = [[0xff], [0xc0, 0x80], [0x80], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x00], [0x1b, 0x5b, 0x32, 0x4a]];
const TOKEN = /\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/|0x[0-9a-fA-F]+|\d+|[A-Za-z_][A-Za-z0-9_]*|./g;

/** Every operator works on the file's bytes as a latin1 string: one char per byte, so byte-level
 * mutations (invalid UTF-8, truncation inside a character) survive later operators. */
type Op = (text: string) => { text: string; name: string };

const tokens = (t: string) => t.match(TOKEN) ?? [];
const lines = (t: string) => t.split('\n');
const pick = <T,>(xs: T[], r: number) => xs[Math.floor(r * xs.length) % Math.max(1, xs.length)];

/** One mutation, chosen and placed by fast-check (r, s: positions in [0, 1); k: a count). */
function operator(kind: number, r: number, s: number, k: number): Op {
  switch (kind) {
    case 0: return (t) => { const ts = tokens(t); const i = Math.floor(r * ts.length); return { name: `delete token ${i}`, text: [...ts.slice(0, i), ...ts.slice(i + 1)].join('') }; };
    case 1: return (t) => { const ts = tokens(t); const i = Math.floor(r * ts.length); return { name: `duplicate token ${i}`, text: [...ts.slice(0, i + 1), ...ts.slice(i)].join('') }; };
    case 2: return (t) => { const ts = tokens(t); const i = Math.floor(r * ts.length), j = Math.floor(s * ts.length); [ts[i], ts[j]] = [ts[j], ts[i]]; return { name: `swap tokens ${i} ${j}`, text: ts.join('') }; };
    case 3: return (t) => { const ls = lines(t); const i = Math.floor(r * ls.length); ls.splice(i, 1); return { name: `delete line ${i + 1}`, text: ls.join('\n') }; };
    case 4: return (t) => { const ls = lines(t); const i = Math.floor(r * ls.length); ls.splice(i, 0, ...Array(1 + (k % 8)).fill(ls[i])); return { name: `duplicate line ${i + 1} ×${1 + (k % 8)}`, text: ls.join('\n') }; };
    case 5: return (t) => { const ls = lines(t); const i = Math.floor(r * ls.length), j = Math.floor(s * ls.length); [ls[i], ls[j]] = [ls[j], ls[i]]; return { name: `swap lines ${i + 1} ${j + 1}`, text: ls.join('\n') }; };
    case 6: return (t) => {
      const ts = tokens(t);
      const numbers = ts.map((x, i) => (/^(0x[0-9a-fA-F]+|\d+)$/.test(x) ? i : -1)).filter((i) => i >= 0);
      if (!numbers.length) return { name: 'no number', text: t };
      const i = pick(numbers, r), v = pick(HUGE, s);
      ts[i] = v;
      return { name: `number token ${i} = ${v}`, text: ts.join('') };
    };
    case 7: return (t) => {
      // deep nesting: a number or expression wrapped in parentheses, or blocks opened
      const depth = [10, 100, 1000, 10_000, 100_000][k % 5];
      const ts = tokens(t);
      const i = Math.floor(r * ts.length);
      const open = s < 0.5 ? '(' : '{';
      ts[i] = open.repeat(depth) + ts[i] + (s < 0.25 ? ')'.repeat(depth) : '');
      return { name: `nest token ${i} ${depth} deep in '${open}'`, text: ts.join('') };
    };
    case 8: return (t) => {
      // copy a cpu/device block many times under new names: many threads
      const m = /(^|\n)((cpu|device) (\w+) \{[\s\S]*?\n\})/.exec(t);
      if (!m) return { name: 'no block', text: t };
      const copies = [2, 10, 100, 600][k % 4];
      const extra = Array.from({ length: copies }, (_, n) => m[2].replace(`${m[3]} ${m[4]} {`, `${m[3]} ${m[4]}_${n} {`)).join('\n');
      return { name: `copy ${m[3]} ${m[4]} ×${copies}`, text: t + '\n' + extra + '\n' };
    };
    case 9: return (t) => {
      const at = Math.floor(r * t.length);
      const bad = Buffer.from(pick(INVALID_UTF8, s));
      return { name: `bytes ${bad.toString('hex')} at ${at}`, text: t.slice(0, at) + bad.toString('latin1') + t.slice(at) };
    };
    case 10: return (t) => {
      const at = Math.floor(r * t.length);
      const rnd = Buffer.from(Array.from({ length: 1 + (k % 16) }, (_, n) => Math.floor(((s * 997 + n * 0.618) % 1) * 256)));
      return { name: `random bytes ${rnd.toString('hex')} at ${at}`, text: t.slice(0, at) + rnd.toString('latin1') + t.slice(at) };
    };
    default: return (t) => { const at = Math.floor(r * t.length); return { name: `truncate at byte ${at}`, text: t.slice(0, at) }; };
  }
}

const step = fc.tuple(fc.integer({ min: 0, max: 11 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.nat(1000));

/** 1–4 mutations of one of `scenarios`, applied in order. */
export function mutantArbitrary(scenarios: { name: string; text: string }[]): fc.Arbitrary<Mutant> {
  return fc.tuple(fc.nat(scenarios.length - 1), fc.array(step, { minLength: 1, maxLength: 4 })).map(([which, steps]) => {
    const { name, text } = scenarios[which];
    let t = Buffer.from(text, 'utf8').toString('latin1');
    const ops: string[] = [];
    for (const [kind, r, s, k] of steps) {
      const out = operator(kind, r, s, k)(t);
      ops.push(out.name);
      t = out.text;
    }
    return { from: name, ops, bytes: Buffer.from(t, 'latin1') };
  });
}
