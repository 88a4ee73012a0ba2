// Driver C the parser once refused, found by transcribing real drivers: each form is read with the
// kernel's meaning (checked against the same test written the old way, as in litmus-c.test.ts),
// or refused with one line that says how to write it.

import { describe, expect, test } from 'vitest';
import { parseLitmus } from '../src/litmus/parse.js';
import { printLitmus } from '../src/litmus/print.js';
import { mappingDecisions } from '../src/oracle/mapping-decisions.js';
import { expandPaths } from '../src/exec/paths.js';
import type { CpuOp, Program } from '../src/program/types.js';
import type { PlatformConfig } from '../src/platform/platform.js';
import { checkProgramAs, loadLitmus } from '../src/run/check-file.js';

const prog = (text: string): Program => parseLitmus(text).program;
const cpuOps = (text: string) => prog(text).actors[0].ops as CpuOp[];
const same = (a: string, b: string) => expect(prog(a)).toEqual(prog(b));

describe('alignment attributes on struct members (include/linux/cache.h, arch/arm64/include/asm/cache.h)', () => {
  const layout = (decl: string, expr: string) => {
    const op = cpuOps(`DMA t\n${decl}\n{ kmalloc b[64]; }\ncpu c {\n  *(u64 *)b = ${expr};\n}\n`)[0] as Extract<CpuOp, { op: 'store' }>;
    return op.value;
  };
  const cases: [string, string, number][] = [
    // ____cacheline_aligned is __aligned__(SMP_CACHE_BYTES): L1_CACHE_BYTES, 64 on arm64
    ['struct s { u32 stats; u8 rx[256] ____cacheline_aligned; };', 'offsetof(struct s, rx)', 64],
    ['struct s { u32 stats; u8 rx[256] ____cacheline_aligned; };', 'sizeof(struct s)', 320],
    ['struct s { u32 stats; u8 rx[256] ____cacheline_aligned_in_smp; };', 'offsetof(struct s, rx)', 64],
    ['struct s { u32 stats; u8 ____cacheline_aligned rx[256]; };', 'offsetof(struct s, rx)', 64],
    ['struct s { u32 stats; u8 rx[256] __aligned(128); };', 'offsetof(struct s, rx)', 128],
    ['struct s { u32 stats; u8 rx[256] __aligned(128); };', 'sizeof(struct s)', 384],
    ['struct s { u32 stats; u8 rx[8] __aligned(ARCH_DMA_MINALIGN); };', 'offsetof(struct s, rx)', 128],
    ['struct s { u32 stats; u8 rx[8] __aligned(ARCH_DMA_MINALIGN); };', 'sizeof(struct s)', 256],  // tail padding to the member's alignment
    ['struct s { u32 stats; u8 rx[8] __attribute__((__aligned__(SMP_CACHE_BYTES))); };', 'offsetof(struct s, rx)', 64],
    ['struct s { u32 stats; u8 rx[8] __attribute__((aligned(16))); u8 tail; };', 'offsetof(struct s, tail)', 24],
    ['struct s { u8 a; u32 b __aligned(2); };', 'offsetof(struct s, b)', 4],                               // never below the natural alignment
    ['struct s { u8 a; u32 b; u8 rx[4] __aligned(64); } __packed;', 'offsetof(struct s, rx)', 64],          // GCC: an aligned member of a packed struct keeps its alignment
    ['struct s { u8 a; u32 b; u8 rx[4] __aligned(64); } __packed;', 'offsetof(struct s, b)', 1],
    ['struct s { u32 a; } ____cacheline_aligned;', 'sizeof(struct s)', 64],
    ['struct s { u32 a; } __packed __aligned(8);', 'sizeof(struct s)', 8],
    ['struct s { u32 a; } __attribute__((packed));', 'sizeof(struct s)', 4],
  ];
  for (const [decl, expr, want] of cases) test(`${expr} of ${decl}`, () => expect(layout(decl, expr)).toBe(BigInt(want)));

  const priv = (decl: string) => `DMA t\n${decl}\n{ kmalloc struct priv p; mmio DB; }\ncpu drv {\n  h = dma_map_single(dev, p.rx, 256, DMA_FROM_DEVICE);\n  if (dma_mapping_error(dev, h)) return -ENOMEM;\n  writel(1, DB);\n  p.stats = 1;\n  dma_unmap_single(dev, h, 256, DMA_FROM_DEVICE);\n  r = *(u32 *)(p.rx);\n}\n`;
  test('u8 rx[256] ____cacheline_aligned; is the struct padded by hand to 64 bytes', () => same(
    priv('struct priv { u32 stats; u8 rx[256] ____cacheline_aligned; };'),
    priv('struct priv { u32 stats; u8 pad[60]; u8 rx[256]; };'),
  ));
  test('u8 rx[256] __aligned(128); is the struct padded by hand to ARCH_DMA_MINALIGN', () => same(
    priv('struct priv { u32 stats; u8 rx[256] __aligned(128); };'),
    priv('struct priv { u32 stats; u8 pad[124]; u8 rx[256]; };'),
  ));
  test('what the alignment attributes refuse says what to write', () => {
    expect(() => prog(priv('struct priv { u32 stats; u8 rx[256] __aligned(96); };'))).toThrow(/an alignment is a power of two, not 96/);
    expect(() => prog(priv('struct priv { u32 stats; u8 rx[256] __cacheline_aligned; };'))).toThrow(/__cacheline_aligned also names a section.*____cacheline_aligned .*__aligned\(ARCH_DMA_MINALIGN\)/);
    expect(() => prog(priv('struct priv { u32 stats; u8 rx[256] __attribute__((unused)); };'))).toThrow(/__attribute__\(\(unused\)\) is not supported here/);
  });
});

describe('the alignment advice names ARCH_DMA_MINALIGN as arm64 defines it (128), not the platform\'s line size', () => {
  const counter = `DMA t\nstruct priv { u32 stats; u8 rx[256]; };\n{ kmalloc struct priv p; mmio DB; }\ncpu drv {\n  h = dma_map_single(dev, p.rx, 256, DMA_FROM_DEVICE);\n  if (dma_mapping_error(dev, h)) return -ENOMEM;\n  writel(1, DB);\n  p.stats = 1;\n  wait_for_irq(irq);\n  dma_unmap_single(dev, h, 256, DMA_FROM_DEVICE);\n  r = *(u32 *)(p.rx);\n}\ndevice nic {\n  wait_doorbell(DB, 1);\n  dma_write(h, 256, 0x5a);\n  raise_irq(irq);\n}\n`;
  const fields = `DMA t\n{ kmalloc priv[512]; field stats[4] in priv; field rx[256] in priv + 4; mmio DB; }\ncpu drv {\n  h = dma_map_single(dev, rx, 256, DMA_FROM_DEVICE);\n  if (dma_mapping_error(dev, h)) return -ENOMEM;\n  writel(1, DB);\n  *(u32 *)stats = 1;\n  wait_for_irq(irq);\n  dma_unmap_single(dev, h, 256, DMA_FROM_DEVICE);\n  r = *(u32 *)rx;\n}\ndevice nic {\n  wait_doorbell(DB, 1);\n  dma_write(h, 256, 0x5a);\n  raise_irq(irq);\n}\n`;
  const check = (text: string, platform: Partial<PlatformConfig> = {}, fix = false) => {
    const loaded = loadLitmus('t.litmus', text, platform);
    if ('kind' in loaded) throw new Error(loaded.message);
    return checkProgramAs('t.litmus', loaded.compiled, undefined, { fix }, loaded.parsed.source, text, loaded.parsed);
  };
  const shares = (c: ReturnType<typeof check>) => c.contract!.findings.filter((f) => f.rule === 'ownership/shares-cache-line').map((f) => f.message);
  test('on a 64-byte-line platform: ARCH_DMA_MINALIGN is 128 (dma_get_cache_alignment() is the 64)', () => {
    const [m] = shares(check(counter));
    expect(m).toMatch(/align and pad the buffer to ARCH_DMA_MINALIGN \(128 on arm64: __aligned\(ARCH_DMA_MINALIGN\); this platform's cache lines are 64 bytes\)/);
  });
  test('above 128 bytes the granule itself is the advice', () => {
    const [m] = shares(check(counter, { cwg: 256 }));
    expect(m).toMatch(/align and pad the buffer to this platform's 256-byte cache writeback granule \(dma_get_cache_alignment\(\); ARCH_DMA_MINALIGN, 128, is less\)/);
  });
  test('the fix says ARCH_DMA_MINALIGN is 128 and ____cacheline_aligned is not it', () => {
    const c = check(fields, {}, true);
    expect(c.fix?.steps.join("\n")).toMatch(/to ARCH_DMA_MINALIGN \(128 bytes on arm64\) and pad it to a multiple of that \(__aligned\(ARCH_DMA_MINALIGN\); ____cacheline_aligned is only 64\)/);
  });
});

describe('errors found while expanding paths and placing memory are at the statement, in kernel words', () => {
  const error = (text: string, platform: Partial<PlatformConfig> = {}) => {
    const loaded = loadLitmus('t.litmus', text, platform);
    if (!('kind' in loaded)) throw new Error('expected an input error');
    return `${loaded.line}:${loaded.col}: ${loaded.message}`;
  };
  test('a mapping whose size is read from memory: the map, not 1:1 and "c 2 (dma_map)"', () => {
    const text = 'DMA x\n{ kmalloc u8 buf[256]; kmalloc u8 meta[64] = 0x40; mmio DB; }\ncpu c {\n  len = *(u8 *)meta;\n  h = dma_map_single(dev, buf, len, DMA_TO_DEVICE);\n}\n';
    expect(error(text)).toBe("5:3: the size of this mapping depends on a value read on this path; a mapping's size is known when it is made (write the length, or compute it from constants)");
    // inside a branch: the statement in the branch
    const nested = 'DMA x\n{ kmalloc u8 buf[256]; kmalloc u8 meta[64] = 0x40; mmio DB; }\ncpu c {\n  len = *(u8 *)meta;\n  if (len) {\n    writel(1, DB);\n    h = dma_map_single(dev, buf, len, DMA_TO_DEVICE);\n  }\n}\n';
    expect(error(nested)).toMatch(/^7:5: the size of this mapping depends on a value read/);
  });
  const pool = (body: string) => `DMA x\n{ page rx[4096]; kmalloc b[64]; mmio DB; }\ncpu drv {\n${body}\n}\n`;
  const refusal = 'dma_alloc_noncoherent() from a restricted DMA pool (restrictedPool = true) is not modelled; use dma_alloc_coherent(), or restrictedPool = false';
  test('dma_alloc_noncoherent() with a restricted pool: at the call, not "drv op 1 (...)"', () => {
    expect(error(pool('  writel(0, DB);\n  rx = dma_alloc_noncoherent(dev, 64, &rx_dma, DMA_FROM_DEVICE, GFP_KERNEL);'), { restrictedPool: true })).toBe(`5:3: ${refusal}`);
    // in a branch, after a read: the path's op numbers are not the program's
    expect(error(pool('  x = READ_ONCE(*(u32 *)b);\n  if (x) {\n    writel(0, DB);\n    writel(0, DB);\n    rx = dma_alloc_noncoherent(dev, 64, &rx_dma, DMA_FROM_DEVICE, GFP_KERNEL);\n  }\n  r = 1;'), { restrictedPool: true })).toBe(`8:5: ${refusal}`);
  });
});

describe('ret = dma_map_sgtable(...) (kernel/dma/mapping.c: 0, or a negative errno)', () => {
  const T = (map: string, check: string) => `DMA x\n{ kmalloc u8 b0[512]; kmalloc u8 b1[512]; mmio DB; }\ncpu c {\n  sg_set_buf(&sgt[0], b0, 512);\n  sg_set_buf(&sgt[1], b1, 512);\n  ${map}\n  ${check}\n  writel(1, DB);\n  dma_unmap_sgtable(dev, sgt, DMA_FROM_DEVICE, 0);\n}\ndevice d {\n  wait_write(DB);\n  dma_write(sgt[1], 4, 7);\n}\n`;
  test('ret is 0 exactly when the count dma_map_sg() gives is not: the same program as n = dma_map_sg() with ret computed from it', () => same(
    T('ret = dma_map_sgtable(dev, sgt, DMA_FROM_DEVICE, 0);', 'if (ret) return ret;'),
    T('sgt_nents = dma_map_sg(dev, sgt, 2, DMA_FROM_DEVICE);\n  ret = (sgt_nents == 0) * 0xfffffffffffffffb;', 'if (ret) return ret;'),
  ));
  test('a declaration with a call initializer is the assignment: int ret = dma_map_sgtable(...); dma_addr_t h = dma_map_single(...);', () => {
    same(T('int ret = dma_map_sgtable(dev, sgt, DMA_FROM_DEVICE, 0);', 'if (ret) return ret;'), T('ret = dma_map_sgtable(dev, sgt, DMA_FROM_DEVICE, 0);', 'if (ret) return ret;'));
    const single = (decl: string) => `DMA x\n{ kmalloc b[64]; mmio DB; }\ncpu c {\n  ${decl}\n  if (dma_mapping_error(dev, h)) return -ENOMEM;\n  writel(1, DB);\n}\n`;
    same(single('dma_addr_t h = dma_map_single(dev, b, 64, DMA_TO_DEVICE);'), single('h = dma_map_single(dev, b, 64, DMA_TO_DEVICE);'));
  });
});

describe('nents of dma_unmap_sg / dma_sync_sg_*: the count passed to dma_map_sg (Documentation/core-api/dma-api.rst)', () => {
  const T = (body: string) => `DMA x\n{ kmalloc u8 b0[512]; kmalloc u8 b1[512]; mmio DB; }\ncpu c {\n  sg_set_buf(&sgl[0], b0, 512);\n  sg_set_buf(&sgl[1], b1, 512);\n${body}\n}\n`;
  const map = '  n = dma_map_sg(dev, sgl, 2, DMA_TO_DEVICE);\n  if (n == 0) return -ENOMEM;\n';
  const error = (text: string) => {
    try {
      prog(text);
    } catch (e) {
      return (e as Error).message;
    }
    return 'accepted';
  };
  test('the returned count is refused in kernel words, as the constant is', () => {
    const returned = "'n' is the count dma_map_sg returned: nents must be 2, the count passed to dma_map_sg (not the count it returned)";
    expect(error(T(`${map}  dma_unmap_sg(dev, sgl, n, DMA_TO_DEVICE);`))).toBe(returned);
    expect(error(T(`${map}  dma_sync_sg_for_cpu(dev, sgl, n, DMA_TO_DEVICE);`))).toBe(returned);
    expect(error(T(`  u32 n2 = dma_map_sg(dev, sgl, 2, DMA_TO_DEVICE);\n  dma_unmap_sg(dev, sgl, n2, DMA_TO_DEVICE);`))).toMatch(/^'n2' is the count dma_map_sg returned/);
    // the constant form said the same already
    expect(error(T(`  n = dma_map_sg(dev, sgl, 2, DMA_TO_DEVICE);\n  dma_unmap_sg(dev, sgl, 1, DMA_TO_DEVICE);`))).toBe('nents 1 is not the 2 entries passed to dma_map_sg: unmap and sync take that same nents (Documentation/core-api/dma-api.rst; dma-debug warns "DMA sg list with different entry count"), and another count is not modelled');
  });
  test('another register: a constant is needed here, and the message says which', () => {
    expect(error(T(`  m = 2;\n${map}  dma_unmap_sg(dev, sgl, m, DMA_TO_DEVICE);`))).toBe('nents must be a constant here: 2, the count passed to dma_map_sg (a number or a #define)');
    // n reassigned is no longer the returned count
    expect(error(T(`${map}  n = 2;\n  dma_unmap_sg(dev, sgl, n, DMA_TO_DEVICE);`))).toBe('nents must be a constant here: 2, the count passed to dma_map_sg (a number or a #define)');
    expect(error(T('  m = 2;\n  n = dma_map_sg(dev, sgl, m, DMA_TO_DEVICE);'))).toBe('nents must be a constant here: the number of entries sg_set_buf() filled (a number or a #define)');
  });
  test('the count passed is accepted, as a number or a #define', () => {
    same(T(`${map}  dma_unmap_sg(dev, sgl, 2, DMA_TO_DEVICE);`), T(`${map}  dma_unmap_sg(dev, sgl, NENTS, DMA_TO_DEVICE);`).replace('DMA x\n', 'DMA x\n#define NENTS 2\n'));
  });
});

describe('a DMA direction in a local variable (enum dma_data_direction): one constant, assigned once', () => {
  const T = (decl: string, dir: string) => `DMA x\n{ kmalloc u8 buf[256]; mmio DB; }\ncpu c {\n${decl}  h = dma_map_single(dev, buf, 256, ${dir});\n  if (dma_mapping_error(dev, h)) return -ENOMEM;\n  writel(1, DB);\n  dma_sync_single_for_cpu(dev, h, 256, ${dir});\n  dma_unmap_single(dev, h, 256, ${dir});\n  r = *(u32 *)buf;\n}\n`;
  const error = (text: string) => {
    try {
      prog(text);
    } catch (e) {
      return (e as Error).message;
    }
    return 'accepted';
  };
  test('enum dma_data_direction dir = DMA_FROM_DEVICE; and dir = DMA_TO_DEVICE; are the constant in each call', () => {
    same(T('  enum dma_data_direction dir = DMA_FROM_DEVICE;\n', 'dir'), T('', 'DMA_FROM_DEVICE'));
    same(T('  dir = DMA_TO_DEVICE;\n', 'dir'), T('', 'DMA_TO_DEVICE'));
    same(T('  enum dma_data_direction dir;\n  dir = DMA_BIDIRECTIONAL;\n', 'dir'), T('', 'DMA_BIDIRECTIONAL'));
  });
  test('a direction that would depend on the path, or used as a number, is refused saying how to write it', () => {
    expect(error(T('  enum dma_data_direction dir = DMA_FROM_DEVICE;\n  if (READ_ONCE(*(u32 *)buf)) dir = DMA_TO_DEVICE;\n', 'dir'))).toMatch(/^'dir' is assigned a direction again \(first at line 4\): a direction variable is assigned one DMA_\* constant, once; write the direction in each call/);
    expect(error(T('  dir = DMA_FROM_DEVICE;\n  x = dir + 1;\n', 'dir'))).toMatch(/^'dir' is a DMA direction: it is an argument of the DMA API only/);
    expect(error(T('  dir = DMA_FROM_DEVICE;\n  dir = 3;\n', 'dir'))).toMatch(/^'dir' holds a DMA direction \(line 4\)/);
    expect(error(T('  enum dma_data_direction dir = 2;\n', 'dir'))).toMatch(/^expected DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL/);
  });
  test('each thread has its own direction variables', () => {
    expect(error(`${T('  dir = DMA_FROM_DEVICE;\n', 'dir')}cpu d {\n  r = dir;\n}\n`)).toMatch(/^unknown name 'dir': neither a register this thread assigns/);
  });
});

describe('while (smp_load_acquire(&flag) != 1) cpu_relax(); polls with LDAR', () => {
  const T = (wait: string) => `DMA x\n{ kmalloc u8 buf[64]; kmalloc u8 st[64]; field ready[4] in st; }\ncpu c {\n${wait}\n  r = *(u32 *)buf;\n}\n`;
  test('a wait like READ_ONCE\'s (blocked until the value comes, not a loop unrolled and cut), each lap an acquire (LDAR)', () => {
    const [loop] = cpuOps(T('  while (smp_load_acquire(&ready) != 1) cpu_relax();'));
    expect(loop).toMatchObject({ op: 'poll', buf: 'ready', size: 4, acquire: true });
    expect(cpuOps(T('  while (READ_ONCE(*(u32 *)ready) != 1) cpu_relax();'))[0]).toMatchObject({ op: 'poll', buf: 'ready' });
    expect(cpuOps(T('  while (READ_ONCE(*(u32 *)ready) != 1) cpu_relax();'))[0]).not.toHaveProperty('acquire');
    // any condition on the one acquire load; the same written with { cpu_relax(); }
    same(T('  while (!(smp_load_acquire(&ready) & 2)) cpu_relax();'), T('  while (!(smp_load_acquire(&ready) & 2)) { cpu_relax(); }'));
    expect(cpuOps(T('  while (!(smp_load_acquire(&ready) & 2)) cpu_relax();'))[0]).toMatchObject({ op: 'poll', acquire: true });
    // a loop with a body of its own is a loop, its load an acquire
    expect(cpuOps(T('  while (1) {\n    v = smp_load_acquire(&ready);\n    if (v == 1) break;\n  }'))[0]).toMatchObject({ op: 'while', body: [{ op: 'load', buf: 'ready', acquire: true }, { op: 'if' }] });
  });
  test('an if condition reads it into a register first, as an assignment would', () => {
    same(T('  if (smp_load_acquire(&ready) == 1)\n    x = 1;'), T('  ready_val = smp_load_acquire(&ready);\n  if (ready_val == 1)\n    x = 1;'));
  });
  test('a map after a wait nobody ends on some path (the irq handler\'s branch not taken) is still the kernel\'s fixed decision', () => {
    // mapping-decisions.ts runs the program in order, passing a poll as it passes a failed
    // assume: else hb's map was never reached there, its dma_mapping_error() conflicted with
    // every op, and the check gave up as "too many interleavings" (i2c-geni's TX then RX)
    const text = ['DMA wait-then-map', '{ kmalloc u8 a[64]; kmalloc u8 b[64]; kmalloc u8 st[64]; field done[4] in st; mmio TX; mmio RX; mmio STAT; }',
      'cpu xfer {', '  ha = dma_map_single(dev, a, 64, DMA_TO_DEVICE);', '  if (dma_mapping_error(dev, ha)) return -ENOMEM;', '  writel(1, TX);',
      '  while (smp_load_acquire(&done) != 1) cpu_relax();', '  dma_unmap_single(dev, ha, 64, DMA_TO_DEVICE);',
      '  hb = dma_map_single(dev, b, 64, DMA_FROM_DEVICE);', '  if (dma_mapping_error(dev, hb)) return -ENOMEM;', '  writel(1, RX);',
      '  while (smp_load_acquire(&done) != 2) cpu_relax();', '  dma_unmap_single(dev, hb, 64, DMA_FROM_DEVICE);', '  r = *(u32 *)b;', '}',
      'cpu irq {', '  wait_for_irq(i);', '  s = readl(STAT);', '  if (s & 1) smp_store_release(&done, 1);', '  wait_for_irq(i);', '  smp_store_release(&done, 2);', '}',
      'device d {', '  wait_doorbell(TX, 1);', '  set_reg(STAT, 1);', '  raise_irq(i);', '  wait_doorbell(RX, 1);', '  dma_write(hb, 64, 0x5a);', '  raise_irq(i);', '}', ''].join('\n');
    const loaded = loadLitmus('t.litmus', text);
    if ('kind' in loaded) throw new Error(loaded.message);
    const paths = loaded.compiled.allPaths ?? [loaded.compiled];
    expect(paths.length).toBe(2);
    for (const c of paths) expect(mappingDecisions(c).made.has('hb')).toBe(true);
    const checked = checkProgramAs('t.litmus', loaded.compiled, undefined, { fix: false }, loaded.parsed.source, text, loaded.parsed);
    expect(checked.verdict).toBe('ok');
    expect(checked.result.method).toBe('exhaustive');
  });
  test('printed back as written, and read back to the same op', () => {
    const text = T('  while (smp_load_acquire(&ready) != 1) cpu_relax();');
    const printed = printLitmus(prog(text));
    expect(printed).toContain('while (smp_load_acquire(&ready) != 1) cpu_relax();');
    same(printed, text);
  });
});

describe('a worker waiting for an irq handler\'s smp_store_release() after the unmap', () => {
  const T = (wait: string) => `DMA x\n{ kmalloc u8 buf[512]; kmalloc u8 st[64]; field ready[4] in st; mmio DB; }\ncpu probe {\n  h = dma_map_single(dev, buf, 512, DMA_FROM_DEVICE);\n  if (dma_mapping_error(dev, h)) return -ENOMEM;\n  writel(1, DB);\n  wait_for_irq(irq);\n  dma_unmap_single(dev, h, 512, DMA_FROM_DEVICE);\n  smp_store_release(&ready, 1);\n}\ncpu worker {\n${wait}\n  r = *(u32 *)buf;\n}\ndevice nic {\n  wait_doorbell(DB, 1);\n  dma_write(h, 512, 0x4d);\n  raise_irq(irq);\n}\n`;
  const verdict = (text: string) => {
    const loaded = loadLitmus('t.litmus', text);
    if ('kind' in loaded) throw new Error(loaded.message);
    return checkProgramAs('t.litmus', loaded.compiled, undefined, { fix: false }, loaded.parsed.source, text, loaded.parsed).verdict;
  };
  test('ok with the acquire in the wait loop; bug with READ_ONCE (the buffer read may pass the flag read)', () => {
    expect(verdict(T('  while (smp_load_acquire(&ready) != 1) cpu_relax();'))).toBe('ok');
    expect(verdict(T('  while (READ_ONCE(*(u32 *)ready) != 1) cpu_relax();'))).toBe('bug');
  });
  test('bug when the handler completes before it unmaps (AHCI\'s done before dma_unmap_sg()): the worker reads the buffer the device still owns', () => {
    // (AHCI's own test was ok before the wait became a poll: its unrolled wait loop's cut executions
    // left the search random and blind to this; here, small, both forms find it)
    const early = T('  while (smp_load_acquire(&ready) != 1) cpu_relax();').replace('  dma_unmap_single(dev, h, 512, DMA_FROM_DEVICE);\n  smp_store_release(&ready, 1);', '  smp_store_release(&ready, 1);\n  dma_unmap_single(dev, h, 512, DMA_FROM_DEVICE);');
    expect(early).not.toBe(T('  while (smp_load_acquire(&ready) != 1) cpu_relax();'));
    expect(verdict(early)).toBe('bug');
  });
});

describe('min()/max()/min_t() (include/linux/minmax.h), ARRAY_SIZE() (include/linux/array_size.h), WARN_ON() (include/asm-generic/bug.h)', () => {
  const T = (body: string, decls = '{ kmalloc u8 buf[256]; mmio DB; }') => `DMA x\nstruct d { __le32 a; __le32 b; };\n${decls}\ncpu c {\n${body}\n}\n`;
  const error = (text: string) => {
    try {
      prog(text);
    } catch (e) {
      return (e as Error).message;
    }
    return 'accepted';
  };
  test('min and max of constants fold; of registers they are the ?: the macros expand to', () => {
    same(T('  r = min(3, 4) + max(3, 4) + min_t(u8, 0x105, 6);'), T('  r = 3 + 4 + 5;'));
    same(T('  len = READ_ONCE(*(u32 *)buf);\n  n = min(len, 64);'), T('  len = READ_ONCE(*(u32 *)buf);\n  n = len < 64 ? len : 64;'));
    same(T('  len = READ_ONCE(*(u32 *)buf);\n  n = max_t(u16, len, 64);'), T('  len = READ_ONCE(*(u32 *)buf);\n  n = (len & 0xffff) > 64 ? len & 0xffff : 64;'));
    expect(error(T('  n = min(READ_ONCE(*(u32 *)buf), 64);'))).toMatch(/^min\(\) of a memory read: read it into a register first/);
  });
  test('ARRAY_SIZE of a typed buffer, an array member and a byte buffer is its element count', () => {
    const decls = 'struct s { u32 words[8]; };\n{ coherent struct d ring[4]; kmalloc struct s p; kmalloc u8 buf[256]; mmio DB; }';
    same(T('  for (i = 0; i < ARRAY_SIZE(ring); i++)\n    ring[i].a = 0;\n  r = ARRAY_SIZE(p.words) + ARRAY_SIZE(buf);', decls), T('  for (i = 0; i < 4; i++)\n    ring[i].a = 0;\n  r = 8 + 256;', decls));
    expect(error(T('  r = 1;\n  x = ARRAY_SIZE(r);'))).toMatch(/^ARRAY_SIZE\(\) takes an array/);
  });
  test('if (WARN_ON(dma_mapping_error(dev, h))) is the mapping check; WARN_ON(x) is !!x', () => {
    const map = (check: string) => T(`  h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);\n  if (${check}) return -ENOMEM;\n  writel(1, DB);`);
    same(map('WARN_ON(dma_mapping_error(dev, h))'), map('dma_mapping_error(dev, h)'));
    same(map('WARN_ON_ONCE(dma_mapping_error(dev, h))'), map('dma_mapping_error(dev, h)'));
    same(T('  v = READ_ONCE(*(u32 *)buf);\n  if (WARN_ON(v & 4))\n    return;\n  r = WARN_ON_ONCE(7);'), T('  v = READ_ONCE(*(u32 *)buf);\n  if (!!(v & 4))\n    return;\n  r = 1;'));
  });
});

describe('MMIO through an ioremap()ed base is refused saying to declare each register', () => {
  const error = (text: string) => {
    try {
      prog(text);
    } catch (e) {
      return (e as Error).message;
    }
    return 'accepted';
  };
  test('writel(v, base + SPI_CTRL), readl(base + 4) and void __iomem *base', () => {
    const T = (body: string) => `DMA x\n#define SPI_CTRL 0x10\n{ mmio CTRL; }\ncpu c {\n${body}\n}\n`;
    const advice = /declare each register the driver uses .*\(mmio SPI_CTRL;\) and write writel\(v, SPI_CTRL\)$/;
    expect(error(T('  writel(1, base + SPI_CTRL);'))).toMatch(advice);
    expect(error(T('  r = readl(base + 4);'))).toMatch(advice);
    expect(error(T('  void __iomem *base;'))).toMatch(/^an __iomem pointer \(ioremap\(\)'s base\) is not modelled: /);
    expect(error(T('  writel(1, CTRL);'))).toBe('accepted');
  });
});

describe('dma_alloc_noncoherent(dev, size, &h, dir, gfp) arrived in v5.10 (dma-mapping pull for 5.10)', () => {
  const text = 'DMA x\n{ page rx[4096]; mmio DB; }\ncpu drv {\n  writel(0, DB);\n  rx = dma_alloc_noncoherent(dev, 64, &rx_dma, DMA_FROM_DEVICE, GFP_KERNEL);\n  dma_sync_single_for_device(dev, rx_dma, 64, DMA_FROM_DEVICE);\n}\n';
  const outcome = (kernel: string) => {
    const loaded = loadLitmus('t.litmus', text, { kernel } as Partial<PlatformConfig>);
    return 'kind' in loaded ? `${loaded.line}:${loaded.col}: ${loaded.message}` : 'accepted';
  };
  test('refused before 5.10 at the call, naming the change; accepted from 5.10', () => {
    for (const k of ['4.9', '4.14', '4.19', '5.4']) expect(outcome(k), k).toBe(`5:3: kernel ${k}: dma_alloc_noncoherent(dev, size, &handle, dir, gfp) arrived in v5.10 ("dma-mapping: add a new dma_alloc_noncoherent API"); before, the call had no direction and was dma_alloc_attrs(DMA_ATTR_NON_CONSISTENT). Use dma_alloc_coherent(), or kernel = 5.10 or later`);
    for (const k of ['5.10', '6.12']) expect(outcome(k), k).toBe('accepted');
  });
});

describe('a static function with an enum dma_data_direction parameter', () => {
  const fn = 'static void do_map(enum dma_data_direction dir, int len) {\n  h = dma_map_single(dev, buf, len, dir);\n  writel(1, DB);\n  dma_unmap_single(dev, h, len, dir);\n}\n';
  const T = (body: string, f = fn) => `DMA x\n{ kmalloc u8 buf[256]; mmio DB; }\n${f}cpu c {\n${body}\n}\n`;
  const W = (body: string) => `DMA x\n{ kmalloc u8 buf[256]; mmio DB; }\ncpu c {\n${body}\n}\n`;
  const inlined = (dir: string) => `  {\n    do_map__len = (64);\n    h = dma_map_single(dev, buf, do_map__len, ${dir});\n    writel(1, DB);\n    dma_unmap_single(dev, h, do_map__len, ${dir});\n  }`;
  test('each call gets its own direction: the constant, or a direction variable', () => {
    same(T('  do_map(DMA_TO_DEVICE, 64);\n  do_map(DMA_FROM_DEVICE, 64);'), W(`${inlined('DMA_TO_DEVICE')}\n${inlined('DMA_FROM_DEVICE')}`));
    same(T('  enum dma_data_direction d = DMA_BIDIRECTIONAL;\n  do_map(d, 64);'), W(inlined('DMA_BIDIRECTIONAL')));
  });
  test('assigning the parameter in the body is refused', () => {
    expect(() => prog(T('  do_map(DMA_TO_DEVICE, 64);', 'static void do_map(enum dma_data_direction dir, int len) {\n  dir = DMA_FROM_DEVICE;\n}\n'))).toThrow(/^DMA_TO_DEVICE is a constant \(a static function's direction parameter is the constant it was called with\): assign a local direction variable instead$/);
  });
});

describe('a field of memory stepped as a statement (the hunt: `dev->stats.rx_packets++;`)', () => {
  const text = (body: string) => `DMA t\nstruct stats { u64 tx_packets; u32 drops; };\n{ kmalloc struct stats st[2]; }\ncpu c {\n${body}\n}\n`;
  test('st->field++; and st[i].field--; are the field += 1 and -= 1', () => {
    same(text('  st->tx_packets++;\n  st[1].drops--;'), text('  st->tx_packets += 1;\n  st[1].drops -= 1;'));
  });
  test('a step inside an expression is still refused, in one line', () => {
    expect(() => prog(text('  x = st->drops++;'))).toThrow(/'\+\+' inside an expression is not supported/);
  });
});

describe('division by a power of two (the hunt: r8169 `cur_tx % NUM_TX_DESC`)', () => {
  const text = (e: string) => `DMA t\n#define NUM_TX_DESC 64\n{ kmalloc b[64]; }\ncpu c {\n  i = READ_ONCE(*(u32 *)b);\n  r = ${e};\n}\n`;
  test('i % 2^n is i & (2^n - 1), i / 2^n is i >> n', () => {
    same(text('i % NUM_TX_DESC'), text('i & 63'));
    same(text('(i + 1) / 8'), text('(i + 1) >> 3'));
  });
  test('by anything else: refused, in one line that says what is read', () => {
    expect(() => prog(text('i % 6'))).toThrow(/division is modelled only by a power of two/);
    expect(() => prog(text('i / i'))).toThrow(/division is modelled only by a power of two/);
  });
});

test('smp_mb__before_atomic() and smp_mb__after_atomic() are smp_mb() on arm64 (include/asm-generic/barrier.h)', () => {
  const text = (b: string) => `DMA t\n{ kmalloc b[64]; }\ncpu c {\n  WRITE_ONCE(*(u32 *)b, 1);\n  ${b};\n  r = READ_ONCE(*(u32 *)(b + 4));\n}\n`;
  same(text('smp_mb__before_atomic()'), text('smp_mb()'));
  same(text('smp_mb__after_atomic()'), text('smp_mb()'));
});

test('a mapping check whose block prints, then returns or jumps (`{ dev_err(...); goto err; }`), is the plain check (the hunt)', () => {
  const text = (check: string) => `DMA t\n{ kmalloc buf[64]; mmio DB; }\ncpu c {\n  h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);\n  ${check}\n  writel(1, DB);\n}\n`;
  same(text('if (dma_mapping_error(dev, h)) {\n    dev_err(dev, "map failed\\n");\n    goto err_dma;\n  }'), text('if (dma_mapping_error(dev, h)) goto err_dma;'));
  same(text('if (dma_mapping_error(dev, h)) {\n    netdev_err(ndev, "%d\\n", 1);\n    return -ENOMEM;\n  }'), text('if (dma_mapping_error(dev, h)) return -ENOMEM;'));
  same(text('if (dma_mapping_error(dev, h)) { return -ENOMEM; }'), text('if (dma_mapping_error(dev, h)) return -ENOMEM;'));
});

test('a handle read back from the driver\'s own ring and unmapped (dma_unmap_addr()) is refused with how to write it (the hunt)', () => {
  const text = `DMA t\n{ kmalloc buf[64]; kmalloc txb[16]; }\ncpu c {\n  h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);\n  *(u64 *)txb = h;\n  d = *(u64 *)txb;\n  dma_unmap_single(dev, d, 64, DMA_TO_DEVICE);\n}\n`;
  expect(() => prog(text)).toThrow(/'d' is a register, not a DMA handle: a handle read back from memory \(dma_unmap_addr\(tx_buffer, dma\)\) is not followed; name the handle the dma_map_\*\(\) assigned/);
  // and read back in the call itself, as r8169's rtl8169_unmap_tx_skb() does with desc->addr
  const inline = text.replace('  d = *(u64 *)txb;\n', '').replace('dma_unmap_single(dev, d,', 'dma_unmap_single(dev, le64_to_cpu(*(u64 *)txb),');
  expect(() => prog(inline)).toThrow(/expected a DMA handle: a bus address computed or read back from memory \(le64_to_cpu\(desc->addr\), dma_unmap_addr\(\)\) is not followed; name the handle the dma_map_\*\(\) assigned/);
});

describe('a static function\'s parameter named like a struct member (macb_set_addr\'s `addr`, virtio\'s `len`)', () => {
  const T = (fn: string, body: string) => `DMA t\nstruct d { u32 addr; u32 len; };\n{ coherent struct d ring[2]; mmio DB; }\n${fn}cpu c {\n  ring = dma_alloc_coherent(dev, sizeof(ring), GFP_KERNEL);\n${body}\n  writel(1, DB);\n}\n`;
  test('a name after . or -> is the member, never the parameter', () => {
    same(
      T('static void set_addr(dma_addr_t addr)\n{\n  ring[0].addr = lower_32_bits(addr);\n}\n', '  set_addr(0x1000);'),
      T('', '  {\n    set_addr__addr = (0x1000);\n    ring[0].addr = lower_32_bits(set_addr__addr);\n  }'),
    );
    same(
      T('static void fill(struct d *desc, u32 len)\n{\n  desc->len = len;\n  desc->addr = sizeof(struct d);\n}\n', '  fill(&ring[0], 64);'),
      T('', '  {\n    fill__desc = (&ring[0]);\n    fill__len = (64);\n    fill__desc->len = fill__len;\n    fill__desc->addr = 8;\n  }'),
    );
  });
  test('a struct tag named like a parameter is the struct (sizeof(struct desc) with a `desc` parameter)', () => {
    const tagged = (fn: string, body: string) => T(fn, body).replace('struct d {', 'struct desc {').replace('struct d ring', 'struct desc ring');
    same(
      tagged('static void zero(struct desc *desc)\n{\n  desc->len = sizeof(struct desc);\n}\n', '  zero(&ring[1]);'),
      tagged('', '  {\n    zero__desc = (&ring[1]);\n    zero__desc->len = 8;\n  }'),
    );
  });
  test('a local variable named like a member is read as a variable and as p->member', () => {
    const body = '  u32 len = 16;\n  struct d *p = &ring[1];\n  p->len = len;\n  len = p->len;\n  ring[0].len = len + 1;';
    const renamed = (text: string) => text.replace('u32 len; }', 'u32 size; }').replace(/(->|\.)len\b/g, '$1size');
    same(T('', body), renamed(T('', body)));
  });
});

describe('?: as a bare call argument (a call argument is an assignment-expression, C11 6.5.2)', () => {
  const T = (body: string, defines = '') => `DMA t\n${defines}{ coherent ring[64]; mmio DB; }\nstatic void put(u32 v)\n{\n  WRITE_ONCE(*(u32 *)(ring + 8), v);\n}\ncpu c {\n  ring = dma_alloc_coherent(dev, 64, GFP_KERNEL);\n  k = readl(DB);\n${body}\n}\n`;
  test('reads as the parenthesized argument: kernel calls, identity and bit macros, a #define, a static function', () => {
    same(T('  *(u32 *)ring = cpu_to_le32(k == 0 ? 5 : 1);'), T('  *(u32 *)ring = cpu_to_le32((k == 0 ? 5 : 1));'));
    same(T('  writel(k ? 1 : 2, DB);'), T('  writel((k ? 1 : 2), DB);'));
    same(T('  *(u32 *)(ring + 4) = lower_32_bits(k > 1 ? k : 0x1000);'), T('  *(u32 *)(ring + 4) = lower_32_bits((k > 1 ? k : 0x1000));'));
    same(T('  x = min(k ? 3 : 4, 2);'), T('  x = min((k ? 3 : 4), 2);'));
    same(T('  SET(k ? 1 : 2);', '#define SET(v) WRITE_ONCE(*(u32 *)ring, v)\n'), T('  WRITE_ONCE(*(u32 *)ring, (k ? 1 : 2));'));
    same(T('  put(k ? 1 : 2);'), T('  put((k ? 1 : 2));'));
  });
  test('nested in an argument, and with an argument after it', () => {
    same(T('  writel(cpu_to_le32(k ? 1 : k == 2 ? 2 : 3) | 4, DB);'), T('  writel((cpu_to_le32((k ? 1 : (k == 2 ? 2 : 3))) | 4), DB);'));
  });
});

describe('a descriptor pointer indexed, then a member taken: p[i].member and (p + i)->member (the hunt)', () => {
  const T = (body: string) => `DMA t\n#define NUM_DESC 4\nstruct d { u32 addr; u32 ctrl; };\n{ coherent struct d ring[NUM_DESC]; mmio DB; }\ncpu c {\n  struct d *p;\n  ring = dma_alloc_coherent(dev, sizeof(ring), GFP_KERNEL);\n${body}\n  writel(1, DB);\n}\ndevice n {\n  wait_doorbell(DB, 1);\n  a = dma_read(ring + 8, 4);\n}\n`;
  // p holds its offset into ring, a register: on the path programs the model runs it is a number,
  // and each access is the one ring[k + i].member makes
  const paths = (text: string) => expandPaths(prog(text)).map((path) => path.program);
  const samePaths = (a: string, b: string) => expect(paths(a)).toEqual(paths(b));
  test('p = &ring[0]: p[1].member, (p + 1)->member and &p[1] are ring[1]', () => {
    const want = T('  p = &ring[0];\n  ring[1].addr = 8;\n  ring[1].ctrl = 1;');
    samePaths(T('  p = &ring[0];\n  p[1].addr = 8;\n  p[1].ctrl = 1;'), want);
    samePaths(T('  p = &ring[0];\n  (p + 1)->addr = 8;\n  (p + 1)->ctrl = 1;'), want);
    samePaths(T('  p = &ring[0];\n  struct d *q = &p[1];\n  q->addr = 8;\n  q->ctrl = 1;'), T('  p = &ring[0];\n  struct d *q = &ring[1];\n  q->addr = 8;\n  q->ctrl = 1;'));
  });
  test('p = &ring[2]: p[1] is ring[3], read and written', () => {
    const want = T('  p = &ring[2];\n  ring[3].addr = 8;\n  v = ring[3].ctrl;\n  ring[2].ctrl = v;');
    samePaths(T('  p = &ring[2];\n  p[1].addr = 8;\n  v = p[1].ctrl;\n  p[0].ctrl = v;'), want);
    samePaths(T('  p = &ring[2];\n  (p + 1)->addr = 8;\n  v = (p + 1)->ctrl;\n  p->ctrl = v;'), want);
  });
  test('a loop variable, and the last descriptor marked after the loop (a wrap bit)', () => {
    const want = T('  p = &ring[1];\n  for (i = 0; i < NUM_DESC - 1; i++)\n    ring[i + 1].addr = 0x1000 * i;\n  ring[NUM_DESC - 1].ctrl = 0x40000000;');
    samePaths(T('  p = &ring[1];\n  for (i = 0; i < NUM_DESC - 1; i++)\n    p[i].addr = 0x1000 * i;\n  p[NUM_DESC - 2].ctrl = 0x40000000;'), want);
    samePaths(T('  p = &ring[1];\n  for (i = 0; i < NUM_DESC - 1; i++)\n    (p + i)->addr = 0x1000 * i;\n  (p + NUM_DESC - 2)->ctrl = 0x40000000;'), want);
  });
  test('the new user\'s test checks ok', () => {
    const text = T('  p = &ring[0];\n  p[1].addr = 8;\n  p[1].ctrl = 1;').replace('DMA t\n', 'DMA ptr-index-member\nexpect ok\n');
    const loaded = loadLitmus('t.litmus', text);
    if ('kind' in loaded) throw new Error(loaded.message);
    expect(checkProgramAs('t.litmus', loaded.compiled, undefined, { fix: false }, loaded.parsed.source, text, loaded.parsed).verdict).toBe('ok');
  });
});

describe('a NULL check of dma_alloc_noncoherent()\'s memory (sound/core/memalloc.c: `if (!p) return -ENOMEM;`)', () => {
  const T = (check: string) => `DMA t\n{ page buf[4096]; mmio DB; }\ncpu c {\n  buf = dma_alloc_noncoherent(dev, 64, &h, DMA_FROM_DEVICE, GFP_KERNEL);\n${check}\n  dma_sync_single_for_device(dev, h, 64, DMA_FROM_DEVICE);\n  writel(1, DB);\n}\ndevice d { wait_doorbell(DB, 1); dma_write(h, 4, 1); }\n`;
  test('tests the allocation, as a NULL check after dma_alloc_coherent() does: never NULL', () => {
    same(T('  if (!buf) return -ENOMEM;'), T('  if (!h) return -ENOMEM;'));
    same(T('  if (unlikely(!buf))\n    return -ENOMEM;'), T('  if (unlikely(!h))\n    return -ENOMEM;'));
    // NULL is include/linux/stddef.h's ((void *)0)
    same(T('  if (buf == NULL) return -ENOMEM;'), T('  if (h == 0) return -ENOMEM;'));
  });
  test('a page buffer no dma_alloc_noncoherent() gave is still not a value', () => {
    expect(() => prog('DMA t\n{ page buf[4096]; }\ncpu c {\n  if (!buf) return -ENOMEM;\n}\n')).toThrow(/'buf' is a buffer, not a value/);
  });
});

describe('memcpy() from a computed offset (skb_copy_to_linear_data of ring slot i, copy_to_user of period p)', () => {
  const T = (body: string) => `DMA t\n{ kmalloc buf[256]; }\ncpu c {\n  for (p = 0; p < 2; p++) {\n    memset(buf + p * 64, 0, 64);\n${body}\n  }\n}\n`;
  const body = (text: string) => ((cpuOps(text)[0] as Extract<CpuOp, { op: 'for' }>).body as CpuOp[]);
  test('reads where memset() at the same pointer writes, as a load with a computed offset does', () => {
    const [set, copy] = body(T('    memcpy(x, buf + p * 64, 64);'));
    expect(copy).toEqual({ op: 'load', buf: 'buf', off: (set as { off: number }).off, size: 64, offExpr: (set as { offExpr: unknown }).offExpr });
    same(T('    memcpy(x, buf + p * 64, 4);'), T('    x = *(u32 *)(buf + p * 64);'));
    same(T('    memcpy(x, buf + 16 + p * 64, 4);'), T('    x = *(u32 *)(buf + 16 + p * 64);'));
  });
  test('a computed length too: at most the rest of the buffer, as memset()\'s', () => {
    const [, , set] = body(T('    len = readl(LEN);\n    memset(buf + p * 64, 0, len);').replace('{ kmalloc buf[256]; }', '{ kmalloc buf[256]; mmio LEN; }'));
    const [, , copy] = body(T('    len = readl(LEN);\n    memcpy(x, buf + p * 64, len);').replace('{ kmalloc buf[256]; }', '{ kmalloc buf[256]; mmio LEN; }'));
    const { op: _s, value: _v, ...where } = set as Extract<CpuOp, { op: 'store' }>;
    const { op: _l, ...from } = copy as Extract<CpuOp, { op: 'load' }>;
    expect(copy.op).toBe('load');
    expect(from).toEqual(where);
  });
  test('into declared memory at an offset: the source is read, the bytes written are not carried, as into the buffer itself', () => {
    const D = (body: string) => T(body).replace('{ kmalloc buf[256]; }', '{ kmalloc buf[256]; kmalloc copy[256]; }');
    same(D('    memcpy(copy + p * 64, buf + p * 64, 64);'), D('    memcpy(copy, buf + p * 64, 64);'));
    same(D('    memcpy(copy + 64, buf, 64);'), D('    memcpy(copy, buf, 64);'));
    expect(() => prog(D('    memcpy(copy + p * 64, buf, 64);\n    r = *(u32 *)copy;'))).toThrow(/memcpy into 'copy', memory the test reads back, is not modelled/);
    expect(() => prog(D('    memcpy(copy + 256, buf, 64);'))).toThrow(/outside 'copy'/);
  });
});

describe('a read nested in another call\'s argument is read first (`writel(readl(R) | BIT(0), R);`)', () => {
  test('cpu: writel(readl(R) | BIT(0), R) is r = readl(R); writel(r | BIT(0), R);', () => {
    const T = (body: string) => `DMA t\n{ mmio CE_ICR; }\ncpu c {\n${body}\n}\ndevice d { wait_doorbell(CE_ICR, 1); }\n`;
    same(T('  writel(readl(CE_ICR) | BIT(0), CE_ICR);'), T('  ce_icr = readl(CE_ICR);\n  writel(ce_icr | BIT(0), CE_ICR);'));
    same(T('  writel_relaxed(readl_relaxed(CE_ICR) & ~BIT(1), CE_ICR);'), T('  ce_icr = readl_relaxed(CE_ICR);\n  writel_relaxed(ce_icr & ~BIT(1), CE_ICR);'));
  });
  test('cpu: a call whose result is assigned, or initializes a declaration, reads first too', () => {
    const T = (body: string) => `DMA t\n{ kmalloc buf[256]; mmio LEN; mmio DB; }\ncpu c {\n${body}\n  writel(1, DB);\n}\n`;
    const want = T('  len = readl(LEN);\n  h = dma_map_single(dev, buf, len, DMA_TO_DEVICE);');
    same(T('  h = dma_map_single(dev, buf, readl(LEN), DMA_TO_DEVICE);'), want);
    same(T('  dma_addr_t h = dma_map_single(dev, buf, readl(LEN), DMA_TO_DEVICE);'), want);
  });
  test('device: dma_read(le64_to_cpu(txd[0].addr), 8) reads the descriptor first', () => {
    const T = (body: string) => `DMA t\nstruct TxDesc { __le32 opts1; __le32 opts2; __le64 addr; };\n{ coherent struct TxDesc txd[1]; kmalloc buf[64]; mmio DB; }\ncpu c {\n  txd = dma_alloc_coherent(dev, sizeof(txd), GFP_KERNEL);\n  h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);\n  if (dma_mapping_error(dev, h)) return -ENOMEM;\n  txd[0].addr = cpu_to_le64(h);\n  writel(1, DB);\n}\ndevice d {\n  wait_doorbell(DB, 1);\n${body}\n}\n`;
    same(T('  w = dma_read(le64_to_cpu(txd[0].addr), 8);'), T('  txd_0_addr = le64_to_cpu(txd[0].addr);\n  w = dma_read(txd_0_addr, 8);'));
    same(T('  dma_write(le64_to_cpu(txd[0].addr), 4, 1);'), T('  txd_0_addr = le64_to_cpu(txd[0].addr);\n  dma_write(txd_0_addr, 4, 1);'));
  });
  test('device: dma_write(be64_to_cpu(dma_read(txd + 8, 8)), ...) and r = dma_read(...) + ... read first too', () => {
    const T = (body: string) => `DMA t\n{ coherent txd[16]; kmalloc buf[64]; mmio DB; }\ncpu c {\n  txd = dma_alloc_coherent(dev, 16, GFP_KERNEL);\n  h = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);\n  if (dma_mapping_error(dev, h)) return -ENOMEM;\n  *(u64 *)(txd + 8) = cpu_to_be64(h);\n  writel(1, DB);\n}\ndevice d {\n  wait_doorbell(DB, 1);\n${body}\n}\n`;
    same(T('  dma_write(be64_to_cpu(dma_read(txd + 8, 8)), 4, 1);'), T('  dma_val = dma_read(txd + 8, 8);\n  dma_write(be64_to_cpu(dma_val), 4, 1);'));
    same(T('  a = dma_read(txd + 8, 8) + dma_read(txd, 4);\n  dma_write(a, 4, 1);'), T('  dma_val = dma_read(txd + 8, 8);\n  txd_val = dma_read(txd, 4);\n  a = dma_val + txd_val;\n  dma_write(a, 4, 1);'));
    expect(() => prog(T('  dma_write(dma_read(txd, 16), 4, 1);'))).toThrow(/a 16-byte read is not a value: a register holds at most 8 bytes/);
    expect(() => prog(T('  dma_write(dma_read(txd), 4, 1);'))).toThrow(/dma_read takes 2 arguments/);
  });
});

describe('a thread\'s return value is stored nowhere: any constant (libata ata_sg_setup(): `return -1;`)', () => {
  const T = (ret: string) => `DMA t\n{ kmalloc buf[512]; }\ncpu c {\n  sg_set_buf(&sgl[0], buf, 512);\n  n = dma_map_sg(dev, sgl, 1, DMA_FROM_DEVICE);\n  if (n < 1) ${ret}\n  dma_unmap_sg(dev, sgl, 1, DMA_FROM_DEVICE);\n}\n`;
  test('return -1; and return -(1 + 1); end the thread as return -EIO; does', () => {
    same(T('return -1;'), T('return -EIO;'));
    same(T('return -(1 + 1);'), T('return -EIO;'));
    same(T('return (n < 1) ? -1 : 0;'), T('return 0;'));
  });
  test('a negative number stored is still refused', () => {
    expect(() => prog(T('return -1;').replace('  dma_unmap_sg', '  *(u32 *)buf = -1;\n  dma_unmap_sg'))).toThrow(/negative numbers are not values a device or CPU can store here/);
  });
});
