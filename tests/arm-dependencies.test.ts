// The dependency rules of issue 21 (herd7 aarch64.cat / aarch64hwreqs.cat dob; Arm ARM B2.7.2),
// each against a deliberately broken model too: the rows of docs/arm-model/ check the verdicts
// against herd7; these check that each rule is what decides them.

import { describe, expect, test } from 'vitest';
import { compilePaths } from '../src/exec/compile.js';
import { checkPaths } from '../src/oracle/check.js';
import { parseLitmus } from '../src/litmus/parse.js';
import { makePlatform, type Platform } from '../src/platform/platform.js';

const MEM = '{ coherent ring[4096]; field x[4] in ring; field y[4] in ring + 64; field z[4] in ring + 128; kmalloc tbl[64]; mmio DB; mmio ST; }';
const litmus = (cpu: string, dev: string) => `DMA t\n${MEM}\ncpu cpu0 {\n  ring = dma_alloc_coherent(dev, 4096, GFP_KERNEL);\n${cpu}\n}\ndevice dev {\n${dev}\n}\n`;
const verdict = (text: string, faults: Platform['faults'] = undefined) => checkPaths(compilePaths(parseLitmus(text).program, { ...makePlatform(), ...(faults ? { faults } : {}) })).verdict;

describe('addr; [Exp]; po; [W] (dob): a store waits for the read an earlier address depends on', () => {
  const lb = (dep: string) => litmus(`  r0 = READ_ONCE(*(u32 *)x);\n  r1 = READ_ONCE(*(u32 *)(tbl + ${dep}));\n  WRITE_ONCE(*(u32 *)y, 1);`, '  r2 = dma_read(ring + 64, 4);\n  dma_write(ring, 4, 1);');
  test('LB with the index load in another buffer: Forbidden (ok)', () => expect(verdict(lb('(r0 & 4)'))).toBe('ok'));
  test('without the dependency: Allowed (bug)', () => expect(verdict(lb('4'))).toBe('bug'));
  test('a model without the rule finds the LB outcome', () => expect(verdict(lb('(r0 & 4)'), ['addr-po-store-orders-nothing'])).toBe('bug'));
  test('the doorbell form: read an index, read ring[idx], writel_relaxed', () => {
    const t = litmus('  r0 = READ_ONCE(*(u32 *)x);\n  r1 = READ_ONCE(*(u32 *)(tbl + (r0 & 4)));\n  writel_relaxed(1, DB);', '  wait_doorbell(DB, 1);\n  dma_write(ring, 4, 1);');
    expect(verdict(t)).toBe('ok');
  });
});

describe('an access at a computed address touches only its own bytes', () => {
  const mp = (later: string) => litmus(`  r0 = READ_ONCE(*(u32 *)z);\n  r1 = READ_ONCE(*(u32 *)(y + (r0 & 0)));\n  r2 = READ_ONCE(*(u32 *)${later});`, '  dma_write(ring, 4, 1);\n  dma_write(ring + 64, 4, 1);');
  test('a later load of another location in the buffer may go first: Allowed (bug)', () => expect(verdict(mp('x'))).toBe('bug'));
  test('a later load of the same location may not (coherence): ok', () => expect(verdict(mp('y'))).toBe('ok'));
  test('a computed index that lands on the same location as the later load: ok', () => {
    // r0 reads 0x40 once the device wrote it: y is at ring + 64, so both loads read y
    const t = litmus('  r0 = READ_ONCE(*(u32 *)z);\n  r1 = READ_ONCE(*(u32 *)(ring + r0));\n  r2 = READ_ONCE(*(u32 *)y);', '  dma_write(ring + 64, 4, 1);\n  dma_write(ring + 128, 4, 64);');
    expect(verdict(t)).toBe('ok');
  });
  test('a computed store the later load turns out to read: it waits for the address read (addr; lrs)', () => {
    // MP against the device: if r0 (z) saw 64 and the store went to y, the later load of y
    // reads that store or newer; a model that let the load pass the store would read 0 there.
    const t = litmus('  r0 = READ_ONCE(*(u32 *)z);\n  WRITE_ONCE(*(u32 *)(ring + r0), 7);\n  r1 = READ_ONCE(*(u32 *)y);', '  dma_write(ring + 128, 4, 64);');
    expect(verdict(t)).toBe('ok');
  });
});

describe('rfi is not in ob: a load reads its own pending store early, also a computed one', () => {
  const fwd = (store: string, load: string) => litmus(`  r0 = READ_ONCE(*(u32 *)z);\n  ${store}\n  r1 = ${load};\n  dma_rmb();\n  r2 = READ_ONCE(*(u32 *)y);`, '  dma_write(ring + 64, 4, 1);\n  r3 = dma_read(ring, 4);');
  test('store value depends on a read (data; lrs): Allowed (bug)', () => expect(verdict(fwd('WRITE_ONCE(*(u32 *)x, (r0 & 0) + 1);', 'READ_ONCE(*(u32 *)x)'))).toBe('bug'));
  test('store address depends on a read (addr; lrs): Allowed (bug)', () => expect(verdict(fwd('WRITE_ONCE(*(u32 *)(x + (r0 & 0)), 1);', 'READ_ONCE(*(u32 *)x)'))).toBe('bug'));
  test('load address depends on a read: Allowed (bug)', () => expect(verdict(fwd('WRITE_ONCE(*(u32 *)x, 1);', 'READ_ONCE(*(u32 *)(x + (r0 & 0)))'))).toBe('bug'));
  test('with dma_mb instead the store is visible first: ok', () => {
    const t = litmus('  r0 = READ_ONCE(*(u32 *)z);\n  WRITE_ONCE(*(u32 *)x, (r0 & 0) + 1);\n  r1 = READ_ONCE(*(u32 *)x);\n  dma_mb();\n  r2 = READ_ONCE(*(u32 *)y);', '  dma_write(ring + 64, 4, 1);\n  r3 = dma_read(ring, 4);');
    expect(verdict(t)).toBe('ok');
  });
});

describe('an MMIO read is never performed speculatively past a branch (Arm ARM B2.7.2): one rule for every loop form', () => {
  const dev = '  set_reg(ST, 1);\n  dma_write(ring, 4, 1);';
  const wait = '  while (READ_ONCE(*(u32 *)x) != 1) cpu_relax();\n  r1 = readl_relaxed(ST);';
  const loop = '  r0 = READ_ONCE(*(u32 *)x);\n  while (r0 != 1) {\n    r0 = READ_ONCE(*(u32 *)x);\n  }\n  r1 = readl_relaxed(ST);';
  const iff = '  r0 = READ_ONCE(*(u32 *)x);\n  if (r0 == 1) {\n    r1 = readl_relaxed(ST);\n  }';
  for (const [name, cpu] of [['while (...) cpu_relax()', wait], ['while on a register', loop], ['if on a register', iff]]) {
    test(`${name}: ok`, () => expect(verdict(litmus(cpu, dev))).toBe('ok'));
  }
  test('a Normal load after the wait may be satisfied early: bug', () => {
    expect(verdict(litmus('  while (READ_ONCE(*(u32 *)x) != 1) cpu_relax();\n  r1 = READ_ONCE(*(u32 *)y);', '  dma_write(ring + 64, 4, 1);\n  dma_write(ring, 4, 1);'))).toBe('bug');
  });
});
