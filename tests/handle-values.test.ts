// Handles are handles at every width and across bounce slots (src/exec/handle-fields.ts,
// src/kernel/dma-api.ts Mapping.id): a 32-bit descriptor address field read back by the device
// is that handle in both runs; an address truncated by the field is a bug that says so; each
// map into a handle variable is its own mapping; a reused swiotlb slot is its live mapping's.

import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { compilePaths } from '../src/exec/compile.js';
import { HandleFields } from '../src/exec/handle-fields.js';
import { checkContract } from '../src/check/explore-contract.js';
import { DmaKernel } from '../src/kernel/dma-api.js';
import { layoutProgram } from '../src/kernel/layout.js';
import { parseLitmus } from '../src/litmus/parse.js';
import { checkAllPaths } from '../src/oracle/check.js';
import { Cache } from '../src/platform/cache.js';
import { Memory } from '../src/platform/memory.js';
import { makePlatform, type PlatformConfig } from '../src/platform/platform.js';

const scenario = (path: string) => parseLitmus(readFileSync(new URL(`../scenarios/${path}`, import.meta.url), 'utf8')).program;
const check = (path: string, platform?: Partial<PlatformConfig>) => {
  const p = scenario(path);
  return checkAllPaths(compilePaths(p, makePlatform({ ...p.platform, ...platform }))[0]);
};

describe('a handle in a 32-bit descriptor field (FEC cbd_bufaddr)', () => {
  test('swiotlb=force and RAM above 4 GiB with a 32-bit mask: ok, the field reads back as h', () => {
    expect(check('drivers/fec-tx-bufaddr-u32-swiotlb.litmus').verdict).toBe('ok');
    expect(check('drivers/fec-tx-bufaddr-u32-highram.litmus').verdict).toBe('ok');
    // Both at once, and on an older kernel: still the same handle.
    expect(check('drivers/fec-tx-bufaddr-u32-highram.litmus', { swiotlb: 'force', kernel: '5.15' }).verdict).toBe('ok');
  });

  test('a 64-bit mask above 4 GiB: the device is given a truncated address, and the report says so', () => {
    const r = check('drivers/fec-tx-bufaddr-u32-mask64.litmus');
    expect(r.verdict).toBe('bug');
    const diff = r.counterexample!.result.diff;
    expect(diff[0].model).toBe('h truncated to 32 bits: the device was given a truncated address, 0x00001000 instead of 0x100001000');
    expect(diff[0].ideal).toBe('h');
    expect(diff.some((d) => d.model.includes('no mapping covers 0x1000'))).toBe(true);
  });

  test('the same 64-bit mask is fine where the address fits: RAM below 4 GiB, or every mapping bounced', () => {
    expect(check('drivers/fec-tx-bufaddr-u32-mask64.litmus', { highRam: false }).verdict).toBe('ok');
    expect(check('drivers/fec-tx-bufaddr-u32-mask64.litmus', { swiotlb: 'force' }).verdict).toBe('ok');
  });
});

describe('a handle in an MMIO address register (an SPI controller given its buffers)', () => {
  test('lower_32_bits() of a bounced handle written with writel() and read back by the device: ok, read as the handle', () => {
    expect(check('drivers/spi-dma-xfer.litmus').verdict).toBe('ok');
    expect(check('drivers/spi-dma-xfer.litmus', { swiotlb: 'force' }).verdict).toBe('ok');
    // The twin that reads rxbuf before the unmap still goes wrong, on the data, not the register.
    const r = check('drivers/spi-dma-xfer-read-before-unmap.litmus');
    expect(r.verdict).toBe('bug');
    expect(r.counterexample!.result.diff.map((d) => [d.model, d.ideal])).toEqual([['0x00', '0x77'], ['0x00', '0x77']]);
  });

  test('the register holds the handle only until something else is written there', () => {
    const text = (second: string) => `DMA reg-overwritten
{ kmalloc u8 buf[64]; mmio ADDR; mmio CTRL; }
cpu cpu0 {
  h = dma_map_single(dev, buf, 32, DMA_FROM_DEVICE);
  writel(lower_32_bits(h), ADDR);
  ${second}
  writel(1, CTRL);
}
device dev { wait_doorbell(CTRL, 1); r = read_reg(ADDR); }
`;
    const run = (second: string) => {
      const p = parseLitmus(text(second)).program;
      return checkAllPaths(compilePaths(p, makePlatform(p.platform))[0]);
    };
    expect(run('').verdict).toBe('ok');
    // 0x1040 is buf's own address: the bounce slot's differs, so a plain number would differ too.
    expect(run('writel(0x1040, ADDR);').verdict).toBe('ok');
    // Past the 32 mapped bytes: a number, not an address in h.
    const overwritten = run('writel(h, ADDR);\n  writel(lower_32_bits(h) + 64, ADDR);');
    expect(overwritten.verdict).toBe('bug');
    expect(overwritten.counterexample!.result.diff[0].model).not.toMatch(/h/);
  });

  test('lower_32_bits(h) + off, an offset into the mapping (8250_dma: tx_addr + xmit->tail): lower_32_bits(h + off) on every platform', () => {
    const text = (addr: string, first = true) => `DMA handle-plus-offset
{ page buf[4096]; mmio SAR; mmio CHEN; }
cpu tx {
  h = dma_map_single(dev, buf, 4096, DMA_TO_DEVICE);
  if (dma_mapping_error(dev, h)) return;
  ${first ? `writel(${addr}, SAR);
  writel(1, CHEN);` : `writel(1, CHEN);
  writel(${addr}, SAR);`}
}
device dmac { wait_doorbell(CHEN, 1); t = read_reg(SAR); x = dma_read(t, 4); }
`;
    const run = (t: string, platform: Partial<PlatformConfig>) => {
      const p = parseLitmus(t).program;
      return checkAllPaths(compilePaths(p, makePlatform({ ...p.platform, ...platform }))[0]);
    };
    // Where the bus address is not the physical one, the two runs hold different numbers there.
    for (const platform of [{}, { iommu: 'strict' }, { swiotlb: 'force' }, { highRam: true }] as Partial<PlatformConfig>[]) {
      for (const addr of ['lower_32_bits(h) + 16', '(u32)h + 16', 'lower_32_bits(h + 16)']) {
        expect(run(text(addr), platform).verdict, `${addr} on ${JSON.stringify(platform)}`).toBe('ok');
      }
    }
    // The doorbell before the address: the device can read the register before it holds h + 16,
    // and behind an SMMU its read of that address faults.
    expect(run(text('lower_32_bits(h) + 16', false), { iommu: 'strict' }).verdict).toBe('bug');
  });
});

describe('a handle variable is a register, not the mapping', () => {
  test('mapping again into h leaves the first mapping live: h, then h#2', () => {
    const platform = makePlatform();
    const layout = layoutProgram({ name: 't', buffers: [{ name: 'a', kind: 'kmalloc', size: 128 }, { name: 'b', kind: 'kmalloc', size: 128 }], registers: [], actors: [] }, platform);
    const memory = new Memory();
    const k = new DmaKernel(platform, new Cache(64, memory), layout);
    const first = k.map('h', 'single', layout.buffers.get('a')!.addr, 128, 'DMA_TO_DEVICE', false);
    const second = k.map('h', 'single', layout.buffers.get('b')!.addr, 128, 'DMA_TO_DEVICE', false);
    expect([first.id, second.id]).toEqual(['h', 'h#2']);
    k.unmap('h', 128, 'DMA_TO_DEVICE', false); // unmaps what h holds now: the second
    expect(k.all.get('h')!.released).toBeUndefined();
    expect(k.all.get('h#2')!.released).toBe(true);
  });

  test('an XDP TX batch mapping frame after frame into h: ok, no device access outside a mapping', () => {
    expect(check('drivers/xdp-tx-loop-reuses-handle.litmus').verdict).toBe('ok');
    const p = scenario('drivers/xdp-tx-loop-reuses-handle.litmus');
    const r = checkContract(compilePaths(p, makePlatform(p.platform))[0]);
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  test('on a dma-coherent device, where the second map is no cache-maintenance fence, desc[0] still gets the first h (src/exec/compile.ts orderDependencies: write-after-read)', () => {
    // dma_direct_map_page() skips arch_sync_dma_for_device() for a coherent device, so the
    // second map may be performed before earlier stores; the store of desc[0].addr was given
    // the first h in program order, and the new map must not change what it stores.
    const coherent = { deviceCoherent: true, declaredCoherent: true };
    expect(check('drivers/xdp-tx-loop-reuses-handle.litmus', coherent).verdict).toBe('ok');
    const p = parseLitmus(`DMA reassign
{ coherent ring[64]; kmalloc frames[256]; mmio DB; }
cpu cpu0 {
  ring = dma_alloc_coherent(dev, 64, GFP_KERNEL);
  h = dma_map_single(dev, frames, 128, DMA_TO_DEVICE);
  *(u64 *)ring = h;
  h = dma_map_single(dev, frames + 128, 128, DMA_TO_DEVICE);
  *(u64 *)(ring + 8) = h;
  writel(1, DB);
}
device nic { wait_doorbell(DB, 1); a = dma_read(ring, 8); b = dma_read(ring + 8, 8); }
`).program;
    const r = checkAllPaths(compilePaths(p, makePlatform(coherent))[0]);
    expect(r.verdict).toBe('ok');
    expect(r.exhaustive).toBe(true);
  });
});

test('a swiotlb slot reused by a later mapping is named by that mapping in both runs', () => {
  expect(check('platforms/swiotlb-slot-reused.litmus').verdict).toBe('ok');
});

test('a 32-bit device under a driver that claims a 64-bit mask: the report names the truncated address', () => {
  const r = check('beginner-dma-mask.litmus');
  expect(r.verdict).toBe('bug');
  expect(r.counterexample!.result.diff.map((d) => d.model)).toContain(
    '(the device was given a truncated address: it drives 32 address bits and reaches 0x1000 instead of h (0x100001000))');
  // The fixed driver's mask makes swiotlb bounce below 4 GiB: nothing is truncated.
  expect(check('beginner-dma-mask-fixed.litmus').verdict).toBe('ok');
});

test('an address split into 32-bit words (h & 0xffffffff, h >> 32): the halves of h in both runs', () => {
  // Pinned: RAM above 4 GiB and swiotlb=force, where both words differ as raw numbers.
  expect(check('drivers/rx-desc-addr-lo-hi.litmus').verdict).toBe('ok');
  expect(check('drivers/rx-desc-addr-lo-hi.litmus', { swiotlb: 'present' }).verdict).toBe('ok');
  expect(check('drivers/rx-desc-addr-lo-hi.litmus', { highRam: false }).verdict).toBe('ok');
});

test('a handle stored big-endian (mlx5\'s dseg->addr = cpu_to_be64(dma)) and read back with be64_to_cpu(): cpu_to_be64(h) in both runs, the device at h', () => {
  const text = ['DMA be64-handle', 'struct data_seg { __be32 byte_count; __be32 lkey; __be64 addr; };', '{ coherent struct data_seg rq[1]; page pg[1024]; mmio DB; }', 'cpu c {',
    '  rq = dma_alloc_coherent(dev, sizeof(rq), GFP_KERNEL);', '  h = dma_map_page(dev, pg, 0, 1024, DMA_FROM_DEVICE);', '  if (dma_mapping_error(dev, h)) return -ENOMEM;',
    '  rq[0].addr = cpu_to_be64(h);', '  writel(1, DB);', '  wait_for_irq(irq);', '  dma_unmap_page(dev, h, 1024, DMA_FROM_DEVICE);', '  r = *(u32 *)pg;', '}',
    'device hca {', '  wait_doorbell(DB, 1);', '  a = be64_to_cpu(rq[0].addr);', '  dma_write(a, 64, 0x5a);', '  raise_irq(irq);', '}', ''].join('\n');
  const p = parseLitmus(text).program;
  // where the bus address and the physical one differ, the swapped bytes differ as raw numbers too
  for (const platform of [{}, { iommu: 'strict' as const }, { swiotlb: 'force' as const }, { highRam: true }]) {
    const r = checkAllPaths(compilePaths(p, makePlatform({ ...p.platform, ...platform }))[0]);
    expect(r.verdict, JSON.stringify(platform)).toBe('ok');
  }
});

describe('a handle\'s bits packed with other fields of the word (ath11k\'s FIELD_PREP(ADDR, upper_32_bits(paddr)) | FIELD_PREP(SW_COOKIE, id))', () => {
  const text = (hiBits: string, mask = 32) => ['DMA packed-handle-bits', '#define ADDR GENMASK(7, 0)', '#define COOKIE GENMASK(28, 8)',
    'struct buf_addr { u32 info0; u32 info1; };', '{ coherent struct buf_addr refill[1]; coherent struct buf_addr dst[1]; kmalloc u8 skb[256]; mmio DB; }', 'cpu c {',
    `  dma_set_mask_and_coherent(dev, DMA_BIT_MASK(${mask}));`, '  refill = dma_alloc_coherent(dev, sizeof(refill), GFP_KERNEL);', '  dst = dma_alloc_coherent(dev, sizeof(dst), GFP_KERNEL);',
    '  p = dma_map_single(dev, skb, 256, DMA_FROM_DEVICE);', '  if (dma_mapping_error(dev, p)) return -ENOMEM;',
    '  refill[0].info0 = lower_32_bits(p);', `  refill[0].info1 = FIELD_PREP(ADDR, ${hiBits}) | FIELD_PREP(COOKIE, 5);`, '  writel(1, DB);',
    '  wait_for_irq(irq);', '  cookie = FIELD_GET(COOKIE, READ_ONCE(dst[0].info1));', '  if (cookie == 5) {', '    dma_unmap_single(dev, p, 256, DMA_FROM_DEVICE);', '    r = *(u32 *)skb;', '  }', '}',
    // the device follows the address and hands the word back as it got it (the REO ring's entry)
    'device wcn {', '  wait_doorbell(DB, 1);', '  lo = refill[0].info0;', '  i1 = refill[0].info1;', '  a = ((u64)FIELD_GET(ADDR, i1) << 32) | lo;', '  dma_write(a, 4, 0x77);',
    '  dst[0].info1 = i1;', '  raise_irq(irq);', '}', ''].join('\n');
  // where the bus address's upper bits differ from the physical one's (RAM above 4 GiB, an SMMU, swiotlb)
  const platforms = [{}, { highRam: true }, { iommu: 'strict' as const }, { swiotlb: 'force' as const }];
  const run = (hiBits: string, platform: Partial<PlatformConfig>, mask = 32) => {
    const p = parseLitmus(text(hiBits, mask)).program;
    return checkAllPaths(compilePaths(p, makePlatform({ ...p.platform, ...platform }))[0]);
  };

  test('read back by the CPU for its cookie: the same word on every platform, its address bits the handle\'s (was: 0x500 against 0x501 above 4 GiB)', () => {
    for (const platform of platforms) expect(run('upper_32_bits(p)', platform).verdict, JSON.stringify(platform)).toBe('ok');
    // a 40-bit device and mask above 4 GiB: no bounce, the upper bits are 1 on arm64 and in the ideal run alike
    expect(run('upper_32_bits(p)', { highRam: true, deviceAddressBits: 40 }, 40).verdict).toBe('ok');
  });

  test('the address bits dropped (upper_32_bits(p) & 0): above 4 GiB the device writes elsewhere, still a bug', () => {
    const r = run('upper_32_bits(p) & 0', { highRam: true, deviceAddressBits: 40 }, 40);
    expect(r.verdict).toBe('bug');
    expect(run('upper_32_bits(p) & 0', {}, 40).verdict).toBe('ok'); // below 4 GiB the upper bits are 0 anyway
  });
});

describe('handle fields are part of a state: the same fields whatever order they were stored in', () => {
  test('four descriptors given their buffers in any order: one fingerprint, and a state search that merges them', () => {
    const h = (off: number) => ({ name: 'h', bus: 0x1000, size: 0x4000, off: BigInt(off) });
    const word = (v: number) => new Uint8Array([v & 0xff, (v >> 8) & 0xff, 0, 0]);
    const store = (f: HandleFields, k: number) => f.store(0x100004 + 8 * k, word(0x1000 + 0x1000 * k), h(0x1000 * k), BigInt(0x1000 + 0x1000 * k), false);
    const inOrder = [0, 1, 2, 3].reduce(store, HandleFields.EMPTY);
    const shuffled = [2, 0, 3, 1].reduce(store, HandleFields.EMPTY);
    expect(shuffled.fingerprint()).toBe(inOrder.fingerprint());
    expect(inOrder.read(0x100004 + 8 * 2, word(0x3000))?.text).toBe('h + 0x2000');
    // An overwrite still drops the field it covers.
    expect(store(inOrder, 1).store(0x100004 + 8, word(0), undefined, 0n, false).read(0x10000c, word(0x2000))).toBeUndefined();
  });
});

test('a buffer mapped twice (a cloned skb on two queues): the device\'s access at the address computed from h0 is charged to h0, not to h1 it shares the bus address with', () => {
  const text = (check1: string) => `DMA two-maps
{ kmalloc u8 data[64] = 0x45; mmio DB; mmio ADDR; }
cpu q0 {
  h0 = dma_map_single(dev, data, 64, DMA_TO_DEVICE);
  if (dma_mapping_error(dev, h0)) return;
  writel(lower_32_bits(h0), ADDR);
  writel(1, DB);
}
cpu q1 {
  h1 = dma_map_single(dev, data, 64, DMA_TO_DEVICE);
  ${check1}
}
device nic { wait_doorbell(DB, 1); a = read_reg(ADDR); x = dma_read(a, 4); }
`;
  const unchecked = (t: string) => {
    const p = parseLitmus(t).program;
    const c = compilePaths(p, makePlatform(p.platform))[0];
    return checkContract(c).findings.filter((f) => f.rule === 'contract/unchecked-mapping-used').map((f) => f.message);
  };
  expect(unchecked(text('if (dma_mapping_error(dev, h1)) return;'))).toEqual([]);
  // h0 unchecked instead: still said, of h0.
  expect(unchecked(text('if (dma_mapping_error(dev, h1)) return;').replace('  if (dma_mapping_error(dev, h0)) return;\n', ''))).toEqual([expect.stringContaining('uses h0')]);
});
