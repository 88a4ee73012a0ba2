// Input the model cannot run sanely is refused before any work starts, with one
// `file:line:col` line (issue 12): values wider than their access, `at` inside the model's own
// pools, handles used where no map can have assigned them, and the size limits. On main
// (4a798f5) each of these was silently truncated, deadlocked and reported `ok`, crashed
// ("Invalid typed array length", a stack overflow in the parser), or ran out of memory or time.

import { describe, expect, test } from 'vitest';
import { formatInputError, loadLitmus } from '../src/run/check-file.js';
import { compile } from '../src/exec/compile.js';
import { Swiotlb } from '../src/kernel/swiotlb.js';
import { Cache } from '../src/platform/cache.js';
import { Memory } from '../src/platform/memory.js';
import { makePlatform } from '../src/platform/platform.js';
import { checkCompiled } from '../src/oracle/check.js';
import { explore } from '../src/oracle/explore.js';
import { loopback } from '../scenarios/loopback.js';
import { MAX_MEMORY_BYTES, MAX_NESTING, MAX_OPS, MAX_THREADS, MAX_TRANSFER_BYTES } from '../src/program/limits.js';

const RX = (o: { decl?: string; platform?: string; unmap?: number; device?: string } = {}) => `DMA rx
${o.platform ?? ''}
{
  kmalloc buf[64]${o.decl ?? ''};
  mmio DOORBELL;
}
cpu cpu0 {
  h = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
  writel(1, DOORBELL);
  wait_for_irq(irq);
  dma_unmap_single(dev, h, ${o.unmap ?? 64}, DMA_FROM_DEVICE);
  r0 = *(u32 *)buf;
}
device dev {
  wait_doorbell(DOORBELL, 1);
  ${o.device ?? 'dma_write(h, 4, 0x5a);'}
  raise_irq(irq);
}
`;

/** The one error line for a text; fails the test when it loads. */
function errorOf(text: string): string {
  const r = loadLitmus('t.litmus', text);
  if (!('kind' in r)) throw new Error('expected an error, but the file loaded');
  const line = formatInputError(r);
  expect(line).not.toContain('\n');
  return line;
}

function loads(text: string) {
  const r = loadLitmus('t.litmus', text);
  if ('kind' in r) throw new Error(formatInputError(r));
  return r.compiled;
}

describe('values must fit their access, reported at the value', () => {
  test('a store wider than its access', () => {
    const text = 'DMA v\n{ kmalloc x[8]; }\ncpu c {\n  *(u32 *)x = 4294967296;\n}\n';
    expect(errorOf(text)).toBe('t.litmus:4:15: value 0x100000000 does not fit in a 32-bit access (at most 0xffffffff)');
  });
  test('a memset byte above 0xff', () => {
    const text = 'DMA v\n{ kmalloc p[64]; }\ncpu c {\n  memset(p, 1048577, 16);\n}\n';
    expect(errorOf(text)).toBe('t.litmus:4:13: value 0x100001 does not fit in a memset byte (at most 0xff)');
    expect(errorOf(text.replace(', 16)', ', 4)'))).toBe('t.litmus:4:13: value 0x100001 does not fit in a memset byte (at most 0xff)');
  });
  test('device writes, polls and registers', () => {
    expect(errorOf(RX({ device: 'dma_write(h, 2, 0x10000);' }))).toBe('t.litmus:16:19: value 0x10000 does not fit in a 16-bit access (at most 0xffff)');
    expect(errorOf(RX({ device: 'set_reg(DOORBELL, 0x100000000);' }))).toMatch(/^t\.litmus:16:21: value 0x100000000 does not fit in a 32-bit MMIO register/);
    expect(errorOf(RX().replace('writel(1, DOORBELL)', 'writel(0x1ffffffff, DOORBELL)'))).toMatch(/^t\.litmus:9:10: value 0x1ffffffff does not fit in a 32-bit MMIO register/);
  });
  test('the largest value of each width is accepted', () => {
    expect(() => loads(RX({ device: 'dma_write(h, 8, 0xffffffffffffffff);' }))).not.toThrow();
    expect(() => loads(RX({ device: 'dma_write(h, 3, 0xffffff);' }))).not.toThrow();
  });
});

describe('`at` may not place a buffer inside the model\'s own pools', () => {
  test.each([
    ['swiotlb pool', '0x200040', /^t\.litmus:4:3: buffer 'buf' at 0x200040 overlaps the swiotlb pool/],
    ['coherent pool', '0x1fffc0', /^t\.litmus:4:3: buffer 'buf' at 0x1fffc0 overlaps the dma_alloc_coherent pool/],
    ['vmalloc area', '0x300000', /^t\.litmus:4:3: buffer 'buf' at 0x300000 overlaps the vmalloc area/],
    ['beyond physical addresses', '0xffffffffffe0', /^t\.litmus:4:3: buffer 'buf' at 0xffffffffffe0: physical addresses end at 2\^48/],
  ])('%s', (_what, at, want) => expect(errorOf(RX({ decl: ` at ${at}` }))).toMatch(want));
  test('ordinary RAM and RAM above 4 GiB are fine', () => {
    expect(() => loads(RX({ decl: ' at 0x40000' }))).not.toThrow();
    expect(() => loads(RX({ decl: ' at 0x100000000' }))).not.toThrow();
  });
});

describe('a handle used where no map can have assigned it', () => {
  test('the device uses a handle the CPU maps only after waiting for the device: an error, not `ok`', () => {
    const text = `DMA late-map
{ kmalloc buf[64]; }
cpu cpu0 {
  wait_for_irq(irq);
  h = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
}
device dev {
  dma_write(h, 4, 1);
  raise_irq(irq);
}
`;
    expect(errorOf(text)).toMatch(/^t\.litmus:8:3: 'h' is used before any map can assign it/);
  });
  test('through a doorbell chain as well', () => {
    const text = `DMA late-map
{ kmalloc buf[64]; mmio DB; mmio GO; }
cpu cpu0 {
  while (READ_ONCE(*(u32 *)buf) != 0) cpu_relax();
  wait_for_irq(irq);
  h = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
  writel(1, GO);
}
device a {
  wait_doorbell(DB, 1);
  raise_irq(irq);
}
device b {
  r0 = dma_read(h, 4);
  set_reg(DB, 1);
}
`;
    expect(errorOf(text)).toMatch(/^t\.litmus:14:3: 'h' is used before any map can assign it/);
  });
  test('a CPU syncs a handle before its own thread maps it', () => {
    const text = 'DMA early\n{ kmalloc buf[64]; }\ncpu c {\n  dma_sync_single_for_cpu(dev, h, 64, DMA_FROM_DEVICE);\n  h = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);\n}\n';
    expect(errorOf(text)).toBe("t.litmus:4:3: 'h' is used before c maps it, later in the same thread");
  });
  test('not certain from the text: the device waits (a hang is an observation), no error', () => {
    // The doorbell could be written by either CPU; the map may or may not come first.
    const text = `DMA maybe
{ kmalloc buf[64]; mmio DB; }
cpu c0 { writel(1, DB); h = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE); }
cpu c1 { writel(1, DB); }
device dev { wait_doorbell(DB, 1); dma_write(h, 4, 1); }
`;
    expect(checkCompiled(loads(text)).verdict).toBe('ok');
  });
});

describe('limits, enforced before any work starts', () => {
  test('one transfer', () => {
    expect(MAX_TRANSFER_BYTES).toBe(64 * 1024);
    expect(errorOf(RX({ device: 'dma_write(h, 5000000000, 0x5a);' }))).toBe('t.litmus:16:3: 5000000000 bytes in one transfer; the limit is 64 KiB');
    expect(errorOf(RX({ device: 'r1 = dma_read(h, 1000000000);' }))).toMatch(/^t\.litmus:16:3: 1000000000 bytes in one transfer/);
    expect(errorOf(RX({ unmap: 2 ** 31 }))).toMatch(/^t\.litmus:11:3: 2147483648 bytes in one transfer/);
    expect(errorOf(RX({ device: `dma_write(h, ${MAX_TRANSFER_BYTES + 1}, 0x5a);` }))).toMatch(/bytes in one transfer/);
  });
  test('total declared memory', () => {
    expect(MAX_MEMORY_BYTES).toBe(1024 * 1024);
    expect(errorOf(RX({ decl: ' = 0x33;\n  kmalloc big[4294967296] = 0x33' }))).toMatch(/^t\.litmus:5:3: buffer 'big' brings the declared memory to 4294967360 bytes: a test declares at most 1024 KiB in all$/);
  });
  test('each allocator stays inside its region of the model', () => {
    expect(errorOf(RX({ decl: ';\n  page big[524288]' }))).toMatch(/^t\.litmus:5:3: buffer 'big' does not fit/);
  });
  test('threads', () => {
    expect(MAX_THREADS).toBe(16);
    const text = 'DMA many\n{ }\n' + Array.from({ length: 501 }, (_, i) => `cpu c${i} { mb(); }\n`).join('');
    expect(errorOf(text)).toBe(`t.litmus:${3 + MAX_THREADS}:1: actor 'c${MAX_THREADS}' is thread ${MAX_THREADS + 1}: a test has at most ${MAX_THREADS} cpu and device blocks`);
  });
  test('operations', () => {
    expect(MAX_OPS).toBe(512);
    const text = (n: number) => `DMA long\n{ kmalloc buf[64]; }\ncpu c {\n${'  mb();\n'.repeat(n)}}\n`;
    expect(errorOf(text(MAX_OPS + 1))).toBe(`t.litmus:3:1: actor 'c' brings the test to ${MAX_OPS + 1} operations: a test has at most ${MAX_OPS}`);
    expect(() => loads(text(MAX_OPS))).not.toThrow();
  });
  test('nesting: 10,000 parentheses are one error line, not a stack overflow', () => {
    expect(MAX_NESTING).toBe(63);
    const deep = (n: number) => `DMA deep\n{ kmalloc buf[64]; }\ncpu c { r0 = *(u32 *)${'('.repeat(n)}buf${')'.repeat(n)}; }\n`;
    expect(errorOf(deep(10_000))).toMatch(/^t\.litmus:3:\d+: more than 63 nested parentheses, casts or calls$/);
    expect(() => loads(deep(60))).not.toThrow();
  });
  test('an unmap longer than its mapping runs, fast, even when it bounces', () => {
    const c = loads(RX({ platform: 'platform { swiotlb = force; }', unmap: MAX_TRANSFER_BYTES }));
    expect(checkCompiled(c, { maxEvents: 0 }).verdict).toBe('ok');
  });
  test('swiotlb slots copy between worlds without spreading arguments, and an unmap stays inside the pool', () => {
    const s = new Swiotlb(new Cache(64, new Memory()));
    const tlb = s.mapSingle(0x1000, 64, true)!;
    s.unmap(tlb, 2 ** 31); // 2 GiB: 1M slots on main, which grew the slot array past the pool
    expect(s.fingerprint().split(';')[0].split(',').length).toBe(128);
    expect(s.copyTo(new Cache(64, new Memory())).fingerprint()).toBe(s.fingerprint());
  });
  test('the same limits hold for programs built in TypeScript', () => {
    const p = { name: 'ts', buffers: [{ name: 'b', kind: 'kmalloc' as const, size: 64 }], registers: [], actors: [{ name: 'c', kind: 'cpu' as const, ops: [{ op: 'load' as const, buf: 'b', off: 0, size: 2 ** 20 }] }] };
    expect(() => compile(p, makePlatform())).toThrow(/1048576 bytes in one transfer/);
  });
});

describe('the work of one check is bounded whatever the input', () => {
  // Copies of one thread (a mutant the mutation script found running for minutes) make every
  // random execution differ from its ideal twin, and each wants a witness search. The searches of
  // one check share DEFAULT_TOTAL_SEARCH_BUDGET states; spent, a check says inconclusive, never bug.
  test('a spent witness-search budget makes the check inconclusive, not bug, and stops searching', () => {
    const c = compile(loopback('lb', { threads: 2, sizes: [64, 256], flaw: 'read-before-unmap' }), makePlatform());
    expect(checkCompiled(c, { runs: 30 }).verdict).toBe('bug'); // the witness search has room
    // Matched thread by thread, this counterexample takes the witness search 8 states to prove.
    const budget = { nodes: 5 };
    const r = checkCompiled(c, { runs: 30, totalBudget: budget });
    expect(r.verdict).toBe('inconclusive');
    expect(budget.nodes).toBe(0);
  });
  test('a counterexample found just as the budget runs out is still reported (mutant m1193 exited 4)', () => {
    const c = compile(loopback('lb', { threads: 2, sizes: [64, 256], flaw: 'read-before-unmap' }), makePlatform());
    const budget = { nodes: 20 }; // a few judged executions, then the counterexample as it runs out
    expect(explore(c, { runs: 100, seed: 1, totalBudget: budget }).verdict).toBe('bug');
    expect(budget.nodes).toBe(0);
  });
});
