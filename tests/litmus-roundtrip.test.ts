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

const roundTrip = (p: Program) => parseLitmus(printLitmus(p)).program;
/** Plain objects (fast-check's records have no prototype); bigints stay bigints. */
const plain = <T>(x: T): T => structuredClone(x);

// --- a small arbitrary of programs the parser accepts ---

const BUFS: BufferDecl[] = [
  { name: 'b0', kind: 'kmalloc', size: 128 },
  { name: 'ring', kind: 'coherent', size: 4096 },
  { name: 'f0', kind: 'kmalloc', size: 16, in: { parent: 'b0', offset: 8 } },
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
  fc.tuple(fc.constantFrom('R0', 'R1'), regValue).map(([reg, v]): DeviceOp => ({ op: 'wait_doorbell', reg, value: v })),
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

const programArb: fc.Arbitrary<Program> = fc.record({
  name: fc.constantFrom('rx', 'tx-ring', 'c4.fixed', 'a+b_2'),
  platform: platformArb,
  extra: EXTRA,
  cpuOps: fc.array(cpuOp, { maxLength: 12 }),
  deviceOps: fc.array(deviceOp, { maxLength: 8 }),
  final: fc.option(fc.array(anyRange, { minLength: 1, maxLength: 2 }), { nil: undefined }),
}).map(({ name, platform, extra, cpuOps, deviceOps, final }): Program => ({
  name,
  ...(platform ? { platform } : {}),
  buffers: [...BUFS, extra],
  registers: ['R0', 'R1'],
  actors: [
    {
      name: 'cpu0', kind: 'cpu', ops: [
        { op: 'dma_alloc_coherent', buf: 'ring' },
        { op: 'dma_map', api: 'single', handle: 'h0', buf: 'b0', off: 0, size: 128, dir: 'DMA_FROM_DEVICE' },
        { op: 'dma_map_sg', handle: 'sgl', entries: [{ buf: 'b0', off: 0, size: 64 }, { buf: 'b2', off: 8, size: 100 }], dir: 'DMA_TO_DEVICE' },
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
    const all = ['store', 'load', 'poll', 'barrier', 'writel', 'readl', 'wait_irq', 'dma_set_mask', 'dma_alloc_coherent', 'dma_free_coherent', 'dma_map', 'dma_unmap', 'dma_map_sg', 'dma_unmap_sg', 'dma_sync', 'dma_mapping_error']
      .map((o) => `cpu:${o}`).concat(['wait_doorbell', 'dma_read', 'dma_write', 'dma_poll', 'raise_irq', 'set_reg'].map((o) => `device:${o}`));
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
