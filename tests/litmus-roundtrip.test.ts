// print∘parse is the identity on programs: every CpuOp and DeviceOp, every platform setting,
// every kind of declaration. Flags that are false are written as absent (the printer's canonical form).

import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, test } from 'vitest';
import { TS_SCENARIOS } from '../scenarios/index.js';
import { maxValue } from '../src/exec/values.js';
import { parseLitmus } from '../src/litmus/parse.js';
import { programFromJson, toJson } from '../src/program/json.js';
import { printLitmus } from '../src/litmus/print.js';
import type { PlatformConfig } from '../src/platform/platform.js';
import { BARRIERS, DIRECTIONS, type BufRef, type BufferDecl, type CpuOp, type DeviceOp, type Program } from '../src/program/types.js';
import { BINARY_OPS, binary, unary, type Expr, type UnaryOp } from '../src/program/expr.js';
import { dropUnreadRegisters, opExprs, walkOps } from '../src/litmus/registers.js';

const roundTrip = (p: Program) => parseLitmus(printLitmus(p)).program;
/** Plain objects (fast-check's records have no prototype); bigints stay bigints. */
const plain = <T>(x: T): T => structuredClone(x);

// --- a small arbitrary of programs the parser accepts ---

const BUFS: BufferDecl[] = [
  { name: 'b0', kind: 'kmalloc', size: 128 },
  { name: 'ring', kind: 'coherent', size: 4096 },
  { name: 'f0', kind: 'kmalloc', size: 16, in: { parent: 'b0', offset: 8 } },
  { name: 'flag', kind: 'kmalloc', size: 4, in: { parent: 'b0', offset: 64 } },
  { name: 'pg', kind: 'page', size: 4096 },
  { name: 'cmd', kind: 'coherent', size: 64 },
];
const EXTRA = fc.record({
  name: fc.constant('b2'),
  kind: fc.constantFrom('kmalloc', 'page', 'stack', 'vmalloc', 'coherent'),
  size: fc.constant(256),
  at: fc.option(fc.integer({ min: 0, max: 0xffff_ffff }), { nil: undefined }),
  init: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
}).map((b) => Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined)) as unknown as BufferDecl);

const size = fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constantFrom(16, 64));
const range = (buf: string, bufSize: number) => size.filter((n) => n <= bufSize).chain((n) => fc.integer({ min: 0, max: bufSize - n }).map((off): BufRef => ({ buf, off, size: n })));
const anyRange = fc.oneof(range('b0', 128), range('f0', 16), range('b2', 256));
/** Every u64 an access of `size` bytes holds, with the edges (0, the top bit, all ones) often. */
const valueFor = (size: number) => fc.oneof(
  fc.bigInt({ min: 0n, max: maxValue(size) }),
  fc.constantFrom(0n, maxValue(size), size <= 8 ? 1n << BigInt(8 * size - 1) : 0x80n),
);
const regValue = valueFor(4);
const dir = fc.constantFrom(...DIRECTIONS);
const flag = fc.constantFrom(undefined, true);
const opt = <K extends string>(k: K, v: boolean | undefined) => (v ? { [k]: true } : {}) as Partial<Record<K, true>>;

const cpuOp: fc.Arbitrary<CpuOp> = fc.oneof(
  fc.tuple(anyRange, flag).chain(([r, once]) => valueFor(r.size).map((v): CpuOp => ({ op: 'store', ...r, value: v, ...opt('once', once) }))),
  fc.tuple(anyRange, flag).map(([r, once]): CpuOp => ({ op: 'load', ...r, ...opt('once', once) })),
  anyRange.chain((r) => valueFor(r.size).map((v): CpuOp => ({ op: 'poll', ...r, value: v }))),
  fc.constantFrom(...BARRIERS).map((kind): CpuOp => ({ op: 'barrier', kind })),
  fc.tuple(fc.constantFrom('R0', 'R1'), regValue, flag).map(([reg, v, relaxed]): CpuOp => ({ op: 'writel', reg, value: v, ...opt('relaxed', relaxed) })),
  fc.tuple(fc.constantFrom('R0', 'R1'), flag).map(([reg, relaxed]): CpuOp => ({ op: 'readl', reg, ...opt('relaxed', relaxed) })),
  fc.constantFrom('irq', 'rx_irq').map((irq): CpuOp => ({ op: 'wait_irq', irq })),
  // src/litmus/cpu-calls.ts: acquire/release, atomics, MMIO widths, allocator frees
  valueFor(4).map((v): CpuOp => ({ op: 'store', buf: 'flag', off: 0, size: 4, value: v, once: true, release: true })),
  fc.constant<CpuOp>({ op: 'load', buf: 'flag', off: 0, size: 4, once: true, acquire: true }),
  fc.tuple(valueFor(4), valueFor(4)).map(([v, old]): CpuOp => ({ op: 'rmw', fn: 'cmpxchg', buf: 'flag', off: 0, size: 4, old, value: v })),
  valueFor(4).map((v): CpuOp => ({ op: 'rmw', fn: 'xchg', buf: 'flag', off: 0, size: 4, value: v })),
  fc.constant<CpuOp>({ op: 'rmw', fn: 'spin_lock', buf: 'flag', off: 0, size: 4, value: 1n }),
  fc.tuple(fc.constantFrom('R0', 'R1'), fc.constantFrom(1, 2, 8), flag).chain(([reg, width, relaxed]) => valueFor(width).map((v): CpuOp => ({ op: 'writel', reg, value: v, width: width as 1 | 2 | 8, ...opt('relaxed', relaxed) }))),
  fc.tuple(fc.constantFrom('R0', 'R1'), fc.constantFrom(1, 2, 4, 8)).chain(([reg, width]) => valueFor(width).map((v): CpuOp => ({ op: 'writel', reg, value: v, ...(width !== 4 ? { width: width as 1 | 2 | 8 } : {}), io: true }))),
  fc.tuple(fc.constantFrom('R0', 'R1'), fc.constantFrom(1, 2, 4, 8), fc.boolean()).map(([reg, width, io]): CpuOp => ({ op: 'readl', reg, ...(width !== 4 ? { width: width as 1 | 2 | 8 } : {}), ...opt('io', io) })),
  fc.constant<CpuOp>({ op: 'dma_free_coherent', buf: 'cmd', pool: 'pool' }),
  fc.tuple(fc.integer({ min: 1, max: 4096 }), dir).map(([n, d]): CpuOp => ({ op: 'dma_unmap', api: 'page', handle: 'h2', size: n, dir: d, skipCpuSync: true, free: 'pg' })),
  fc.tuple(fc.integer({ min: 24, max: 64 }), flag).map(([bits, coherent]): CpuOp => ({ op: 'dma_set_mask', bits, ...opt('coherent', coherent) })),
  fc.constant<CpuOp>({ op: 'dma_free_coherent', buf: 'ring' }),
  fc.tuple(fc.constantFrom('single', 'page' as const), anyRange, dir, flag).map(([api, r, d, skip]): CpuOp => ({ op: 'dma_map', api, handle: 'h1', ...r, dir: d, ...opt('skipCpuSync', skip) })),
  fc.tuple(fc.constantFrom('single', 'page' as const), fc.integer({ min: 1, max: 128 }), dir, flag).map(([api, n, d, skip]): CpuOp => ({ op: 'dma_unmap', api, handle: 'h0', size: n, dir: d, ...opt('skipCpuSync', skip) })),
  fc.tuple(dir, flag).map(([d, skip]): CpuOp => ({ op: 'dma_unmap_sg', handle: 'sgl', dir: d, ...opt('skipCpuSync', skip) })),
  fc.tuple(fc.constantFrom('cpu', 'device' as const), fc.integer({ min: 0, max: 64 }), fc.integer({ min: 1, max: 64 }), dir, flag).map(([to, off, n, d, r]): CpuOp => ({ op: 'dma_sync', to, handle: 'h0', off, size: n, dir: d, ...opt('range', r) })),
  fc.tuple(fc.constantFrom('cpu', 'device' as const), dir).map(([to, d]): CpuOp => ({ op: 'dma_sync', to, handle: 'sgl', off: 0, size: 0, dir: d, sg: true })),
  fc.constantFrom('h0', 'sgl', 'ring').map((handle): CpuOp => ({ op: 'dma_mapping_error', handle })),
);

const busOp = (h: string) => fc.tuple(fc.option(fc.integer({ min: 0, max: 1 }), { nil: undefined }), fc.integer({ min: 0, max: 64 }), fc.integer({ min: 1, max: 64 }))
  .map(([entry, off, n]) => ({ handle: h, ...(entry === undefined ? {} : { entry }), off, size: n }));
const deviceOp: fc.Arbitrary<DeviceOp> = fc.oneof(
  // a wait for 0 holds at reset: the parser refuses it (wait_write is the doorbell any write rings)
  fc.tuple(fc.constantFrom('R0', 'R1'), regValue.filter((v) => v !== 0n)).map(([reg, v]): DeviceOp => ({ op: 'wait_doorbell', reg, value: v })),
  fc.constantFrom('R0', 'R1').map((reg): DeviceOp => ({ op: 'wait_doorbell', reg, value: 0n, anyWrite: true })),
  fc.constantFrom('R0', 'R1').map((reg): DeviceOp => ({ op: 'read_reg', reg })),
  fc.tuple(fc.constantFrom('h0', 'sgl', 'ring'), fc.constant(0)).chain(([h]) => busOp(h)).map((b): DeviceOp => ({ op: 'dma_read', ...b })),
  fc.constantFrom('h0', 'sgl', 'ring').chain((h) => busOp(h)).chain((b) => valueFor(b.size).map((v): DeviceOp => ({ op: 'dma_write', ...b, value: v }))),
  fc.constantFrom('h0', 'ring').chain((h) => busOp(h)).chain((b) => valueFor(b.size).map((v): DeviceOp => ({ op: 'dma_poll', ...b, value: v }))),
  fc.constantFrom('irq', 'rx_irq').map((irq): DeviceOp => ({ op: 'raise_irq', irq })),
  fc.tuple(fc.constantFrom('R0', 'R1'), regValue).map(([reg, v]): DeviceOp => ({ op: 'set_reg', reg, value: v })),
);

const platformArb: fc.Arbitrary<Partial<PlatformConfig> | undefined> = fc.option(fc.record({
  kernel: fc.constantFrom('5.15', '5.15.50', '6.1', '6.10', '6.12'),
  lineSize: fc.constant(64 as const),
  cwg: fc.constantFrom(64 as const, 128 as const, 256 as const),
  deviceCoherent: fc.boolean(),
  declaredCoherent: fc.boolean(),
  deviceAddressBits: fc.integer({ min: 24, max: 64 }),
  highRam: fc.boolean(),
  swiotlb: fc.constantFrom('present' as const, 'absent' as const, 'force' as const),
  a53CleanUpgrade: fc.boolean(),
  ivacUpgrade: fc.boolean(),
}, { requiredKeys: ['kernel'] }), { nil: undefined });

/** What every generated cpu0 starts with: the coherent ring allocated, h0 and sgl mapped. */
const SETUP_OPS: CpuOp[] = [
  { op: 'dma_alloc_coherent', buf: 'ring' },
  { op: 'dma_alloc_coherent', buf: 'cmd', pool: { name: 'pool', size: 64, align: 64 } },
  { op: 'dma_map', api: 'page', handle: 'h2', buf: 'pg', off: 0, size: 4096, dir: 'DMA_BIDIRECTIONAL', skipCpuSync: true, alloc: 'noncoherent' },
  { op: 'dma_map', api: 'single', handle: 'h0', buf: 'b0', off: 0, size: 128, dir: 'DMA_FROM_DEVICE' },
  { op: 'dma_map_sg', handle: 'sgl', entries: [{ buf: 'b0', off: 0, size: 64 }, { buf: 'b2', off: 8, size: 100 }], dir: 'DMA_TO_DEVICE' },
];

const programArb: fc.Arbitrary<Program> = fc.record({
  name: fc.constantFrom('rx', 'tx-ring', 'c4.fixed', 'a+b_2'),
  platform: platformArb,
  extra: EXTRA,
  cpuOps: fc.array(cpuOp, { maxLength: 12 }),
  deviceOps: fc.array(deviceOp, { maxLength: 8 }),
  final: fc.option(fc.array(anyRange, { minLength: 1, maxLength: 2 }), { nil: undefined }),
  mmio: fc.boolean(), // mmio u64 R0; mmio R1 @ nic;
}).map(({ name, platform, extra, cpuOps, deviceOps, final, mmio }): Program => ({
  name,
  ...(platform ? { platform } : {}),
  buffers: [...BUFS, extra],
  registers: ['R0', 'R1'],
  ...(mmio ? { mmio: { R0: { bytes: 8 as const }, R1: { peripheral: 'nic' } } } : {}),
  actors: [
    {
      name: 'cpu0', kind: 'cpu', ops: [
        ...SETUP_OPS,
        ...cpuOps,
      ],
    },
    { name: 'dev', kind: 'device', ops: deviceOps },
  ],
  ...(final ? { final } : {}),
}));

describe('print then parse gives the program back', () => {
  test('random programs using every op', () => {
    fc.assert(fc.property(programArb, (p) => isDeepStrictEqual(roundTrip(p), plain(p))), { seed: 42, numRuns: 300 });
  });

  test('the arbitrary writes u64 values with the top bit set', () => {
    const tops = new Set<number>();
    fc.sample(programArb, { seed: 42, numRuns: 300 }).forEach((p) => p.actors.forEach((a) => a.ops.forEach((op) => {
      if ('value' in op && 'size' in op && op.size === 8 && op.value >= 1n << 63n) tops.add(op.size);
    })));
    expect([...tops]).toEqual([8]);
  });

  test('programs survive JSON (failure files): values are written as "0x…" strings', () => {
    fc.assert(fc.property(programArb, (p) => {
      const text = toJson(p);
      return isDeepStrictEqual(programFromJson(JSON.parse(text)), plain(p));
    }), { seed: 42, numRuns: 300 });
    const p = parseLitmus('DMA m\n{ kmalloc b[8]; }\ncpu c { *(u64 *)b = 0xffffffffffffffff; }\n').program;
    expect(toJson(p)).toContain('"value":"0xffffffffffffffff"');
  });

  test('every op kind appears in the arbitrary', () => {
    const seen = new Set<string>();
    fc.sample(programArb, { seed: 1, numRuns: 300 }).forEach((p) => p.actors.forEach((a) => a.ops.forEach((op) => seen.add(`${a.kind}:${op.op}`))));
    const all = ['store', 'load', 'poll', 'barrier', 'writel', 'readl', 'wait_irq', 'dma_set_mask', 'dma_alloc_coherent', 'dma_free_coherent', 'dma_map', 'dma_unmap', 'dma_map_sg', 'dma_unmap_sg', 'dma_sync', 'dma_mapping_error', 'rmw']
      .map((o) => `cpu:${o}`).concat(['wait_doorbell', 'dma_read', 'dma_write', 'dma_poll', 'raise_irq', 'set_reg', 'read_reg'].map((o) => `device:${o}`));
    expect([...all].filter((k) => !seen.has(k))).toEqual([]);
  });

  for (const s of TS_SCENARIOS) {
    test(s.id, () => expect(isDeepStrictEqual(roundTrip(s.program), s.program)).toBe(true));
  }

  test('the expectation and comments survive', () => {
    const p = TS_SCENARIOS[0].program;
    const text = printLitmus(p, { expect: 'bug', comment: 'line one\nline two' });
    expect(parseLitmus(text).expect).toBe('bug');
    expect(printLitmus(parseLitmus(text).program, { expect: 'bug', comment: 'line one\nline two' })).toBe(text);
  });
});

describe('C-like sugar the printer does not produce', () => {
  test('memset of at most 8 bytes stores copies of the byte', () => {
    const p = parseLitmus('DMA m\n{ kmalloc b[8]; }\ncpu c { memset(b, 0x33, 4); memset(b + 4, 0, 4); }\n').program;
    expect(p.actors[0].ops).toEqual([{ op: 'store', buf: 'b', off: 0, size: 4, value: 0x33333333n }, { op: 'store', buf: 'b', off: 4, size: 4, value: 0n }]);
  });
  test('dma_map_single_attrs with 0, loads without a register, goto after a mapping check', () => {
    const p = parseLitmus('DMA m\n{ kmalloc b[8]; }\ncpu c { h = dma_map_single_attrs(dev, b, 8, DMA_TO_DEVICE, 0); if (dma_mapping_error(dev, h)) goto out; READ_ONCE(*(u8 *)b); }\n').program;
    expect(p.actors[0].ops).toEqual([
      { op: 'dma_map', api: 'single', handle: 'h', buf: 'b', off: 0, size: 8, dir: 'DMA_TO_DEVICE' },
      { op: 'dma_mapping_error', handle: 'h' },
      { op: 'load', buf: 'b', off: 0, size: 1, once: true },
    ]);
  });
  test('source positions of ops are kept', () => {
    const { source } = parseLitmus('DMA m\n{ kmalloc b[8]; }\ncpu c {\n  mb();\n    wmb();\n}\n');
    expect(source.ops[0]).toEqual([{ kind: 'ident', text: 'mb', line: 4, col: 3 }, { kind: 'ident', text: 'wmb', line: 5, col: 5 }]);
  });
});

// --- programs with registers, expressions and control flow ---
//
// Generated freely from a small pool of names, then put in the form the parser produces:
// registers are read only after the text assigns them (others become numbers), constant
// subtrees are folded, a constant offset or value is a plain number, and a load keeps its
// register only when something reads it.

const REGS = ['i', 'j', 'len', 'st', 'a'];
const HANDLES = ['h0', 'ring'];
const UNARY: UnaryOp[] = ['~', '!', '-'];

const leafArb: fc.Arbitrary<Expr> = fc.oneof(
  fc.constantFrom(...REGS).map((name): Expr => ({ k: 'reg', name })),
  fc.oneof(fc.bigInt({ min: 0n, max: 300n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })).map((v): Expr => ({ k: 'num', v })),
  fc.constantFrom(...HANDLES).map((name): Expr => ({ k: 'handle', name })),
);
const exprArb = (depth: number, leaf = leafArb, unary = UNARY): fc.Arbitrary<Expr> => depth === 0 ? leaf : fc.oneof(
  { weight: 2, arbitrary: leaf },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...unary), exprArb(depth - 1, leaf, unary)).map(([op, e]): Expr => ({ k: 'un', op, e })) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...BINARY_OPS), exprArb(depth - 1, leaf, unary), exprArb(depth - 1, leaf, unary)).map(([op, l, r]): Expr => ({ k: 'bin', op, l, r })) },
);
const anyExpr = exprArb(3);
const regArb = fc.constantFrom(...REGS);
const maybe = <T extends object>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined }).map((x) => x ?? ({} as Partial<T>));

const computedCpuOp: fc.Arbitrary<CpuOp> = fc.oneof(
  fc.tuple(regArb, anyExpr).map(([reg, value]): CpuOp => ({ op: 'let', reg, value })),
  fc.tuple(fc.integer({ min: 1, max: 8 }), anyExpr, anyExpr, flag).map(([n, off, v, once]): CpuOp => ({ op: 'store', buf: 'ring', off: 0, size: n, offExpr: off, value: 0n, valueExpr: v, ...opt('once', once) })),
  fc.tuple(fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 2, maxLength: 3 }), maybe(anyExpr.map((offExpr) => ({ offExpr }))), flag)
    .map(([values, off, once]): CpuOp => ({ op: 'store', buf: 'ring', off: 0, size: values.length * 8, ...off, value: 0n, values, ...opt('once', once) })),
  fc.tuple(fc.integer({ min: 1, max: 8 }), anyExpr, regArb, flag).map(([n, off, reg, once]): CpuOp => ({ op: 'load', buf: 'ring', off: 0, size: n, offExpr: off, reg, ...opt('once', once) })),
  fc.tuple(fc.integer({ min: 1, max: 8 }), maybe(anyExpr.map((offExpr) => ({ offExpr }))), fc.constantFrom(...BINARY_OPS), exprArb(2), fc.boolean())
    .map(([n, off, op, e, not]): CpuOp => {
      const cmp: Expr = { k: 'bin', op, l: { k: 'polled' }, r: e };
      return { op: 'poll', buf: 'ring', off: 0, size: n, ...off, value: 0n, until: not ? { k: 'un', op: '!', e: cmp } : cmp };
    }),
  fc.tuple(fc.integer({ min: 1, max: 4 }), anyExpr, fc.bigInt({ min: 0n, max: 0xffn })).map(([n, off, v]): CpuOp => ({ op: 'poll', buf: 'ring', off: 0, size: n, offExpr: off, value: v })),
  // the shape of today's exact poll, as an `until`: the printer must not write it the exact way
  fc.bigInt({ min: 0n, max: 0xffn }).map((v): CpuOp => ({ op: 'poll', buf: 'ring', off: 0, size: 4, value: 0n, until: { k: 'un', op: '!', e: { k: 'bin', op: '!=', l: { k: 'polled' }, r: { k: 'num', v } } } })),
  fc.tuple(anyExpr, flag).map(([v, relaxed]): CpuOp => ({ op: 'writel', reg: 'R0', value: 0n, valueExpr: v, ...opt('relaxed', relaxed) })),
  fc.tuple(regArb, flag).map(([dst, relaxed]): CpuOp => ({ op: 'readl', reg: 'R1', dst, ...opt('relaxed', relaxed) })),
  fc.tuple(fc.constantFrom('cpu', 'device' as const), anyExpr, dir).map(([to, off, d]): CpuOp => ({ op: 'dma_sync', to, handle: 'h0', off: 0, offExpr: off, size: 64, dir: d, range: true })),
  // computed sizes (issue 18): `dma_sync_single_for_cpu(dev, h, pkt_len, DIR)`, unmap with a length
  fc.tuple(fc.constantFrom('cpu', 'device' as const), fc.integer({ min: 0, max: 64 }), anyExpr, dir, flag)
    .map(([to, off, n, d, r]): CpuOp => ({ op: 'dma_sync', to, handle: 'h0', off, size: 0, sizeExpr: n, dir: d, ...opt('range', r) })),
  fc.tuple(fc.constantFrom('single', 'page' as const), anyExpr, dir).map(([api, n, d]): CpuOp => ({ op: 'dma_unmap', api, handle: 'h0', size: 0, sizeExpr: n, dir: d })),
);

const busBase = fc.oneof(
  fc.tuple(fc.constantFrom('h0', 'ring'), maybe(anyExpr.map((offExpr) => ({ offExpr })))).map(([handle, off]) => ({ handle, off: 0, ...off })),
  fc.tuple(regArb, fc.option(anyExpr, { nil: undefined })).map(([r, e]) => {
    const reg: Expr = { k: 'reg', name: r };
    return { handle: '', off: 0 as const, addr: e ? { k: 'bin', op: '+', l: reg, r: e } as Expr : reg };
  }),
);
const computedDeviceOp: fc.Arbitrary<DeviceOp> = fc.oneof(
  fc.tuple(regArb, anyExpr).map(([reg, value]): DeviceOp => ({ op: 'let', reg, value })),
  fc.tuple(busBase, fc.integer({ min: 1, max: 8 }), regArb).map(([b, n, reg]): DeviceOp => ({ op: 'dma_read', ...b, size: n, reg })),
  fc.tuple(busBase, fc.integer({ min: 1, max: 64 }), anyExpr).map(([b, n, v]): DeviceOp => ({ op: 'dma_write', ...b, size: n, value: 0n, valueExpr: v })),
  fc.tuple(busBase, fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 2, maxLength: 2 })).map(([b, values]): DeviceOp => ({ op: 'dma_write', ...b, size: 16, value: 0n, values })),
  fc.tuple(busBase, fc.integer({ min: 1, max: 4 })).map(([b, n]): DeviceOp => ({ op: 'dma_poll', ...b, size: n, value: 1n })),
);

/** Ops of one kind with if/while/for around them, `depth` deep; break and continue only in loops. */
function controlOps<T extends CpuOp | DeviceOp>(simple: fc.Arbitrary<T>, depth: number, inLoop: boolean): fc.Arbitrary<T[]> {
  const inner = (loop: boolean) => controlOps(simple, depth - 1, loop);
  const choices: fc.Arbitrary<T>[] = [simple];
  if (inLoop) choices.push(fc.constantFrom({ op: 'break' } as T, { op: 'continue' } as T));
  if (depth > 0) {
    choices.push(
      fc.tuple(anyExpr, inner(inLoop), fc.option(inner(inLoop), { nil: undefined })).map(([cond, then, els]) => ({ op: 'if', cond, then, ...(els ? { else: els } : {}) }) as unknown as T),
      fc.tuple(anyExpr, inner(true)).map(([cond, body]) => ({ op: 'while', cond, body }) as unknown as T),
      fc.tuple(regArb, anyExpr, anyExpr, fc.oneof(anyExpr, regArb.map((): Expr => ({ k: 'num', v: 0n }))), inner(true))
        .map(([reg, from, cond, step, body]) => ({ op: 'for', reg, from, cond, step: step.k === 'num' ? { k: 'bin', op: '+', l: { k: 'reg', name: reg }, r: { k: 'num', v: 1n } } : step, body }) as unknown as T),
    );
  }
  return fc.array(fc.oneof(...choices), { maxLength: 4 });
}

const condLeaf: fc.Arbitrary<Expr> = fc.oneof(
  fc.tuple(fc.constantFrom('cpu0', 'dev'), regArb).map(([actor, name]): Expr => ({ k: 'treg', actor, name })),
  fc.bigInt({ min: 0n, max: 0xffffn }).map((v): Expr => ({ k: 'num', v })),
  range('b0', 128).filter((r) => r.size <= 8).map((r): Expr => ({ k: 'mem', ...r })),
  fc.constant<Expr>({ k: 'handle', name: 'h0' }),
);

function fold(e: Expr): Expr {
  if (e.k === 'un') {
    const x = fold(e.e);
    return x.k === 'num' ? { k: 'num', v: unary(e.op, x.v) } : { ...e, e: x };
  }
  if (e.k === 'bin') {
    const l = fold(e.l), r = fold(e.r);
    return l.k === 'num' && r.k === 'num' ? { k: 'num', v: binary(e.op, l.v, r.v) } : { ...e, l, r };
  }
  return e;
}

/** The form the parser gives: see the comment at the top of this section. */
function canonical(p: Program): Program {
  const assigned = new Map<string, Set<string>>();
  for (const a of p.actors) {
    const regs = new Set<string>();
    assigned.set(a.name, regs);
    const fix = (e: Expr): Expr => fold(replace(e, (x) => (x.k === 'reg' && !regs.has(x.name) ? { k: 'num', v: 7n } : x)));
    const walk = (ops: (CpuOp | DeviceOp)[]): void => {
      for (const op of ops as unknown as Record<string, unknown>[]) {
        if (op.reg !== undefined && (op.op === 'load' || op.op === 'dma_read') && (op.size as number) > 8) delete op.reg;
        for (const k of ['offExpr', 'valueExpr', 'sizeExpr', 'until', 'addr', 'cond', 'from', 'value'] as const) {
          if (k === 'value' && op.op !== 'let') continue;
          if (op[k] && !(k === 'cond' && op.op === 'for')) op[k] = fix(op[k] as Expr);
        }
        if (op.op === 'for') { regs.add(op.reg as string); op.cond = fix(op.cond as Expr); op.step = fix(op.step as Expr); }
        const offExpr = op.offExpr as Expr | undefined;
        if (offExpr?.k === 'num') delete op.offExpr;
        // A size that folds to a number is a number (the parser's intArg); keep it a size the parser takes.
        const sizeExpr = op.sizeExpr as Expr | undefined;
        if (sizeExpr?.k === 'num') { op.size = sizeExpr.v >= 1n && sizeExpr.v <= 65536n ? Number(sizeExpr.v) : 64; delete op.sizeExpr; }
        const valueExpr = op.valueExpr as Expr | undefined;
        if (valueExpr?.k === 'num') { op.value = (op.size as number) > 8 ? valueExpr.v & 0xffn : valueExpr.v & maxValue(op.op === 'writel' ? 4 : op.size as number); delete op.valueExpr; }
        if (op.op === 'let' || op.op === 'load' || op.op === 'dma_read') if (op.reg !== undefined) regs.add(op.reg as string);
        if (op.op === 'readl' && op.dst !== undefined) regs.add(op.dst as string);
        for (const k of ['then', 'else', 'body'] as const) if (op[k]) walk(op[k] as CpuOp[]);
      }
    };
    walk(a.ops);
  }
  if (p.condition) {
    p.condition.cond = fold(replace(p.condition.cond, (x) => (x.k === 'treg' && !assigned.get(x.actor)?.has(x.name) ? { k: 'num', v: 3n } : x)));
  }
  dropUnreadRegisters(p);
  return p;
}

function replace(e: Expr, f: (leaf: Expr) => Expr): Expr {
  if (e.k === 'un') return { ...e, e: replace(e.e, f) };
  if (e.k === 'bin') return { ...e, l: replace(e.l, f), r: replace(e.r, f) };
  return f(e);
}

const controlProgramArb: fc.Arbitrary<Program> = fc.record({
  cpuOps: controlOps(fc.oneof({ weight: 3, arbitrary: computedCpuOp }, { weight: 1, arbitrary: cpuOp }), 2, false),
  deviceOps: controlOps(computedDeviceOp, 2, false),
  condition: fc.option(fc.tuple(fc.constantFrom('exists', 'forall' as const), exprArb(3, condLeaf, ['!'])), { nil: undefined }),
}).map(({ cpuOps, deviceOps, condition }) => canonical(plain({
  name: 'ctl',
  buffers: [...BUFS, { name: 'b2', kind: 'kmalloc', size: 256 }],
  registers: ['R0', 'R1'],
  actors: [
    {
      name: 'cpu0', kind: 'cpu', ops: [
        ...SETUP_OPS,
        ...cpuOps,
      ],
    },
    { name: 'dev', kind: 'device', ops: deviceOps },
  ],
  ...(condition ? { condition: { kind: condition[0], cond: condition[1] } } : {}),
} as Program)));

describe('print then parse gives back programs with registers, expressions and control flow', () => {
  test('random programs', () => {
    fc.assert(fc.property(controlProgramArb, (p) => {
      const text = printLitmus(p);
      const back = parseLitmus(text).program;
      if (!isDeepStrictEqual(back, p)) throw new Error(`not the same program:\n${text}`);
    }), { seed: 8, numRuns: 200 });
  });

  test('they survive JSON (failure files): values in nested ops, expressions, {v0, v1} and the condition', () => {
    fc.assert(fc.property(controlProgramArb, (p) => isDeepStrictEqual(programFromJson(JSON.parse(toJson(p))), p)), { seed: 8, numRuns: 100 });
  });

  test('the arbitrary reaches every construct', () => {
    const seen = new Set<string>();
    const note = (e: Expr) => { seen.add(`expr:${e.k}`); if (e.k === 'un') note(e.e); if (e.k === 'bin') { note(e.l); note(e.r); } };
    for (const p of fc.sample(controlProgramArb, { seed: 8, numRuns: 200 })) {
      if (p.condition) { seen.add(`condition:${p.condition.kind}`); note(p.condition.cond); }
      for (const a of p.actors) walkOps(a.ops, (op) => {
        seen.add(`${a.kind}:${op.op}`);
        for (const k of ['offExpr', 'valueExpr', 'sizeExpr', 'until', 'addr', 'values', 'else'] as const) if (k in op) seen.add(`${op.op}.${k}`);
        if ('reg' in op && op.reg !== undefined && (op.op === 'load' || op.op === 'dma_read')) seen.add(`${op.op}.reg`);
        if (op.op === 'readl' && op.dst) seen.add('readl.dst');
        for (const e of opExprs(op)) note(e);
      });
    }
    const want = ['cpu:let', 'cpu:if', 'cpu:while', 'cpu:for', 'cpu:break', 'cpu:continue', 'device:let', 'device:if', 'device:while', 'device:for', 'device:break',
      'store.offExpr', 'store.valueExpr', 'store.values', 'load.offExpr', 'load.reg', 'poll.until', 'poll.offExpr', 'writel.valueExpr', 'readl.dst', 'dma_sync.offExpr', 'dma_sync.sizeExpr', 'dma_unmap.sizeExpr',
      'dma_read.addr', 'dma_read.offExpr', 'dma_read.reg', 'dma_write.addr', 'dma_write.valueExpr', 'dma_write.values', 'dma_poll.addr', 'if.else',
      'condition:exists', 'condition:forall', 'expr:treg', 'expr:mem', 'expr:handle', 'expr:reg', 'expr:polled', 'expr:un', 'expr:bin'];
    expect(want.filter((k) => !seen.has(k))).toEqual([]);
  });

  test('a broken printer is caught: dropping the parentheses of a sum under a product', () => {
    const p = canonical(plain({
      name: 'prec', buffers: BUFS, registers: [], actors: [{ name: 'c', kind: 'cpu', ops: [
        { op: 'let', reg: 'i', value: { k: 'num', v: 1n } },
        { op: 'let', reg: 'j', value: { k: 'bin', op: '*', l: { k: 'bin', op: '+', l: { k: 'reg', name: 'i' }, r: { k: 'num', v: 2n } }, r: { k: 'reg', name: 'i' } } },
      ] }],
    } as Program));
    const text = printLitmus(p);
    expect(text).toContain('j = (i + 2) * i;');
    expect(parseLitmus(text.replace('(i + 2) * i', 'i + 2 * i')).program).not.toEqual(p);
  });
});
