// Registers, branches, loops, dependencies and exists/forall on programs built as data (the text
// format's own tests are in tests/litmus-*.test.ts). The Arm rows follow herd7's aarch64.cat:
// MP+dmb.st+ctrl Allowed, MP+dmb.st+addr Forbidden, LB+datas Forbidden, LB Allowed.

import { describe, expect, test } from 'vitest';
import { compilePaths } from '../src/exec/compile.js';
import { expandPaths } from '../src/exec/paths.js';
import { checkPaths } from '../src/oracle/check.js';
import { makePlatform } from '../src/platform/platform.js';
import { parseLitmus } from '../src/litmus/parse.js';
import { newIdealMachine, newModelMachine } from '../src/model/machines.js';
import type { Expr } from '../src/program/expr.js';
import type { CpuOp, DeviceOp, Program } from '../src/program/types.js';

const n = (v: number): Expr => ({ k: 'num', v: BigInt(v) });
const reg = (name: string): Expr => ({ k: 'reg', name });
const bin = (op: Extract<Expr, { k: 'bin' }>['op'], l: Expr, r: Expr): Expr => ({ k: 'bin', op, l, r });
const treg = (actor: string, name: string): Expr => ({ k: 'treg', actor, name });

const MEM = [{ name: 'mem', kind: 'kmalloc' as const, size: 256 }, { name: 'x', kind: 'kmalloc' as const, size: 4, in: { parent: 'mem', offset: 0 } }, { name: 'y', kind: 'kmalloc' as const, size: 4, in: { parent: 'mem', offset: 64 } }];

function program(name: string, cpu0: CpuOp[], cpu1: CpuOp[], cond?: Program['condition']): Program {
  return { name, buffers: MEM, registers: [], actors: [{ name: 'cpu0', kind: 'cpu', ops: cpu0 }, { name: 'cpu1', kind: 'cpu', ops: cpu1 }], ...(cond ? { condition: cond } : {}) };
}

const check = (p: Program, unroll = 2) => checkPaths(compilePaths(p, makePlatform(), unroll));

const writer: CpuOp[] = [
  { op: 'store', buf: 'x', off: 0, size: 4, value: 1n, once: true },
  { op: 'barrier', kind: 'smp_wmb' },
  { op: 'store', buf: 'y', off: 0, size: 4, value: 1n, once: true },
];
const stale = { kind: 'exists' as const, cond: bin('&&', bin('==', treg('cpu1', 'r1'), n(1)), bin('==', treg('cpu1', 'r2'), n(0))) };

describe('dependencies order as on Arm (herd7 aarch64.cat)', () => {
  test('MP+dmb.st+ctrl: a control dependency alone does not order the later load — Allowed', () => {
    const reader: CpuOp[] = [
      { op: 'load', buf: 'y', off: 0, size: 4, once: true, reg: 'r1' },
      { op: 'if', cond: bin('==', reg('r1'), n(1)), then: [{ op: 'load', buf: 'x', off: 0, size: 4, once: true, reg: 'r2' }] },
    ];
    const r = check(program('mp-ctrl', writer, reader, stale));
    expect(r.verdict).toBe('bug');
    expect(r.counterexample?.result.condition).toMatchObject({ kind: 'exists', anyMachine: false });
  });

  test('MP+dmb.st+addr: an address dependency orders the later load — Forbidden', () => {
    const reader: CpuOp[] = [
      { op: 'load', buf: 'y', off: 0, size: 4, once: true, reg: 'r1' },
      { op: 'load', buf: 'x', off: 0, offExpr: bin('&', reg('r1'), n(0)), size: 4, once: true, reg: 'r2' },
    ];
    const r = check(program('mp-addr', writer, reader, stale));
    expect(r.verdict).toBe('ok');
    expect(r.exhaustive).toBe(true);
  });

  const lb = { kind: 'exists' as const, cond: bin('&&', bin('==', treg('cpu0', 'r0'), n(1)), bin('==', treg('cpu1', 'r1'), n(1))) };
  const lbThread = (from: string, to: string, r: string, data: boolean): CpuOp[] => [
    { op: 'load', buf: from, off: 0, size: 4, once: true, reg: r },
    data
      ? { op: 'store', buf: to, off: 0, size: 4, value: 0n, valueExpr: bin('|', bin('&', reg(r), n(0)), n(1)), once: true }
      : { op: 'store', buf: to, off: 0, size: 4, value: 1n, once: true },
  ];

  test('LB: a store may be performed before an earlier load of another address — Allowed', () => {
    expect(check(program('lb', lbThread('x', 'y', 'r0', false), lbThread('y', 'x', 'r1', false), lb)).verdict).toBe('bug');
  });

  test('LB+datas: a store whose value depends on a load waits for it — Forbidden', () => {
    const r = check(program('lb-datas', lbThread('x', 'y', 'r0', true), lbThread('y', 'x', 'r1', true), lb));
    expect(r.verdict).toBe('ok');
    expect(r.exhaustive).toBe(true);
  });

  test('LB+ctrls: a store after a branch on a load waits for it — Forbidden', () => {
    const ctrl = (from: string, to: string, r: string): CpuOp[] => [
      { op: 'load', buf: from, off: 0, size: 4, once: true, reg: r },
      { op: 'if', cond: bin('==', reg(r), n(1)), then: [], else: [] },
      { op: 'store', buf: to, off: 0, size: 4, value: 1n, once: true },
    ];
    const r = check(program('lb-ctrls', ctrl('x', 'y', 'r0'), ctrl('y', 'x', 'r1'), lb));
    expect(r.verdict).toBe('ok');
    expect(r.exhaustive).toBe(true);
    expect(r.paths).toBe(4);
  });

  test('the Forbidden rows fail on a model whose dependencies order nothing', () => {
    // Without the dependency edges the machine would use a value before reading it: it says so.
    const broken = { ...makePlatform(), faults: ['dependencies-order-nothing' as const] };
    const lbDatas = program('lb-datas', lbThread('x', 'y', 'r0', true), lbThread('y', 'x', 'r1', true), lb);
    expect(() => checkPaths(compilePaths(lbDatas, broken))).toThrow(/used before it was performed/);
  });
});

describe('paths', () => {
  test('a for loop with constant bounds runs fully; offsets fold to numbers', () => {
    const p = program('for', [{ op: 'for', reg: 'i', from: n(0), cond: bin('<', reg('i'), n(3)), step: bin('+', reg('i'), n(1)), body: [{ op: 'store', buf: 'mem', off: 0, offExpr: bin('*', reg('i'), n(64)), size: 4, value: 0n, valueExpr: bin('+', n(0x10), reg('i')) }] }], []);
    const [path, ...rest] = expandPaths(p);
    expect(rest).toHaveLength(0);
    expect(path.program.actors[0].ops).toEqual([0, 1, 2].map((i) => ({ op: 'store', buf: 'mem', off: 64 * i, size: 4, value: BigInt(0x10 + i) })));
  });

  test('a while loop on a read value runs at most --unroll laps; going on is cut and counted, never judged', () => {
    // cpu1 spins on y with a body, so it is a loop, not a wait; cpu0 never sets y.
    const spin: CpuOp[] = [
      { op: 'load', buf: 'y', off: 0, size: 4, once: true, reg: 'r' },
      { op: 'while', cond: bin('==', reg('r'), n(0)), body: [{ op: 'load', buf: 'y', off: 0, size: 4, once: true, reg: 'r' }] },
    ];
    const paths = expandPaths(program('spin', [], spin), 2);
    expect(paths.map((p) => p.threads[1].cut).sort()).toEqual([false, false, false, true]); // left after 0, 1, 2 laps; cut
    const r = check(program('spin', [], spin), 2);
    // nobody sets y: every execution spins into the bound, so nothing was judged (not ok: inconclusive)
    expect(r.verdict).toBe('inconclusive');
    expect(r.allCut).toBe(true);
    expect(r.cut).toBeGreaterThan(0);
    expect(r.paths).toBe(4);
  });

  test('break and continue', () => {
    const body: CpuOp[] = [
      { op: 'if', cond: bin('==', reg('i'), n(1)), then: [{ op: 'continue' }] },
      { op: 'if', cond: bin('==', reg('i'), n(3)), then: [{ op: 'break' }] },
      { op: 'store', buf: 'mem', off: 0, offExpr: reg('i'), size: 1, value: 0n, valueExpr: reg('i') },
    ];
    const p = program('bc', [{ op: 'for', reg: 'i', from: n(0), cond: bin('<', reg('i'), n(8)), step: bin('+', reg('i'), n(1)), body }], []);
    const [path] = expandPaths(p);
    expect(path.program.actors[0].ops.map((o) => (o as { off: number }).off)).toEqual([0, 2]);
  });

  test('return ends the thread on its path, from inside a loop too', () => {
    const body: CpuOp[] = [
      { op: 'if', cond: bin('==', reg('i'), n(2)), then: [{ op: 'return' }] },
      { op: 'store', buf: 'mem', off: 0, offExpr: reg('i'), size: 1, value: 0n, valueExpr: reg('i') },
    ];
    const after: CpuOp = { op: 'store', buf: 'mem', off: 100, size: 1, value: 9n };
    const p = program('ret', [{ op: 'for', reg: 'i', from: n(0), cond: bin('<', reg('i'), n(4)), step: bin('+', reg('i'), n(1)), body }, after], []);
    const [path, ...more] = expandPaths(p);
    expect(more).toEqual([]);
    expect(path.program.actors[0].ops.map((o) => (o as { off: number }).off)).toEqual([0, 1]);
    // On a read value: one path returns, the other goes on to the store after the loop.
    const onRead = program('ret-read', [{ op: 'load', buf: 'x', off: 0, size: 4, reg: 'r' }, { op: 'if', cond: reg('r'), then: [{ op: 'return' }] }, after], []);
    expect(expandPaths(onRead).map((q) => q.program.actors[0].ops.filter((o) => o.op === 'store').length).sort()).toEqual([0, 1]);
  });
  test("an assume is decided on arm64 as soon as its read is: the path's other executions are its sibling's", () => {
    // cpu1 reads x (never written: 0) and branches on it; the `r == 1` path is infeasible.
    const ops: CpuOp[] = [
      { op: 'load', buf: 'x', off: 0, size: 4, once: true, reg: 'r' },
      { op: 'store', buf: 'mem', off: 128, size: 4, value: 7n },
      { op: 'if', cond: bin('==', reg('r'), n(1)), then: [{ op: 'store', buf: 'y', off: 0, size: 4, value: 1n }] },
    ];
    const paths = compilePaths(program('early', [], ops), makePlatform());
    expect(paths).toHaveLength(2);
    const dead = paths.map((c) => {
      const assume = c.actors[1].actor.ops.findIndex((o) => o.op === 'assume');
      expect(c.actors[1].early[0]).toEqual([{ op: assume, reads: [0] }]);
      const model = newModelMachine(c);
      expect(model.run(1, 0)).toBe(true); // the load
      expect(model.performed[1][assume]).toBe(0);
      // The ideal platform runs on to the assume: a witness or an explanation shows the whole run.
      const ideal = newIdealMachine(c);
      ideal.run(1, 0);
      expect(ideal.dead).toBeUndefined();
      return model.dead;
    });
    expect(dead.sort()).toEqual(['infeasible', undefined]);
    // Only conditions over the thread's own reads are decided early (a handle's address may still change).
    const onHandle = compilePaths(program('late', [], [{ op: 'load', buf: 'x', off: 0, size: 4, once: true, reg: 'r' }, { op: 'if', cond: bin('==', reg('r'), { k: 'handle', name: 'h' }), then: [] }]), makePlatform());
    for (const c of onHandle) expect(c.actors[1].early.every((e) => e === undefined)).toBe(true);
  });

  test('a map after an early return is a handle the device names on every path: on the path that returns, its access waits for ever', () => {
    const text = ['DMA probe-then-map', '{ kmalloc buf[64]; mmio ID; mmio DB; }', 'cpu drv {', '  id = readl(ID);', '  if (id == 0xffffffff) return -ENODEV;   /* no device behind the bus */',
      '  h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);', '  if (dma_mapping_error(dev, h)) return -ENOMEM;', '  writel(1, DB);', '}',
      'device nic {', '  wait_doorbell(DB, 1);', '  x = dma_read(h, 4);', '}', ''].join('\n');
    const parsed = parseLitmus(text);
    const paths = compilePaths(parsed.program, makePlatform());
    expect(paths).toHaveLength(2);
    const r = checkPaths(paths);
    expect(r.verdict).toBe('ok');
    expect(r.exhaustive).toBe(true);
  });

  test('an exists clause that the ideal platform satisfies too is a race on any machine', () => {
    // cpu1 reads y before or after cpu0 writes it: r = 0 is possible on any machine.
    const reader: CpuOp[] = [{ op: 'load', buf: 'y', off: 0, size: 4, once: true, reg: 'r' }];
    const r = check(program('race', writer, reader, { kind: 'exists', cond: bin('==', treg('cpu1', 'r'), n(0)) }));
    expect(r.verdict).toBe('bug');
    expect(r.counterexample?.result.condition?.anyMachine).toBe(true);
  });

  test('forall: a bug iff some execution violates it', () => {
    const reader: CpuOp[] = [{ op: 'load', buf: 'x', off: 0, size: 4, once: true, reg: 'r' }];
    const always = { kind: 'forall' as const, cond: bin('||', bin('==', treg('cpu1', 'r'), n(0)), bin('==', treg('cpu1', 'r'), n(1))) };
    expect(check(program('forall-ok', writer, reader, always)).verdict).toBe('ok');
    const never = { kind: 'forall' as const, cond: bin('==', treg('cpu1', 'r'), n(1)) };
    expect(check(program('forall-bug', writer, reader, never)).verdict).toBe('bug');
  });
});

describe('devices act on what they read', () => {
  // The CPU writes the buffer's bus address into a descriptor; the device reads it and writes there.
  const program2 = (barrier: boolean): Program => ({
    name: 'tx-addr',
    buffers: [{ name: 'ring', kind: 'coherent', size: 4096 }, { name: 'pkt', kind: 'kmalloc', size: 64 }],
    registers: ['DB'],
    actors: [
      {
        name: 'cpu0', kind: 'cpu', ops: [
          { op: 'dma_alloc_coherent', buf: 'ring' },
          { op: 'dma_map', api: 'single', handle: 'h', buf: 'pkt', off: 0, size: 64, dir: 'DMA_FROM_DEVICE' },
          { op: 'store', buf: 'ring', off: 0, size: 8, value: 0n, valueExpr: { k: 'handle', name: 'h' } },
          ...(barrier ? [{ op: 'barrier', kind: 'dma_wmb' } as CpuOp] : []),
          { op: 'store', buf: 'ring', off: 8, size: 4, value: 1n, once: true },
          { op: 'poll', buf: 'ring', off: 8, size: 4, value: 2n },
          { op: 'dma_unmap', api: 'single', handle: 'h', size: 64, dir: 'DMA_FROM_DEVICE' },
          { op: 'load', buf: 'pkt', off: 0, size: 4 },
        ],
      },
      {
        name: 'dev', kind: 'device', ops: [
          { op: 'dma_poll', handle: 'ring', off: 8, size: 4, value: 1n },
          { op: 'dma_read', handle: 'ring', off: 0, size: 8, reg: 'a' },
          { op: 'dma_write', handle: '', off: 0, addr: { k: 'reg', name: 'a' }, size: 4, value: 0x5an },
          { op: 'dma_write', handle: 'ring', off: 8, size: 4, value: 2n },
        ] as DeviceOp[],
      },
    ],
  });

  test('with dma_wmb the device finds the address and the packet arrives', () => {
    expect(check(program2(true)).verdict).toBe('ok');
  });

  test('without it the device may see a stale address and write memory no mapping covers', () => {
    const r = check(program2(false));
    expect(r.verdict).toBe('bug');
    expect(JSON.stringify(r.counterexample?.result.diff)).toContain('no mapping covers');
  });
});
