// The scatterlist forms drivers write around a struct sg_table and sg_next()
// (include/linux/scatterlist.h; kernel/dma/mapping.c dma_map_sgtable()): sgt->sgl is the list,
// sgt->orig_nents the entries set, sgt->nents the mapped count dma_map_sgtable() stores, and
// sg = sg_next(sg) steps a pointer to the next entry (NULL after the last). Each form: ok with the
// sync the CPU needs before reading what the device wrote, a bug without it, and the same
// program as the form the format already read.

import { describe, expect, test } from 'vitest';
import { compilePaths } from '../src/exec/compile.js';
import { LitmusError } from '../src/litmus/litmus-error.js';
import { parseLitmus } from '../src/litmus/parse.js';
import { printLitmus } from '../src/litmus/print.js';
import { checkPaths } from '../src/oracle/check.js';
import { makePlatform } from '../src/platform/platform.js';
import type { Program } from '../src/program/types.js';

const prog = (text: string): Program => parseLitmus(text).program;
const same = (a: string, b: string) => expect(prog(a)).toEqual(prog(b));
const verdict = (text: string) => {
  const p = prog(text);
  return checkPaths(compilePaths(p, makePlatform(p.platform))).verdict;
};
const error = (text: string): string => {
  try {
    prog(text);
  } catch (e) {
    if (e instanceof LitmusError) return `${e.line}:${e.col}: ${e.message}`;
    throw e;
  }
  return 'no error';
};

/**
 * An SD host's ADMA table filled from a two-entry sg table (sdhci_adma_table_pre()-shaped): the
 * device writes the second buffer through the address in tbl[1]; the CPU reads it back after
 * `sync` (empty: the missing dma_sync_*_for_cpu()).
 */
const adma = (map: string, walk: string, sync: string) => `DMA sg-table-form
struct adma_desc { __le16 cmd; __le16 len; __le32 addr; };
{ coherent struct adma_desc tbl[2]; kmalloc u8 b0[512]; kmalloc u8 b1[512]; mmio GO; mmio STS; }
cpu host {
  int i;
  int n;
  tbl = dma_alloc_coherent(dev, sizeof(struct adma_desc) * 2, GFP_KERNEL);
  sg_set_buf(&sgt[0], b0, 512);
  sg_set_buf(&sgt[1], b1, 512);
${map}
${walk}
  writel(1, GO);
  while (!(readl(STS) & 1)) cpu_relax();
${sync}
  r0 = *(u32 *)b1;
}
device mmc {
  wait_doorbell(GO, 1);
  a = le32_to_cpu(tbl[1].addr);
  dma_write(a, 512, 0x22);
  set_reg(STS, 1);
}
`;
const FILL = `    tbl[i].addr = cpu_to_le32(lower_32_bits(sg_dma_address(sg)));
    tbl[i].len = cpu_to_le16(sg_dma_len(sg));`;
const SGTABLE_MAP = '  dma_map_sgtable(dev, sgt, DMA_FROM_DEVICE, 0);';
const SGTABLE_SYNC = '  dma_sync_sgtable_for_cpu(dev, sgt, DMA_FROM_DEVICE);';
const SG_MAP = '  n = dma_map_sg(dev, sgt->sgl, sgt->orig_nents, DMA_FROM_DEVICE);\n  if (!n) return -ENOMEM;';
const SG_SYNC = '  dma_sync_sg_for_cpu(dev, sgt->sgl, sgt->orig_nents, DMA_FROM_DEVICE);';

describe('for_each_sg(sgt->sgl, sg, sgt->nents, i): the segments dma_map_sgtable() mapped', () => {
  const walk = `  struct scatterlist *sg;\n  for_each_sg(sgt->sgl, sg, sgt->nents, i) {\n${FILL}\n  }`;
  test('ok with the sync, a bug without it', () => {
    expect(verdict(adma(SGTABLE_MAP, walk, SGTABLE_SYNC))).toBe('ok');
    expect(verdict(adma(SGTABLE_MAP, walk, ''))).toBe('bug');
  });
  test('the same program as for_each_sgtable_dma_sg(sgt, sg, i)', () => same(
    adma(SGTABLE_MAP, walk, SGTABLE_SYNC),
    adma(SGTABLE_MAP, `  struct scatterlist *sg;\n  for_each_sgtable_dma_sg(sgt, sg, i) {\n${FILL}\n  }`, SGTABLE_SYNC),
  ));
  test('sgt->nents read after ret = dma_map_sgtable(...) is the count the map stored', () => same(
    adma('  int ret = dma_map_sgtable(dev, sgt, DMA_FROM_DEVICE, 0);\n  if (ret) return ret;', walk, SGTABLE_SYNC),
    adma('  int ret = dma_map_sgtable(dev, sgt, DMA_FROM_DEVICE, 0);\n  if (ret) return ret;', `  struct scatterlist *sg;\n  for_each_sgtable_dma_sg(sgt, sg, i) {\n${FILL}\n  }`, SGTABLE_SYNC),
  ));
});

describe('the table declared as drivers declare it', () => {
  const walk = `  struct scatterlist *sg;\n  for_each_sg(sgt->sgl, sg, sgt->nents, i) {\n${FILL}\n  }`;
  test('struct sg_table *sgt; adds nothing; an embedded struct sg_table sgt; reads sgt.sgl and &sgt', () => {
    same(adma(`  struct sg_table *sgt;\n${SGTABLE_MAP}`, walk, SGTABLE_SYNC), adma(SGTABLE_MAP, walk, SGTABLE_SYNC));
    same(adma(`  struct sg_table sgt;\n${SGTABLE_MAP.replace('sgt,', '&sgt,')}`, walk.replace(/sgt->/g, 'sgt.'), SGTABLE_SYNC.replace('sgt,', '&sgt,')), adma(SGTABLE_MAP, walk, SGTABLE_SYNC));
    expect(error(adma('  struct sg_table *t = sgt;', '', ''))).toMatch(/an sg table is not assigned: sg_set_buf\(&t\[i\], buf, size\) fills an entry/);
  });
});

describe('dma_map_sg(dev, sgt->sgl, sgt->orig_nents, dir): the CPU entries of the table', () => {
  const walk = `  struct scatterlist *sg;\n  for_each_sg(sgt->sgl, sg, n, i) {\n${FILL}\n  }`;
  test('ok with dma_sync_sg_for_cpu(dev, sgt->sgl, sgt->orig_nents, dir), a bug without it', () => {
    expect(verdict(adma(SG_MAP, walk, SG_SYNC))).toBe('ok');
    expect(verdict(adma(SG_MAP, walk, ''))).toBe('bug');
  });
  test('the same program as the list and its count written out', () => same(
    adma(SG_MAP, `${walk}\n  dma_unmap_sg(dev, sgt->sgl, sgt->orig_nents, DMA_FROM_DEVICE);`, SG_SYNC),
    adma('  n = dma_map_sg(dev, sgt, 2, DMA_FROM_DEVICE);\n  if (!n) return -ENOMEM;', `  struct scatterlist *sg;\n  for_each_sg(sgt, sg, n, i) {\n${FILL}\n  }\n  dma_unmap_sg(dev, sgt, 2, DMA_FROM_DEVICE);`, '  dma_sync_sg_for_cpu(dev, sgt, 2, DMA_FROM_DEVICE);'),
  ));
  test('sgt->orig_nents as for_each_sg\'s count walks every CPU entry', () => same(
    adma(SGTABLE_MAP, `  struct scatterlist *sg;\n  for_each_sg(sgt->sgl, sg, sgt->orig_nents, i) {\n${FILL}\n  }`, SGTABLE_SYNC),
    adma(SGTABLE_MAP, `  struct scatterlist *sg;\n  for_each_sg(sgt, sg, 2, i) {\n${FILL}\n  }`, SGTABLE_SYNC),
  ));
});

describe('sgt->nents = dma_map_sg(dev, sgt->sgl, sgt->orig_nents, dir): the driver keeps the count in its table', () => {
  const map = '  sgt->nents = dma_map_sg(dev, sgt->sgl, sgt->orig_nents, DMA_FROM_DEVICE);\n  if (!sgt->nents) return -ENOMEM;';
  const walk = `  struct scatterlist *sg;\n  for_each_sg(sgt->sgl, sg, sgt->nents, i) {\n${FILL}\n  }`;
  test('ok with the sync, a bug without it', () => {
    expect(verdict(adma(map, walk, SG_SYNC))).toBe('ok');
    expect(verdict(adma(map, walk, ''))).toBe('bug');
  });
  test('the same program as the count in a register of its own', () => same(
    adma(map, walk, SG_SYNC),
    adma('  sgt_nents = dma_map_sg(dev, sgt, 2, DMA_FROM_DEVICE);\n  if (!sgt_nents) return -ENOMEM;', `  struct scatterlist *sg;\n  for_each_sg(sgt, sg, sgt_nents, i) {\n${FILL}\n  }`, '  dma_sync_sg_for_cpu(dev, sgt, 2, DMA_FROM_DEVICE);'),
  ));
  test('unmap and sync take orig_nents, not the mapped count (Documentation/core-api/dma-api.rst)', () => {
    expect(error(adma(map, walk, '  dma_sync_sg_for_cpu(dev, sgt->sgl, sgt->nents, DMA_FROM_DEVICE);'))).toMatch(/'sgt->nents' is the count dma_map_sg returned: nents must be 2, the count passed to dma_map_sg/);
    expect(error(adma(SGTABLE_MAP, walk, '  dma_unmap_sg(dev, sgt->sgl, sgt->nents, DMA_FROM_DEVICE);'))).toMatch(/'sgt->nents' is the count dma_map_sg returned/);
    expect(error(adma(`  sg_set_buf(&other[0], b0, 64);\n  sgt->nents = dma_map_sg(dev, other, 1, DMA_FROM_DEVICE);`, '', ''))).toMatch(/sgt->nents holds the count of sgt's own mapping/);
  });
});

describe('sg = sg_next(sg): a pointer stepped by hand', () => {
  const counted = `  struct scatterlist *sg = sgt->sgl;\n  for (i = 0; i < sgt->nents; i++) {\n${FILL}\n    sg = sg_next(sg);\n  }`;
  const untilNull = `  struct scatterlist *sg;\n  i = 0;\n  for (sg = sgt->sgl; sg; sg = sg_next(sg)) {\n${FILL}\n    i++;\n  }`;
  const whileLoop = `  struct scatterlist *sg;\n  sg = sgt->sgl;\n  i = 0;\n  while (sg) {\n${FILL}\n    sg = sg_next(sg);\n    i++;\n  }`;

  test('over the mapped count: ok with the sync, a bug without it', () => {
    expect(verdict(adma(SGTABLE_MAP, counted, SGTABLE_SYNC))).toBe('ok');
    expect(verdict(adma(SGTABLE_MAP, counted, ''))).toBe('bug');
  });
  test('until sg_next() gives NULL (for and while): ok with the sync, a bug without it', () => {
    expect(verdict(adma(SG_MAP, untilNull, SG_SYNC))).toBe('ok');
    expect(verdict(adma(SG_MAP, untilNull, ''))).toBe('bug');
    expect(verdict(adma(SG_MAP, whileLoop, SG_SYNC))).toBe('ok');
    expect(verdict(adma(SG_MAP, whileLoop, ''))).toBe('bug');
  });
  test('sg_next() after the last entry is NULL: the loop ends after orig_nents entries, whatever --unroll is', () => {
    const p = prog(adma(SG_MAP, untilNull, SG_SYNC));
    const loop = p.actors[0].ops.find((o) => o.op === 'for');
    expect(loop).toMatchObject({ reg: 'sg', from: { k: 'num', v: 0n }, cond: { k: 'bin', op: '<', l: { k: 'reg', name: 'sg' }, r: { k: 'num', v: 2n } } });
    const stores = (unroll: number) => Math.max(...compilePaths(p, makePlatform(p.platform), unroll).map((c) => c.program.actors[0].ops.filter((o) => o.op === 'store').length));
    expect(stores(6)).toBe(4); // two entries, address and length each, however far loops unroll
  });
  test('the pointer stands for the entry it points at: each path stores what &sgt[i] gives', () => {
    const stores = (text: string) => {
      const p = prog(text);
      return compilePaths(p, makePlatform(p.platform)).map((c) => c.program.actors[0].ops.filter((o) => o.op === 'store'));
    };
    const indexed = `  for (i = 0; i < sgt->nents; i++) {\n${FILL.replace(/\(sg\)/g, '(&sgt[i])')}\n  }`;
    expect(stores(adma(SGTABLE_MAP, counted, SGTABLE_SYNC))).toEqual(stores(adma(SGTABLE_MAP, indexed, SGTABLE_SYNC)));
  });
  test('printed and parsed back, the same program', () => {
    for (const walk of [counted, untilNull, whileLoop]) {
      const p = prog(adma(SG_MAP.replace('sgt->orig_nents', '2'), walk.replace('sgt->nents', 'n'), SG_SYNC));
      expect(prog(printLitmus(p))).toEqual(p);
    }
  });
});

describe('what is refused, in one line', () => {
  test('sgt->nents is dma_map_sgtable()\'s: before it, or after dma_map_sg()', () => {
    expect(error(adma('', '  x = sgt->nents;', ''))).toMatch(/^11:\d+: sgt->nents is set by dma_map_sgtable\(\): map the table first/);
    expect(error(adma(SG_MAP, '  x = sgt->nents;', ''))).toMatch(/sgt->nents is what dma_map_sgtable\(\) stores, and this table was mapped with dma_map_sg\(\): use the count dma_map_sg\(\) returned/);
    expect(error(adma(SGTABLE_MAP, '  x = sgt->length;', ''))).toMatch(/'length' of the sg table 'sgt' is not modelled: struct sg_table has sgl, nents and orig_nents/);
  });
  test('a pointer walks one list; for_each_sg moves its own', () => {
    const two = adma(`${SGTABLE_MAP}\n  sg_set_buf(&other[0], b0, 64);`, '  struct scatterlist *sg = sgt->sgl;\n  sg = other;', '');
    expect(error(two)).toMatch(/'sg' walks 'sgt' \(line 12\); a scatterlist pointer walks one list in a thread/);
    expect(error(adma(SGTABLE_MAP, '  struct scatterlist *sg;\n  for_each_sg(sgt->sgl, sg, sgt->nents, i) {\n    sg = sg_next(sg);\n  }', ''))).toMatch(/for_each_sg moves 'sg' itself/);
    expect(error(adma(SGTABLE_MAP, '  struct scatterlist *sg = b0;', ''))).toMatch(/'b0' is not a scatterlist of this thread/);
    expect(error(adma(SGTABLE_MAP, '  struct scatterlist *sg = sgt->sgl;\n  sg = sg_next(b0);', ''))).toMatch(/sg_next\(\) takes a scatterlist pointer that points at an entry/);
    expect(error(adma(SGTABLE_MAP, '  struct scatterlist *sg = sgt->sgl;\n  sg += 1;', ''))).toMatch(/'sg' is a scatterlist pointer: move it with sg = sg_next\(sg\);/);
    expect(error(adma(SGTABLE_MAP, '  struct scatterlist *sg;\n  x = sg_dma_len(sg);', ''))).toMatch(/^12:18: 'sg' points at no entry yet: assign it first/);
    expect(error(adma(SGTABLE_MAP, '  struct scatterlist *sg;\n  while (sg) { }', ''))).toMatch(/^12:10: 'sg' points at no entry yet/);
  });
});

describe('sg_alloc_table(sgt, nents, GFP_KERNEL) (lib/scatterlist.c): sg_init_table() of a table it allocates, returning 0', () => {
  const text = (alloc: string) => `DMA sgt-alloc
{ kmalloc buf0[256]; kmalloc buf1[256]; mmio START; }
cpu drv {
  struct sg_table *sgt;
  int n;
${alloc}
  sg_set_buf(&sgt[0], buf0, 256);
  sg_set_buf(&sgt[1], buf1, 256);
  n = dma_map_sg(dev, sgt->sgl, sgt->orig_nents, DMA_TO_DEVICE);
  if (!n) return -ENOMEM;
  writel(1, START);
}
device d { wait_write(START); x = dma_read(sgt[1], 4); }
`;
  test('as a statement it is sg_init_table(); assigned, its 0 never takes the error branch', () => {
    same(text('  sg_alloc_table(sgt, 2, GFP_KERNEL);'), text('  sg_init_table(sgt, 2);'));
    expect(verdict(text('  ret = sg_alloc_table(sgt, 2, GFP_KERNEL);\n  if (ret)\n    return ret;'))).toBe('ok');
  });
  test('its three arguments are the kernel\'s', () => {
    expect(error(text('  sg_alloc_table(sgt, 2);'))).toMatch(/sg_alloc_table takes 3 arguments/);
  });
});
