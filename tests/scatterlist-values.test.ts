// A scatterlist's DMA segments as values in driver C (include/linux/scatterlist.h):
// sg_dma_address() and sg_dma_len() of an entry, for_each_sg() over the count dma_map_sg()
// returned, `struct scatterlist *sg;` and sg_init_table(). The values are the kernel's: one
// segment an entry with dma-direct; behind an SMMU, dma-iommu merges entries that meet at an
// IOVA granule (__finalise_sg()), the merged segment is as long as its entries together, and an
// entry past the count is DMA_MAPPING_ERROR with length 0.

import { describe, expect, test } from 'vitest';
import { parseLitmus } from '../src/litmus/parse.js';
import { printLitmus } from '../src/litmus/print.js';
import { LitmusError } from '../src/litmus/litmus-error.js';
import { compilePaths } from '../src/exec/compile.js';
import { expandPaths } from '../src/exec/paths.js';
import { makePlatform } from '../src/platform/platform.js';
import { runModel, runIdealLike } from '../src/model/machines.js';
import { checkPaths } from '../src/oracle/check.js';
import type { CpuOp, Program } from '../src/program/types.js';

const prog = (text: string): Program => parseLitmus(text).program;
const same = (a: string, b: string) => expect(prog(a)).toEqual(prog(b));

/** A CPU that maps two entries of `size` bytes (page buffers) and stores `values` (one u64 each) for loads r0, r1, ... to read back. */
const valuesTest = (size: number, values: string[]) => `DMA sgv
{ ${size >= 4096 ? 'page' : 'kmalloc'} b0[${size}]; ${size >= 4096 ? 'page' : 'kmalloc'} b1[${size}]; coherent out[${8 * values.length}]; }
cpu c {
  int n;
  out = dma_alloc_coherent(dev, ${8 * values.length}, GFP_KERNEL);
  sg_set_buf(&sgl[0], b0, ${size});
  sg_set_buf(&sgl[1], b1, ${size});
  n = dma_map_sg(dev, sgl, 2, DMA_FROM_DEVICE);
${values.map((v, k) => `  *(u64 *)(out + ${8 * k}) = ${v};`).join('\n')}
${values.map((_, k) => `  r${k} = *(u64 *)(out + ${8 * k});`).join('\n')}
}
`;

/** What the CPU read back, in program order on the arm64 model (and on the ideal platform, which mirrors the kernel's segments). */
function readBack(text: string, platform: Record<string, unknown> = {}): { arm64: string[]; ideal: string[] } {
  const p = prog(text);
  const c = compilePaths(p, makePlatform({ ...p.platform, ...platform }))[0];
  const m = runModel(c, { steps: [] });
  const reads = (r: (string | undefined)[]) => r.filter((x): x is string => x !== undefined && x.startsWith('0x')).slice(1); // the count first
  return { arm64: reads(m.observations().reads.c), ideal: reads(runIdealLike(c, m.order).observations().reads.c) };
}

const hex = (v: bigint) => `0x${v.toString(16).padStart(16, '0')}`;

describe('sg_dma_address() and sg_dma_len() are the kernel\'s segments', () => {
  test('dma-direct: one segment an entry, at each buffer\'s bus address, as long as the entry', () => {
    // (lengths that are no bus address: a value equal to one would be named as that address)
    const r = readBack(valuesTest(512, ['sg_dma_len(&sgl[0])', 'sg_dma_len(&sgl[1])', 'sg_dma_address(&sgl[1]) - sg_dma_address(sgl)']));
    expect(r.arm64).toEqual([hex(512n), hex(512n), hex(512n)]); // kmalloc-512 entries side by side
    expect(r.arm64).toEqual(r.ideal);
  });

  test('behind an SMMU two pages merge: segment 0 is 8 KiB, entry 1 is DMA_MAPPING_ERROR with length 0 (__finalise_sg)', () => {
    const r = readBack(valuesTest(4096, ['sg_dma_len(&sgl[0])', 'sg_dma_len(&sgl[1])', 'sg_dma_address(&sgl[1])']), { iommu: 'strict' });
    expect(r.arm64).toEqual([hex(8192n), hex(0n), hex(0xffff_ffff_ffff_ffffn)]);
  });

  test('the ideal platform gives the same segments where the driver keeps the count', () => {
    const r = readBack(valuesTest(4096, ['sg_dma_len(&sgl[0])', 'sg_dma_len(&sgl[1])']), { iommu: 'strict' });
    expect(r.ideal).toEqual(r.arm64);
  });
});

describe('the forms drivers write', () => {
  const head = `DMA t
{ coherent u32 desc[4]; kmalloc b0[512]; kmalloc b1[512]; }
cpu c {
  int i;
  int n;
  desc = dma_alloc_coherent(dev, 16, GFP_KERNEL);
  sg_set_buf(&sgl[0], b0, 512);
  sg_set_buf(&sgl[1], b1, 512);
  n = dma_map_sg(dev, sgl, 2, DMA_TO_DEVICE);
`;

  test('for_each_sg(sgl, sg, n, i) is a for loop over i with sg standing for &sgl[i]', () => same(
    `${head}  struct scatterlist *sg;\n  for_each_sg(sgl, sg, n, i) {\n    desc[2 * i] = lower_32_bits(sg_dma_address(sg));\n    desc[2 * i + 1] = sg_dma_len(sg);\n  }\n}\n`,
    `${head}  for (i = 0; i < n; i++) {\n    desc[2 * i] = lower_32_bits(sg_dma_address(&sgl[i]));\n    desc[2 * i + 1] = sg_dma_len(&sgl[i]);\n  }\n}\n`,
  ));

  test('sgl alone is its first entry; sg_init_table() and struct scatterlist declarations add nothing', () => same(
    `${head}  struct scatterlist sgt[2];\n  sg_init_table(sgl, 2);\n  desc[0] = lower_32_bits(sg_dma_address(sgl));\n}\n`,
    `${head}  desc[0] = lower_32_bits(sg_dma_address(&sgl[0]));\n}\n`,
  ));

  test('an entry computed at run time is each mapped entry in turn', () => {
    const ops = prog(`${head}  desc[0] = lower_32_bits(sg_dma_address(&sgl[n - 1]));\n}\n`).actors[0].ops as CpuOp[];
    const store = ops.find((o) => o.op === 'store') as Extract<CpuOp, { op: 'store' }>;
    expect(JSON.stringify(store.valueExpr, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}` : v))).toContain('"entry":1');
  });

  test('printed and parsed back, the same program (the printer writes sg_dma_address(&sgl[k]))', () => {
    const text = `${head}  struct scatterlist *sg;\n  for_each_sg(sgl, sg, n, i) {\n    desc[i] = lower_32_bits(sg_dma_address(sg)) + sg_dma_len(sg);\n  }\n}\n`;
    const p = prog(text);
    expect(printLitmus(p)).toContain('sg_dma_address(&sgl[1])');
    expect(prog(printLitmus(p))).toEqual(p);
  });

  test('the path programs read as the driver wrote them: one entry per lap, no 0 * terms', () => {
    const p = prog(`${head}  struct scatterlist *sg;\n  for_each_sg(sgl, sg, 2, i) {\n    desc[i] = lower_32_bits(sg_dma_address(sg));\n  }\n}\n`);
    const c = compilePaths(p, makePlatform(p.platform))[0];
    const text = printLitmus(c.program);
    expect(text).toContain('= sg_dma_address(&sgl[0]) & 0xffffffff;');
    expect(text).not.toContain('0 * sg_dma_address');
  });

  test('what the format cannot read is one clear line', () => {
    const error = (body: string) => {
      try {
        prog(`${head}${body}\n}\n`);
      } catch (e) {
        if (e instanceof LitmusError) return e.message;
        throw e;
      }
      return 'no error';
    };
    expect(error('  desc[0] = sg_dma_address(&sgx[0]);')).toMatch(/'sgx' is not a mapped scatterlist: fill it with sg_set_buf/);
    expect(error('  desc[0] = sg_dma_address(&sgl[2]);')).toMatch(/sgl\[2\] is not one of the 2 entries dma_map_sg\(\) mapped/);
    expect(error('  desc[0] = sg_dma_len(&sgl[0], 1);')).toMatch(/sg_dma_len takes 1 argument/);
    expect(error('  struct scatterlist list[2] = sgl;')).toMatch(/a scatterlist is not assigned/); // a pointer is (tests/sg-table-forms.test.ts)
    expect(error('  struct scatterlist *sg;\n  for_each_sg(sgx, sg, n, i) { }')).toMatch(/'sgx' is not a scatterlist of this thread/);
  });
});

describe('for_each_sg() over the count dma_map_sg() returned', () => {
  test('runs up to nents laps whatever --unroll is: the count is at most nents, and no lap is cut', () => {
    const text = `DMA t
{ coherent u32 desc[8]; kmalloc b0[64]; kmalloc b1[64]; kmalloc b2[64]; kmalloc b3[64]; }
cpu c {
  struct scatterlist *sg;
  int i;
  int n;
  desc = dma_alloc_coherent(dev, 32, GFP_KERNEL);
  sg_set_buf(&sgl[0], b0, 64);
  sg_set_buf(&sgl[1], b1, 64);
  sg_set_buf(&sgl[2], b2, 64);
  sg_set_buf(&sgl[3], b3, 64);
  n = dma_map_sg(dev, sgl, 4, DMA_TO_DEVICE);
  for_each_sg(sgl, sg, n, i) {
    desc[i] = lower_32_bits(sg_dma_address(sg));
  }
}
`;
    const paths = expandPaths(prog(text), 2);
    expect(paths.map((p) => p.threads[0].cut)).not.toContain(true);
    // one path per count the kernel can return, 0 to 4: the longest stores all four segments
    expect(paths.length).toBe(5);
    expect(Math.max(...paths.map((p) => p.program.actors[0].ops.filter((o) => o.op === 'store').length))).toBe(4);
  });
});

describe('a merged segment of pages apart in memory', () => {
  /** Two page entries with another page between them: behind an SMMU one IOVA segment, in memory not side by side. */
  const gapped = (sync: boolean) => `DMA merged-gap
platform { iommu = strict; }
struct desc { __le32 len; __le32 addr; };
{ coherent struct desc tbl[2]; page pg0[4096]; page other[4096]; page pg1[4096]; mmio GO; mmio DONE; }
cpu host {
  struct scatterlist *sg;
  int i;
  int n;
  tbl = dma_alloc_coherent(dev, 16, GFP_KERNEL);
  sg_set_buf(&sgl[0], pg0, 4096);
  sg_set_buf(&sgl[1], pg1, 4096);
  n = dma_map_sg(dev, sgl, 2, DMA_FROM_DEVICE);
  if (n == 0) return -ENOMEM;
  for_each_sg(sgl, sg, n, i) {
    tbl[i].addr = cpu_to_le32(sg_dma_address(sg));
    tbl[i].len = cpu_to_le32(sg_dma_len(sg));
  }
  writel(n, GO);
  while (!(readl(DONE) & 1)) cpu_relax();
${sync ? '  dma_sync_sg_for_cpu(dev, sgl, 2, DMA_FROM_DEVICE);\n' : ''}  r0 = *(u32 *)(pg1 + 64);
}
device dma {
  wait_doorbell(GO, 1);
  a = le32_to_cpu(tbl[0].addr);
  dma_write(a + 4096 + 64, 4, 0x33);
  set_reg(DONE, 1);
}
`;
  const verdict = (text: string) => {
    const p = prog(text);
    return checkPaths(compilePaths(p, makePlatform(p.platform))).verdict;
  };

  test('the device writes the second page through segment 0: on the ideal platform too (ok), and without the sync a bug', () => {
    expect(verdict(gapped(true))).toBe('ok');
    expect(verdict(gapped(false))).toBe('bug');
  });
});

describe('for_each_sgtable_dma_sg(sgt, sg, i)', () => {
  const sgtable = (sync: boolean, keepRet: boolean) => `DMA sgtable-adma
struct adma_desc { __le16 cmd; __le16 len; __le32 addr; };
{ coherent struct adma_desc tbl[2]; kmalloc u8 b0[512]; kmalloc u8 b1[512]; mmio GO; mmio STS; }
cpu host {
  struct scatterlist *sg;
  int i;
  int ret;
  tbl = dma_alloc_coherent(dev, sizeof(struct adma_desc) * 2, GFP_KERNEL);
  sg_set_buf(&sgt[0], b0, 512);
  sg_set_buf(&sgt[1], b1, 512);
${keepRet ? '  ret = dma_map_sgtable(dev, sgt, DMA_FROM_DEVICE, 0);\n  if (ret) return ret;' : '  dma_map_sgtable(dev, sgt, DMA_FROM_DEVICE, 0);'}
  for_each_sgtable_dma_sg(sgt, sg, i) {
    tbl[i].addr = cpu_to_le32(lower_32_bits(sg_dma_address(sg)));
    tbl[i].len = cpu_to_le16(sg_dma_len(sg));
  }
  writel(1, GO);
  while (!(readl(STS) & 1)) cpu_relax();
${sync ? '  dma_sync_sgtable_for_cpu(dev, sgt, DMA_FROM_DEVICE);\n' : ''}  r0 = *(u32 *)b1;
}
device mmc {
  wait_doorbell(GO, 1);
  a = le32_to_cpu(tbl[1].addr);
  dma_write(a, 512, 0x22);
  set_reg(STS, 1);
}
`;
  const verdict = (text: string) => {
    const p = prog(text);
    return checkPaths(compilePaths(p, makePlatform(p.platform))).verdict;
  };

  test('walks the segments dma_map_sgtable() mapped (sgt->nents), whether or not the driver keeps its return value', () => {
    expect(verdict(sgtable(true, true))).toBe('ok');
    expect(verdict(sgtable(true, false))).toBe('ok');
    expect(verdict(sgtable(false, true))).toBe('bug');
  });

  test('printed and parsed back, the same program', () => {
    const p = prog(sgtable(true, false));
    expect(prog(printLitmus(p))).toEqual(p);
  });
});
