// What the new syntax (issue 8) parses to: registers, C expressions, computed offsets, values and
// device addresses, {v0, v1}, control flow, wait loops, exists/forall. The IR is
// src/program/types.ts and src/program/expr.ts; src/exec/paths.ts consumes exactly this.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseLitmus } from '../src/litmus/parse.js';
import type { Expr } from '../src/program/expr.js';
import type { CpuOp, DeviceOp, Program } from '../src/program/types.js';

const n = (v: number | bigint): Expr => ({ k: 'num', v: BigInt(v) });
const reg = (name: string): Expr => ({ k: 'reg', name });
const bin = (op: Extract<Expr, { k: 'bin' }>['op'], l: Expr, r: Expr): Expr => ({ k: 'bin', op, l, r });
const not = (e: Expr): Expr => ({ k: 'un', op: '!', e });

const MEM = '{ coherent ring[4096]; kmalloc pkts[256]; mmio DB; }';
const SETUP = 'ring = dma_alloc_coherent(dev, 4096, GFP_KERNEL);\n  h = dma_map_single(dev, pkts, 256, DMA_FROM_DEVICE);';

function program(cpu: string, device = '', tail = ''): Program {
  return parseLitmus(`DMA t\n${MEM}\ncpu c {\n  ${SETUP}\n  ${cpu}\n}\n${device ? `device d {\n  ${device}\n}\n` : ''}${tail}`).program;
}
/** The cpu thread's ops after the two set-up ops. */
const cpuOps = (cpu: string, tail = ''): CpuOp[] => program(cpu, '', tail).actors[0].ops.slice(2) as CpuOp[];
const devOps = (device: string, cpu = ''): DeviceOp[] => program(cpu, device).actors[1].ops as DeviceOp[];

describe('registers', () => {
  test('a load keeps its register only when something reads it', () => {
    expect(cpuOps('r = READ_ONCE(*(u32 *)ring);')).toEqual([{ op: 'load', buf: 'ring', off: 0, size: 4, once: true }]);
    expect(cpuOps('r = READ_ONCE(*(u32 *)ring);\n  x = r + 1;')).toEqual([
      { op: 'load', buf: 'ring', off: 0, size: 4, once: true, reg: 'r' },
      { op: 'let', reg: 'x', value: bin('+', reg('r'), n(1)) },
    ]);
    expect(cpuOps('r = *(u32 *)(ring + 4);', 'exists (c:r = 1)')).toEqual([{ op: 'load', buf: 'ring', off: 4, size: 4, reg: 'r' }]);
  });
  test('readl puts its register in dst; a device dma_read in reg', () => {
    expect(cpuOps('s = readl(DB);\n  if (s) mb();')[0]).toEqual({ op: 'readl', reg: 'DB', dst: 's' });
    expect(devOps('a = dma_read(ring + 8, 8);\n  dma_write(a, 4, 1);')).toEqual([
      { op: 'dma_read', handle: 'ring', off: 8, size: 8, reg: 'a' },
      { op: 'dma_write', handle: '', off: 0, addr: reg('a'), size: 4, value: 1n },
    ]);
  });
  test('i = 0; len = r & 0x3fff; i++; i += 2; i -= 1', () => {
    expect(cpuOps('i = 0;\n  len = i & 0x3fff;\n  i++;\n  i += 2 * len;\n  i -= 1;')).toEqual([
      { op: 'let', reg: 'i', value: n(0) },
      { op: 'let', reg: 'len', value: bin('&', reg('i'), n(0x3fff)) },
      { op: 'let', reg: 'i', value: bin('+', reg('i'), n(1)) },
      { op: 'let', reg: 'i', value: bin('+', reg('i'), bin('*', n(2), reg('len'))) },
      { op: 'let', reg: 'i', value: bin('-', reg('i'), n(1)) },
    ]);
  });
});

describe('expressions', () => {
  test('C precedence, folded constants, identity byte-order conversions, handles as values', () => {
    expect(cpuOps('x = 1 + 2 * 3 << 1 | 0x10;\n  y = le32_to_cpu(x) & ~x ^ (x >> 3) && !x || x != 2 == 1;\n  z = h + 128;')).toEqual([
      { op: 'let', reg: 'x', value: n(0x1e) },
      { op: 'let', reg: 'y', value: bin('||', bin('&&', bin('^', bin('&', reg('x'), { k: 'un', op: '~', e: reg('x') }), bin('>>', reg('x'), n(3))), not(reg('x'))), bin('==', bin('!=', reg('x'), n(2)), n(1))) },
      { op: 'let', reg: 'z', value: bin('+', { k: 'handle', name: 'h' }, n(128)) },
    ]);
  });
  test('u64 wrap-around when folding', () => {
    expect(cpuOps('x = 0 - 1;\n  y = 0xffffffffffffffff + 2;\n  z = 1 << 64;')).toEqual([
      { op: 'let', reg: 'x', value: n((1n << 64n) - 1n) }, { op: 'let', reg: 'y', value: n(1) }, { op: 'let', reg: 'z', value: n(0) },
    ]);
  });
  test('a load inside an expression becomes a load into a fresh register first, named after what it reads', () => {
    expect(cpuOps('len = READ_ONCE(*(u32 *)(ring + 12)) & 0x3fff;')).toEqual([
      { op: 'load', buf: 'ring', off: 12, size: 4, once: true, reg: 'ring_12' },
      { op: 'let', reg: 'len', value: bin('&', reg('ring_12'), n(0x3fff)) },
    ]);
  });
  test('fresh registers avoid every name in the file, and each other', () => {
    const ops = cpuOps('ring_val = 1;\n  x = *(u32 *)ring + *(u32 *)ring + *(u16 *)(ring + 4);\n  y = ring_val;');
    expect(ops.slice(1, 4)).toEqual([
      { op: 'load', buf: 'ring', off: 0, size: 4, reg: 'ring_val_2' },
      { op: 'load', buf: 'ring', off: 0, size: 4, reg: 'ring_val_3' },
      { op: 'load', buf: 'ring', off: 4, size: 2, reg: 'ring_4' },
    ]);
  });
});

describe('accesses, values and device addresses', () => {
  test('offsets with registers are offExpr; constant offsets fold and are range-checked', () => {
    expect(cpuOps('i = 1;\n  *(u32 *)(ring + 16 * i + 4) = 1;\n  *(u32 *)(ring + 4 * 4) = 2;')).toEqual([
      { op: 'let', reg: 'i', value: n(1) },
      { op: 'store', buf: 'ring', off: 0, size: 4, offExpr: bin('+', bin('*', n(16), reg('i')), n(4)), value: 1n },
      { op: 'store', buf: 'ring', off: 16, size: 4, value: 2n },
    ]);
    expect(() => cpuOps('*(u32 *)(ring + 4094) = 1;')).toThrow(/bytes 4094\.\.4097 are outside 'ring'/);
  });
  test('computed values: valueExpr with value 0; constants stay checked values', () => {
    expect(cpuOps('r = READ_ONCE(*(u32 *)ring);\n  WRITE_ONCE(*(u32 *)ring, r | 0x80000000);\n  *(u64 *)(ring + 8) = h;\n  writel(r + 1, DB);')).toEqual([
      { op: 'load', buf: 'ring', off: 0, size: 4, once: true, reg: 'r' },
      { op: 'store', buf: 'ring', off: 0, size: 4, value: 0n, valueExpr: bin('|', reg('r'), n(0x80000000)), once: true },
      { op: 'store', buf: 'ring', off: 8, size: 8, value: 0n, valueExpr: { k: 'handle', name: 'h' } },
      { op: 'writel', reg: 'DB', value: 0n, valueExpr: bin('+', reg('r'), n(1)) },
    ]);
    expect(() => cpuOps('*(u8 *)ring = 0x100;')).toThrow(/does not fit in a 8-bit access/);
  });
  test('{v0, v1}: little-endian u64s, eight bytes each', () => {
    expect(cpuOps('*(u8[16] *)ring = {1, 0x8000000000000000};')).toEqual([{ op: 'store', buf: 'ring', off: 0, size: 16, value: 0n, values: [1n, 0x8000000000000000n] }]);
    expect(devOps('dma_write(h + 16, 16, {2, 3});')).toEqual([{ op: 'dma_write', handle: 'h', off: 16, size: 16, value: 0n, values: [2n, 3n] }]);
  });
  test('device addresses: a handle plus an offset expression, or any other expression as addr', () => {
    expect(devOps('for (s = 0; s < 2; s++) {\n    a = dma_read(ring + 16 * s, 8);\n    dma_write(a + 4, 4, 0xa0 + s);\n    dma_poll(h + 8 * s, 4, 1);\n  }')[0]).toEqual({
      op: 'for', reg: 's', from: n(0), cond: bin('<', reg('s'), n(2)), step: bin('+', reg('s'), n(1)), body: [
        { op: 'dma_read', handle: 'ring', off: 0, offExpr: bin('*', n(16), reg('s')), size: 8, reg: 'a' },
        { op: 'dma_write', handle: '', off: 0, addr: bin('+', reg('a'), n(4)), size: 4, value: 0n, valueExpr: bin('+', n(0xa0), reg('s')) },
        { op: 'dma_poll', handle: 'h', off: 0, offExpr: bin('*', n(8), reg('s')), size: 4, value: 1n },
      ],
    });
  });
  test('dma_sync_single_range_for_cpu with a computed offset', () => {
    expect(cpuOps('i = 1;\n  dma_sync_single_range_for_cpu(dev, h, 128 * i, 128, DMA_FROM_DEVICE);')[1])
      .toEqual({ op: 'dma_sync', to: 'cpu', handle: 'h', off: 0, offExpr: bin('*', n(128), reg('i')), size: 128, dir: 'DMA_FROM_DEVICE', range: true });
  });
});

describe('control flow', () => {
  test('if / else if / else, with and without braces; a load in the condition is read first', () => {
    expect(cpuOps('if (!(READ_ONCE(*(u32 *)ring) & 1)) mb(); else if (1) { wmb(); } else rmb();')).toEqual([
      { op: 'load', buf: 'ring', off: 0, size: 4, once: true, reg: 'ring_val' },
      { op: 'if', cond: not(bin('&', reg('ring_val'), n(1))), then: [{ op: 'barrier', kind: 'mb' }], else: [
        { op: 'if', cond: n(1), then: [{ op: 'barrier', kind: 'wmb' }], else: [{ op: 'barrier', kind: 'rmb' }] },
      ] },
    ]);
  });
  test('for with i++, i += E and i = E; break and continue', () => {
    const [a, b] = cpuOps('for (i = 0; i < 4; i += 2) { if (i) break; continue; }\n  for (j = 8; j; j = j >> 1) mb();');
    expect(a).toEqual({ op: 'for', reg: 'i', from: n(0), cond: bin('<', reg('i'), n(4)), step: bin('+', reg('i'), n(2)), body: [
      { op: 'if', cond: reg('i'), then: [{ op: 'break' }] }, { op: 'continue' },
    ] });
    expect(b).toEqual({ op: 'for', reg: 'j', from: n(8), cond: reg('j'), step: bin('>>', reg('j'), n(1)), body: [{ op: 'barrier', kind: 'mb' }] });
  });
  test('while whose condition reads memory reads it on every lap', () => {
    expect(cpuOps('while (READ_ONCE(*(u32 *)ring) != 3) { mb(); }')).toEqual([
      { op: 'while', cond: n(1), body: [
        { op: 'load', buf: 'ring', off: 0, size: 4, once: true, reg: 'ring_val' },
        { op: 'if', cond: not(bin('!=', reg('ring_val'), n(3))), then: [{ op: 'break' }] },
        { op: 'barrier', kind: 'mb' },
      ] },
    ]);
  });
  test('control flow in a device block', () => {
    expect(devOps('i = 0;\n  while (i < 2) { dma_write(h + 4 * i, 4, 1); i++; }')).toEqual([
      { op: 'let', reg: 'i', value: n(0) },
      { op: 'while', cond: bin('<', reg('i'), n(2)), body: [
        { op: 'dma_write', handle: 'h', off: 0, offExpr: bin('*', n(4), reg('i')), size: 4, value: 1n },
        { op: 'let', reg: 'i', value: bin('+', reg('i'), n(1)) },
      ] },
    ]);
  });
});

describe('wait loops', () => {
  test("today's exact poll is unchanged; with a register in the address it gets offExpr", () => {
    expect(cpuOps('while (READ_ONCE(*(u32 *)(ring + 8)) != 1) cpu_relax();')).toEqual([{ op: 'poll', buf: 'ring', off: 8, size: 4, value: 1n }]);
    expect(cpuOps('i = 1;\n  while (READ_ONCE(*(u32 *)(ring + 16 * i)) != 1) { cpu_relax(); }')[1]).toEqual({ op: 'poll', buf: 'ring', off: 0, size: 4, offExpr: bin('*', n(16), reg('i')), value: 1n });
  });
  test('any other condition: until is its negation over the polled value', () => {
    expect(cpuOps('while (READ_ONCE(*(u32 *)(ring + 8)) & 0x80000000) cpu_relax();')).toEqual([
      { op: 'poll', buf: 'ring', off: 8, size: 4, value: 0n, until: not(bin('&', { k: 'polled' }, n(0x80000000))) },
    ]);
    expect(cpuOps('p = 1;\n  while (!((*(u16 *)ring >> 15) == p)) cpu_relax();')[1]).toEqual({
      op: 'poll', buf: 'ring', off: 0, size: 2, value: 0n, until: bin('==', bin('>>', { k: 'polled' }, n(15)), reg('p')),
    });
  });
});

describe('exists / forall', () => {
  test("herd7's syntax: actor:reg, final memory, = /\\ \\/ ~", () => {
    const p = program('r = READ_ONCE(*(u32 *)ring);', 'a = dma_read(h, 4);', 'exists (c:r = 1 /\\ ~(d:a = 0) \\/ *(u32 *)(ring + 4) = 0x5a5a5a5a)\n');
    expect(p.condition).toEqual({ kind: 'exists', cond: bin('||',
      bin('&&', bin('==', { k: 'treg', actor: 'c', name: 'r' }, n(1)), not(bin('==', { k: 'treg', actor: 'd', name: 'a' }, n(0)))),
      bin('==', { k: 'mem', buf: 'ring', off: 4, size: 4 }, n(0x5a5a5a5a))) });
    expect(p.actors[0].ops[2]).toMatchObject({ reg: 'r' });
    expect(p.actors[1].ops[0]).toMatchObject({ reg: 'a' });
  });
  test('forall after final, with C operators too', () => {
    const p = program('r = READ_ONCE(*(u32 *)ring);', '', 'final (ring, 8);\nforall (c:r == 1 || c:r != 2 && *(u8 *)ring <= 3);\n');
    expect(p.final).toEqual([{ buf: 'ring', off: 0, size: 8 }]);
    expect(p.condition?.kind).toBe('forall');
  });
});

describe('docs/litmus.md', () => {
  // The new constructs' examples are ```litmus blocks: tests/docs.test.ts runs each to its verdict.
  const text = readFileSync(resolve(import.meta.dirname, '../docs/litmus.md'), 'utf8');
  const blocks = [...text.matchAll(/```litmus\n(DMA [\s\S]*?)```/g)].map((m) => m[1]).filter((b) => /(\bfor \(|\bif \((?!dma_mapping_error)|exists|forall|\{0x)/.test(b));
  test('has examples of the new syntax', () => expect(blocks.length).toBeGreaterThanOrEqual(4));
  for (const b of blocks) test(`${/^DMA (\S+)/.exec(b)![1]} parses`, () => expect(() => parseLitmus(b)).not.toThrow());
});
