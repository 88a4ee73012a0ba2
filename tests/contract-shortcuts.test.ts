// The contract checker's cheap forms give what the plain ones give, on every test in scenarios/
// and tests/fixtures/ (every path of each): the actor groups found by sweeping line ranges equal
// those found line by line, and a group decided by one run (src/check/one-run-contract.ts) has
// the findings of the walk over every interleaving; so do 1,000 generated rings. Each condition
// of the one run, dropped, fails a test here (allocations by two CPUs, a free, a run that did
// not finish, a device address computed). A walk that shares the state an op leaves alone
// meets what one that copies it at every step meets.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DEFAULT_CONTRACT_STATES, checkContract } from '../src/check/explore-contract.js';
import { independentGroups } from '../src/check/groups.js';
import { computedTargets } from '../src/oracle/computed-targets.js';
import { sameInEveryInterleaving } from '../src/check/one-run-contract.js';
import { BUG_KINDS, bugScenarioArb, wellBehavedScenarioArb } from '../src/gen/bug-scenarios.js';
import { buildCase } from '../src/selftest/targets.js';
import { compile, type Compiled } from '../src/exec/compile.js';
import { makePlatform } from '../src/platform/platform.js';
import { num } from '../src/program/expr.js';
import { ProgramError } from '../src/program/program-error.js';
import {
  coherent, cpu, device, dma_alloc_coherent, dma_free_coherent, dma_poll, dma_read, dma_wmb, dma_write, load, poll, program, raise_irq, store, wait_doorbell, wait_irq, writel,
} from '../src/program/build.js';
import type { CpuOp, DeviceOp, Program } from '../src/program/types.js';
import { loadLitmus } from '../src/run/check-file.js';
import { litmusFiles } from '../src/run/find-files.js';

const ROOT = resolve(import.meta.dirname, '..');

/** Every compiled path of every test file that compiles. */
const paths: { file: string; c: Compiled }[] = litmusFiles([resolve(ROOT, 'scenarios'), resolve(ROOT, 'tests/fixtures')]).flatMap((file) => {
  const l = loadLitmus(file, readFileSync(file, 'utf8'));
  if ('kind' in l) return [];
  return (l.compiled.allPaths ?? [l.compiled]).map((c) => ({ file, c }));
});

/** independentGroups as first written: every cache line a thing of its own. */
function groupsLineByLine(c: Compiled): number[][] {
  const parent = c.actors.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const owner = new Map<string, number>();
  const touch = (a: number, thing: string) => {
    const b = owner.get(thing);
    if (b === undefined) owner.set(thing, a);
    else parent[find(a)] = find(b);
  };
  const cwg = c.platform.cwg;
  const lines = (a: number, buf: string, off: number, size: number) => {
    const b = c.layout.buffers.get(buf);
    if (!b) return;
    for (let l = Math.floor((b.addr + off) / cwg); l <= Math.floor((b.addr + off + Math.max(size, 1) - 1) / cwg); l++) touch(a, `line:${l}`);
  };
  const handleBytes = new Map<string, { buf: string; off: number; size: number }[]>();
  for (const ca of c.actors) {
    for (const op of ca.actor.ops as CpuOp[]) {
      if (op.op === 'dma_map') handleBytes.set(op.handle, [...(handleBytes.get(op.handle) ?? []), { buf: op.buf, off: op.off, size: op.size }]);
      if (op.op === 'dma_map_sg') handleBytes.set(op.handle, [...(handleBytes.get(op.handle) ?? []), ...op.entries]);
      if (op.op === 'dma_alloc_coherent') handleBytes.set(op.buf, [{ buf: op.buf, off: 0, size: c.layout.buffers.get(op.buf)!.size }]);
    }
  }
  const computed = computedTargets(c);
  c.actors.forEach((ca, a) => {
    for (const [j, op] of (ca.actor.ops as (CpuOp | DeviceOp)[]).entries()) {
      if (['writel', 'readl', 'wait_doorbell', 'set_reg', 'read_reg'].includes(op.op) && 'reg' in op) touch(a, `reg:${op.reg}`);
      if ('irq' in op) touch(a, `irq:${op.irq}`);
      if ('addr' in op && op.addr) {
        const t = computed?.[a][j];
        if (t) {
          for (const h of t.handles) touch(a, `handle:${h}`);
          for (const r of t.ranges) for (let l = Math.floor(r.phys / cwg); l <= Math.floor((r.phys + Math.max(r.size, 1) - 1) / cwg); l++) touch(a, `line:${l}`);
        } else {
          touch(a, 'handle:');
          for (const h of handleBytes.keys()) touch(a, `handle:${h}`);
        }
        continue;
      }
      if ('handle' in op) {
        touch(a, `handle:${op.handle}`);
        for (const r of handleBytes.get(op.handle) ?? []) lines(a, r.buf, r.off, r.size);
      }
      if ('buf' in op) {
        if ('off' in op && 'size' in op) lines(a, op.buf, op.off, op.size);
        else lines(a, op.buf, 0, c.layout.buffers.get(op.buf)?.size ?? 1);
      }
      if (op.op === 'dma_map_sg') for (const e of op.entries) lines(a, e.buf, e.off, e.size);
    }
  });
  const groups = new Map<number, number[]>();
  c.actors.forEach((_, a) => groups.set(find(a), [...(groups.get(find(a)) ?? []), a]));
  return [...groups.values()];
}

describe('the contract walk', () => {
  test('there are tests to compare on, some with actors apart', () => {
    expect(paths.length).toBeGreaterThan(150);
    expect(paths.some(({ c }) => independentGroups(c).length > 1)).toBe(true);
  });

  test('actor groups by line ranges equal those by single lines, on every path', () => {
    for (const { file, c } of paths) expect(independentGroups(c), file).toEqual(groupsLineByLine(c));
  });
});

describe('the contract walk decided by one run', () => {
  /** The check, the walk over every interleaving, and whether the check took fewer states (decided by one run). */
  const byOneRun = (c: Compiled) => {
    const full = checkContract(c, DEFAULT_CONTRACT_STATES, { walkAll: true });
    const r = checkContract(c);
    return { full, r, oneRun: r.states < full.states };
  };

  test('meets exactly the findings of the walk over every interleaving, on every path', () => {
    let decided = 0;
    for (const { file, c } of paths) {
      const { full, r, oneRun } = byOneRun(c);
      expect({ findings: r.findings, complete: r.complete }, file).toEqual({ findings: full.findings, complete: full.complete });
      expect(r.states, file).toBeLessThanOrEqual(full.states);
      if (oneRun) decided++;
    }
    // Most small ordering tests (scenarios/arm-model) take the one run.
    expect(decided).toBeGreaterThan(50);
  });

  const ring = (cpuOps: CpuOp[], dev: DeviceOp[], more: Partial<Program> = {}) =>
    compile(program('t', { buffers: [coherent('ring', 256)], registers: ['DB'], actors: [cpu('cpu0', cpuOps), device('dev', [wait_doorbell('DB', 1), ...dev])], ...more }), makePlatform());
  const rules = (c: Compiled) => checkContract(c).findings.map((f) => `${f.severity} ${f.rule}`);

  test('a ring allocated and never freed: the unbind report, once, from one run', () => {
    const c = ring([dma_alloc_coherent('ring'), writel('DB', 1), store('ring', 0, 4, 1), store('ring', 4, 4, 2)], [dma_read('ring', 0, 4), dma_read('ring', 4, 4)]);
    expect(byOneRun(c).oneRun).toBe(true);
    expect(rules(c)).toEqual(['warning dma-debug/pending-allocations']);
    expect(rules({ ...c, program: { ...c.program, unbind: true } })).toEqual(['error dma-debug/pending-allocations']);
  });

  test('a device access past the allocation is reported from the one run', () => {
    const c = ring([dma_alloc_coherent('ring'), writel('DB', 1), store('ring', 0, 4, 1)], [dma_write('ring', 252, 8, 1), dma_read('ring', 0, 4)]);
    expect(byOneRun(c).oneRun).toBe(true);
    expect(rules(c)).toEqual(['error ownership/device-outside-mapping', 'warning dma-debug/pending-allocations']);
  });

  test('findings of two actors come in the order the walk meets them', () => {
    // Two actors report: the device's access past the end and the CPU's second allocation of the
    // buffer (dma-debug's cacheline check). The walk that stops at its first finished state meets
    // them in the order the walk over every interleaving (with its partial-order reduction) does.
    const c = compile(program('t', { buffers: [coherent('a', 16)], registers: ['DB'], actors: [
      cpu('cpu0', [dma_alloc_coherent('a'), writel('DB', 1), store('a', 0, 4, 1), dma_alloc_coherent('a')]),
      device('dev', [wait_doorbell('DB', 1), dma_write('a', 12, 8, 1)]),
    ] }), makePlatform());
    const full = checkContract(c, DEFAULT_CONTRACT_STATES, { walkAll: true });
    expect(full.findings.map((f) => f.rule).sort()).toEqual(['dma-debug/cacheline-overlap', 'dma-debug/pending-allocations', 'ownership/device-outside-mapping']);
    expect(checkContract(c).findings).toEqual(full.findings);
  });

  test('a free, two allocating CPUs, or a run that cannot finish: walked', () => {
    // dma_free_coherent() before the device is done: the interleaving decides (the device waits on no doorbell here).
    const freed = compile(program('t', { buffers: [coherent('ring', 256)], actors: [cpu('cpu0', [dma_alloc_coherent('ring'), dma_free_coherent('ring')]), device('dev', [dma_write('ring', 0, 4, 1)])] }), makePlatform());
    expect(rules(freed)).toEqual(['error ownership/device-outside-mapping']);
    expect(byOneRun(freed).oneRun).toBe(false);
    const two = compile(program('t', { buffers: [coherent('a', 64), coherent('b', 64)], actors: [cpu('cpu0', [dma_alloc_coherent('a'), store('b', 0, 4, 1)]), cpu('cpu1', [dma_alloc_coherent('b'), store('a', 0, 4, 1)])] }), makePlatform());
    expect(byOneRun(two).oneRun).toBe(false);
    // A device address computed from the handle: where it lands is the walk's to find (resolveBus).
    const computed = ring([dma_alloc_coherent('ring'), writel('DB', 1), store('ring', 0, 4, 1)], [{ op: 'dma_write', handle: '', off: 0, addr: { k: 'bin', op: '+', l: { k: 'handle', name: 'ring' }, r: num(64) }, size: 4, value: 1n }, dma_read('ring', 0, 4)]);
    expect(rules(computed)).toEqual(['warning dma-debug/pending-allocations']);
    expect(byOneRun(computed).oneRun).toBe(false);
    // The doorbell is never rung: no run finishes, and the walk says what it found.
    const stuck = ring([dma_alloc_coherent('ring')], [dma_read('ring', 0, 4)]);
    expect(byOneRun(stuck).oneRun).toBe(false);
    expect(rules(stuck)).toEqual([]);
  });
});

describe('the contract walk decided by one run, on generated rings', () => {
  // Coherent buffers small enough to share a 64-byte line (dma-debug's cacheline check), a CPU
  // that allocates, stores, polls and rings, a device that waits, polls, accesses (past the end
  // too) and raises an irq; sometimes a second allocating CPU or a free, which the walk must take.
  const BUFS = ['a', 'b', 'c'];
  const buf = fc.constantFrom(...BUFS);
  const value = fc.integer({ min: 0, max: 1 }); // 0: what dma_alloc_coherent() leaves, so polls often finish
  const word = (max: number) => fc.integer({ min: 0, max }).map((w) => 4 * w);
  const cpuOp = fc.oneof(
    { weight: 3, arbitrary: buf.map((b) => dma_alloc_coherent(b)) },
    { weight: 3, arbitrary: fc.tuple(buf, word(3), value).map(([b, o, v]) => store(b, o, 4, v)) },
    { weight: 2, arbitrary: fc.tuple(buf, word(3)).map(([b, o]) => load(b, o, 4)) },
    { weight: 1, arbitrary: fc.tuple(buf, word(3), value).map(([b, o, v]) => poll(b, o, 4, v)) },
    { weight: 2, arbitrary: fc.constant(writel('DB', 1)) },
    { weight: 1, arbitrary: fc.constant(dma_wmb()) },
    { weight: 1, arbitrary: fc.constant(wait_irq()) },
  );
  const deviceOp = fc.oneof(
    { weight: 1, arbitrary: fc.constant(wait_doorbell('DB', 1)) },
    { weight: 1, arbitrary: fc.constant(raise_irq()) },
    { weight: 2, arbitrary: fc.tuple(buf, word(5)).map(([b, o]) => dma_read(b, o, 8)) },
    { weight: 2, arbitrary: fc.tuple(buf, word(5), value).map(([b, o, v]) => dma_write(b, o, 4, v)) },
    { weight: 1, arbitrary: fc.tuple(buf, word(3), value).map(([b, o, v]) => dma_poll(b, o, 4, v)) },
  );
  const ringArb = fc.record({
    sizes: fc.tuple(...BUFS.map(() => fc.constantFrom(16, 32, 64, 128))),
    cpu0: fc.array(cpuOp, { minLength: 1, maxLength: 6 }),
    cpu1: fc.oneof(fc.constant([] as CpuOp[]), fc.array(fc.oneof(cpuOp, buf.map((b) => dma_free_coherent(b))), { maxLength: 3 })),
    dev: fc.array(deviceOp, { maxLength: 5 }),
  });

  test('1000 generated rings (seed 20): the findings of the walk over every interleaving, in order', () => {
    // Of 1,000: 348 compile (a device handle nothing allocates does not), 135 are decided by an
    // allocating group, meeting the unbind report, the cacheline check and accesses past the end.
    let decided = 0, compiled = 0;
    for (const g of fc.sample(ringArb, { seed: 20, numRuns: 1000 })) {
      const actors = [cpu('cpu0', g.cpu0), ...(g.cpu1.length ? [cpu('cpu1', g.cpu1)] : []), device('dev', g.dev)];
      let c: Compiled;
      try {
        c = compile(program('t', { buffers: BUFS.map((b, i) => coherent(b, g.sizes[i])), registers: ['DB'], actors }), makePlatform());
      } catch (e) {
        if (e instanceof ProgramError) continue; // a device handle nothing allocates
        throw e;
      }
      compiled++;
      const full = checkContract(c, DEFAULT_CONTRACT_STATES, { walkAll: true });
      const r = checkContract(c);
      const replay = JSON.stringify(g, (_, v) => (typeof v === 'bigint' ? Number(v) : v));
      expect({ findings: r.findings, complete: r.complete }, replay).toEqual({ findings: full.findings, complete: full.complete });
      expect(r.states, replay).toBeLessThanOrEqual(full.states);
      // Decided with fewer states than the walk, by a group that allocates (not only by one that cannot report).
      if (r.states < full.states && independentGroups(c).some((g) => sameInEveryInterleaving(c, g) === 'same')) decided++;
    }
    expect(compiled).toBeGreaterThan(300);
    expect(decided).toBeGreaterThan(100);
  });
});

describe('the contract walk sharing a state an op leaves alone (leavesStateAlone)', () => {
  const same = (c: Compiled, what: string) => {
    for (const walkAll of [false, true]) expect(checkContract(c, DEFAULT_CONTRACT_STATES, { walkAll }), what).toEqual(checkContract(c, DEFAULT_CONTRACT_STATES, { walkAll, copyAlways: true }));
  };

  test('the same findings and states as copying at every step, on every path', () => {
    for (const { file, c } of paths) same(c, file);
  });

  test('the same on generated drivers: 60 well-behaved (seed 7), 6 of each bug class (seed 3)', () => {
    for (const s of fc.sample(wellBehavedScenarioArb(), { seed: 7, numRuns: 60 })) same(buildCase(s).compiled, JSON.stringify(s.spec));
    for (const kind of BUG_KINDS) for (const s of fc.sample(bugScenarioArb(kind), { seed: 3, numRuns: 6 })) same(buildCase(s).compiled, `bug class ${kind}: ${JSON.stringify(s.spec)}`);
  });
});
