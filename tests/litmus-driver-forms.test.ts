// Driver C the parser once refused, found by transcribing real drivers: each form is read with the
// kernel's meaning (checked against the same test written the old way, as in litmus-c.test.ts),
// or refused with one line that says how to write it.

import { describe, expect, test } from 'vitest';
import { parseLitmus } from '../src/litmus/parse.js';
import type { CpuOp, Program } from '../src/program/types.js';

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
