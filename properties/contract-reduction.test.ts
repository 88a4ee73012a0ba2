// The contract walk's partial-order reduction (src/check/explore-contract.ts: only the first
// closed set of actors that can move, src/oracle/persistent.ts) against the walk over every
// interleaving: the same findings (over a test's paths, as `dmafuzz check` reports them) and the
// same completeness, on every built-in scenario and shipped .litmus test, small members of the scale families and generated drivers.
// And the comparison can fail: with footprints that declare every op independent, it reports
// findings the reduced walk no longer meets. The walk by independent groups (src/check/groups.ts)
// meets exactly the findings of the walk over every actor at once, and that comparison fails too
// when groups split actors that interact.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { familyProgram } from '../bench/families.js';
import { TS_SCENARIOS } from '../scenarios/index.js';
import { checkContract } from '../src/check/explore-contract.js';
import { independentGroups } from '../src/check/groups.js';
import { findingKey } from '../src/check/finding.js';
import { compile, type Compiled } from '../src/exec/compile.js';
import { buildDriver } from '../src/gen/build-driver.js';
import { BUG_KINDS, bugScenarioArb, wellBehavedScenarioArb } from '../src/gen/bug-scenarios.js';
import { footprints, type Footprints } from '../src/oracle/footprints.js';
import { makePlatform } from '../src/platform/platform.js';
import { loadLitmus } from '../src/run/check-file.js';
import { litmusFiles } from '../src/run/find-files.js';
import type { Program } from '../src/program/types.js';
import { twoChannels } from './two-channels.js';

const ROOT = resolve(import.meta.dirname, '..');
/** States the walk over every interleaving may use: paths it cannot finish within this are left out. */
const FULL_STATES = 20_000;

/** The findings of the walk over every interleaving and of the reduced one (undefined: the full walk ran out), over a test's paths. */
function findingsOf(paths: readonly Compiled[], f?: (c: Compiled) => Footprints): { full: Set<string>; reduced: Set<string>; fewer: boolean } | undefined {
  const full = new Set<string>(), reduced = new Set<string>();
  let fewer = false;
  for (const c of paths) {
    const a = checkContract(c, FULL_STATES, { reduce: false });
    if (!a.complete) return undefined;
    const b = checkContract(c, FULL_STATES, f ? { footprints: f(c) } : {});
    expect(b.complete, `${c.program.name}: the reduced walk did not finish (${b.states} states)`).toBe(true);
    for (const x of a.findings) full.add(findingKey(x));
    for (const x of b.findings) reduced.add(findingKey(x));
    fewer ||= b.states < a.states;
  }
  return { full, reduced, fewer };
}

/**
 * Where the reduced walk differs from the walk over every interleaving, over all of a test's
 * paths, as `dmafuzz check` reports them (src/check/file-findings.ts): the union of its paths'.
 * Path by path they may differ: an op another actor performs before a branch's assume fails is
 * met on that path only in the full walk, and on the path where the assume holds in both.
 */
function difference(paths: readonly Compiled[], f?: (c: Compiled) => Footprints): string | undefined | 'unfinished' {
  const r = findingsOf(paths, f);
  if (!r) return 'unfinished';
  const missing = [...r.full].filter((k) => !r.reduced.has(k)), extra = [...r.reduced].filter((k) => !r.full.has(k));
  return missing.length || extra.length ? `reduced contract walk: ${missing.length} findings missing, ${extra.length} extra, e.g. ${missing[0] ?? extra[0]}` : undefined;
}

const compiled = (p: Parameters<typeof compile>[0]) => compile(p, makePlatform(p.platform));

/** Each shipped .litmus test's compiled paths. */
function litmusTests(): { name: string; paths: Compiled[] }[] {
  return litmusFiles(['scenarios', 'tests/fixtures', 'tests/corpus'].map((d) => resolve(ROOT, d))).flatMap((file) => {
    const loaded = loadLitmus(file, readFileSync(file, 'utf8'));
    if ('kind' in loaded) return []; // a file meant to be refused
    return [{ name: file.slice(ROOT.length + 1), paths: loaded.compiled.allPaths ?? [loaded.compiled] }];
  });
}

describe('the reduced contract walk meets every finding the walk over every interleaving meets', () => {
  test('every shipped .litmus test, over all its paths', () => {
    let compared = 0, fewer = 0;
    for (const { name, paths } of litmusTests()) {
      const r = findingsOf(paths);
      if (!r) continue;
      compared++;
      if (r.fewer) fewer++;
      expect(difference(paths), name).toBeUndefined();
    }
    expect(compared).toBeGreaterThan(180);
    expect(fewer).toBeGreaterThan(30); // the reduction does reduce
  });

  test('built-in TS scenarios, scale families\' small members and generated drivers (fixed seeds)', () => {
    const programs = [
      ...TS_SCENARIOS.map((s) => s.program),
      familyProgram('threads', 2), familyProgram('ring', 2), familyProgram('rx-seq', 2), familyProgram('loopback', 2), familyProgram('loopback-read-before-unmap', 2),
    ].map(compiled);
    const generated = [
      ...fc.sample(wellBehavedScenarioArb(2), { seed: 11, numRuns: 12 }),
      ...BUG_KINDS.flatMap((k) => fc.sample(bugScenarioArb(k), { seed: 7, numRuns: 2 })),
    ].map((s) => compile(buildDriver(s.spec, s.platform).program, makePlatform(s.platform)));
    let compared = 0;
    for (const c of [...programs, ...generated]) {
      const d = difference([c]);
      if (d === 'unfinished') continue;
      compared++;
      expect(d, c.program.name).toBeUndefined();
    }
    expect(compared).toBeGreaterThan(60);
  });

  test('a finding met only before a loop is cut at --unroll: the cut is ordered with every op', () => {
    // Nobody sets the flag, so every execution is cut in the loop (the paths that leave it are
    // infeasible); the device's read of the bytes the CPU wrote after the map, unsynced, happens
    // only before that cut.
    const text = [
      'DMA cut-only', '{', '  kmalloc buf[64];', '  kmalloc flag[4];', '  mmio DB;', '}',
      'cpu drv {', '  h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);', '  if (dma_mapping_error(dev, h)) return;',
      '  *(u32 *)buf = 1;', '  writel(1, DB);', '  s = READ_ONCE(*(u32 *)flag);', '  while (s != 1) {',
      '    WRITE_ONCE(*(u32 *)flag, 2);', '    s = READ_ONCE(*(u32 *)flag);', '  }', '}',
      'device d {', '  wait_doorbell(DB, 1);', '  x = dma_read(h, 8);', '}',
    ].join('\n');
    const loaded = loadLitmus('cut-only.litmus', text);
    if ('kind' in loaded) throw new Error(loaded.message);
    const paths = loaded.compiled.allPaths ?? [loaded.compiled];
    const r = findingsOf(paths)!;
    expect([...r.full].some((k) => k.includes('device-sees-unsynced-cpu-write'))).toBe(true);
    expect(difference(paths)).toBeUndefined();
  });

  test('and the comparison catches a reduction that orders conflicting ops as if they commuted', () => {
    // Every op touches only its own actor: the first actor that can move runs alone to its end.
    const everythingIndependent = (c: Compiled): Footprints => {
      const f = footprints(c);
      const words = Math.ceil(c.actors.length / 32);
      const own = (a: number) => { const b = new Uint32Array(words); b[a >> 5] |= 1 << (a & 31); return b; };
      return { ...f, op: f.op.map((row, a) => row.map(() => own(a))), suffix: f.suffix.map((row, a) => row.map((_, i) => (i < row.length - 1 ? own(a) : new Uint32Array(words)))) };
    };
    let caught = 0;
    for (const { paths } of litmusTests().filter(({ name }) => /unmap-before|read-before|without-sync|no-sync|unsynced|fill-after-map/.test(name))) {
      const d = difference(paths, everythingIndependent);
      if (d !== 'unfinished' && d !== undefined) caught++;
    }
    expect(caught).toBeGreaterThan(0);
  });
});

/** States the contract walk over every actor at once may use: programs it cannot finish within this are left out. */
const CONTRACT_STATES = 5_000;

/** Where the contract walk by the given groups differs from the walk over every actor at once, or undefined. */
function contractGroupsDifference(c: Compiled, groups?: readonly (readonly number[])[]): string | undefined | 'unfinished' {
  const whole = checkContract(c, CONTRACT_STATES, { groups: [c.actors.map((_, a) => a)] });
  if (!whole.complete) return 'unfinished';
  const byGroups = checkContract(c, CONTRACT_STATES, { groups });
  if (!byGroups.complete) return `the walk by groups did not finish (${byGroups.states} states)`;
  const a = new Set(whole.findings.map(findingKey));
  const b = new Set(byGroups.findings.map(findingKey));
  const missing = [...a].filter((k) => !b.has(k));
  const extra = [...b].filter((k) => !a.has(k));
  return missing.length || extra.length ? `contract findings by groups: ${missing.length} missing, ${extra.length} extra, e.g. ${missing[0] ?? extra[0]}` : undefined;
}

describe('the contract walk by independent groups meets what the walk over every actor meets', () => {
  test('every built-in scenario and the scale families\' small members', () => {
    const programs: Program[] = [
      ...TS_SCENARIOS.map((s) => s.program),
      ...(['none', 'read-before-unmap', 'packed'] as const).map(twoChannels),
      familyProgram('threads', 2), familyProgram('ring', 1), familyProgram('ring', 2), familyProgram('rx-seq', 2),
      familyProgram('loopback', 2), familyProgram('loopback-read-before-unmap', 2),
    ];
    let compared = 0, grouped = 0;
    for (const c of programs.map(compiled)) {
      const d = contractGroupsDifference(c);
      if (d === 'unfinished') continue;
      compared++;
      if (independentGroups(c).length > 1) grouped++;
      expect(d, c.program.name).toBeUndefined();
    }
    expect(compared).toBeGreaterThan(45);
    expect(grouped).toBeGreaterThan(4);
  });

  test('and the comparison catches groups that split actors which interact', () => {
    const c = compiled(twoChannels('read-before-unmap'));
    expect(contractGroupsDifference(c)).toBeUndefined();
    expect(contractGroupsDifference(c, c.actors.map((_, a) => [a]))).toMatch(/missing|extra/);
  });
});
