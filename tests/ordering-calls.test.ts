// The precedence rows of src/exec/ordering.ts for the calls of issue 18: acquire/release
// (aarch64.cat bob: [A]; po, po; [L], [L]; po; [A]), the fully ordered RMWs, spin_lock as an
// acquire, and Device accesses ordered only to the same peripheral (Arm ARM B2.7.2).

import { describe, expect, test } from 'vitest';
import { layoutProgram } from '../src/kernel/layout.js';
import { makePlatform, type ModelFault, type PlatformConfig } from '../src/platform/platform.js';
import * as b from '../src/program/build.js';
import type { CpuOp, Program } from '../src/program/types.js';
import { FREE, orderClassOf, precedence } from '../src/exec/ordering.js';

const MMIO: Program['mmio'] = { A: { peripheral: 'phy' }, B: { peripheral: 'mac' } };

function mayPass(ops: CpuOp[], config: Partial<PlatformConfig> = {}, faults?: ModelFault[]): boolean {
  const p = { ...makePlatform(config), ...(faults ? { faults } : {}) };
  const l = layoutProgram({ name: 't', buffers: [b.kmalloc('m', 256)], registers: [], actors: [] }, p);
  const table = precedence(ops.map((op) => orderClassOf(op, p, l, { handles: new Map(), hasDevice: true, mmio: MMIO })));
  return table[ops.length - 1][0] === FREE;
}

const st = (off: number, extra: Partial<CpuOp> = {}) => ({ op: 'store', buf: 'm', off, size: 4, value: 1n, once: true, ...extra }) as CpuOp;
const ld = (off: number, extra: Partial<CpuOp> = {}) => ({ op: 'load', buf: 'm', off, size: 4, once: true, ...extra }) as CpuOp;
const rmw = (fn: 'xchg' | 'cmpxchg' | 'spin_lock', off: number) => ({ op: 'rmw', fn, buf: 'm', off, size: 4, value: 1n, ...(fn === 'cmpxchg' ? { old: 0n } : {}) }) as CpuOp;

describe('acquire and release', () => {
  test('an acquire load is performed before every later access; a plain one is not', () => {
    expect(mayPass([ld(0, { acquire: true }), ld(64)])).toBe(false);
    expect(mayPass([ld(0, { acquire: true }), st(64)])).toBe(false);
    expect(mayPass([ld(0), ld(64)])).toBe(true);
  });
  test('a release store is performed after every earlier access, but later ones may pass it', () => {
    expect(mayPass([st(0), st(64, { release: true })])).toBe(false);
    expect(mayPass([ld(0), st(64, { release: true })])).toBe(false);
    expect(mayPass([st(0, { release: true }), ld(64)])).toBe(true);
    expect(mayPass([st(0, { release: true }), st(64)])).toBe(true);
  });
  test('STLR then LDAR stay in order (RCsc on arm64)', () => {
    expect(mayPass([st(0, { release: true }), ld(64, { acquire: true })])).toBe(false);
  });
});

describe('atomics', () => {
  test('xchg and cmpxchg are ordered with everything on both sides', () => {
    for (const fn of ['xchg', 'cmpxchg'] as const) {
      expect(mayPass([st(64), rmw(fn, 0)])).toBe(false);
      expect(mayPass([rmw(fn, 0), ld(64)])).toBe(false);
      expect(mayPass([st(64), rmw(fn, 0), ld(128)])).toBe(false);
    }
    // against a model whose barriers order nothing the same rows are free: the barrier is the rule
    expect(mayPass([st(64), rmw('xchg', 0), ld(128)], {}, ['barriers-order-nothing'])).toBe(true);
  });
  test('spin_lock is an acquire only: an earlier store may pass it', () => {
    expect(mayPass([rmw('spin_lock', 0), ld(64)])).toBe(false);
    expect(mayPass([st(64), rmw('spin_lock', 0)])).toBe(true);
  });
});

describe('peripherals', () => {
  const w = (reg: string, relaxed = true): CpuOp => ({ op: 'writel', reg, value: 1n, ...(relaxed ? { relaxed: true } : {}) });
  test('relaxed accesses to two peripherals may pass each other, to one may not', () => {
    expect(mayPass([w('A'), w('B')])).toBe(true);
    expect(mayPass([w('A'), w('A')])).toBe(false);
    expect(mayPass([w('C'), w('D')])).toBe(false); // undeclared: the one default peripheral
  });
  test("writel's dmb oshst orders an earlier MMIO write to another peripheral", () => {
    expect(mayPass([w('A'), w('B', false)])).toBe(false);
  });
});
