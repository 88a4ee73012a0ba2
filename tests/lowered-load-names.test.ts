// The registers the parser makes itself (a load lowered out of an expression, a compound
// assignment's old value, a mapping check's result) carry a name from the driver's text, so a
// report never shows a name the driver developer did not write (src/litmus/load-names.ts).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseLitmus } from '../src/litmus/parse.js';
import { walkOps } from '../src/litmus/registers.js';
import type { CpuOp, DeviceOp } from '../src/program/types.js';
import { renderText } from '../src/report/render.js';
import { checkLitmusFile } from '../src/run/check-file.js';

/** NAPI receive without the dma_rmb() between the OWN poll and the length read (Documentation/memory-barriers.txt). */
const RX_LEN_NO_RMB = `DMA rx-len-no-rmb
expect bug

#define DESC_OWN   BIT(31)
#define LEN_MASK   0x3fff

struct rx_desc {
  __le32 ctrl;
  __le32 status;
};

{
  coherent struct rx_desc ring[1];
  mmio RX_TAIL;
}

cpu napi {
  struct rx_desc *desc = &ring[0];
  u32 len;

  ring = dma_alloc_coherent(dev, sizeof(struct rx_desc), GFP_KERNEL);
  desc->ctrl = DESC_OWN;
  writel(1, RX_TAIL);
  while (READ_ONCE(desc->ctrl) & DESC_OWN)
    cpu_relax();
  len = READ_ONCE(desc->status) & LEN_MASK;
}

device nic {
  wait_doorbell(RX_TAIL, 1);
  ring[0].status = 64;
  ring[0].ctrl = 0;
}
`;

const ops = (text: string, actor = 0): (CpuOp | DeviceOp)[] => parseLitmus(text).program.actors[actor].ops;
/** The registers ops assign, nested ones included, in text order. */
const regsOf = (list: (CpuOp | DeviceOp)[]): string[] => {
  const out: string[] = [];
  walkOps(list, (o) => {
    if (o.op === 'readl') { if (o.dst) out.push(o.dst); } else if ('reg' in o && typeof o.reg === 'string' && o.op !== 'writel' && o.op !== 'wait_doorbell') out.push(o.reg);
  });
  return out;
};

describe('lowered loads are named from the driver text', () => {
  test('the counterexample of len = READ_ONCE(desc->status) & LEN_MASK; names the load desc_status, never t0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmafuzz-load-names-'));
    const file = join(dir, 'rx-len-no-rmb.litmus');
    writeFileSync(file, RX_LEN_NO_RMB);
    const o = checkLitmusFile(file);
    if (o.kind !== 'checked') throw new Error(o.message);
    expect(o.verdict).toBe('bug');
    const text = renderText(o);
    expect(text).toContain('napi      desc_status = READ_ONCE(*(u32 *)(ring + 4));   <- performed before');
    expect(text).toContain("culprit: ");
    expect(text).toMatch(/step \d+, napi `desc_status = READ_ONCE/);
    expect(text).not.toMatch(/\bt\d+\b/);
  });

  test('a place, an access, a register, a mapping check, an inlined parameter: each gives its name', () => {
    const text = `DMA names
struct d { __le32 ctrl; __le32 status; };
{ coherent struct d ring[2]; kmalloc u8 buf[64]; mmio STATUS; }
static void own(struct d *p) { p->ctrl |= 0x80000000; }
cpu c {
  ring = dma_alloc_coherent(dev, sizeof(ring), GFP_KERNEL);
  h = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
  if (dma_mapping_error(dev, h)) { x = 1; } else { x = 2; }
  a = READ_ONCE(ring[1].status) + *(u32 *)(buf + 8) + (readl(STATUS) & 1);
  own(&ring[0]);
  if (READ_ONCE(*(u32 *)buf)) x = a;
}
device n {
  v = ring[1].ctrl + 1;
  ring[1].status = v;
}
`;
    expect(regsOf(ops(text))).toEqual(['h_error', 'x', 'x', 'ring_1_status', 'buf_8', 'status_val', 'a', 'own__p', 'p_ctrl', 'p_ctrl_new', 'buf_val', 'x']);
    expect(regsOf(ops(text, 1))).toEqual(['ring_1_ctrl', 'v']);
  });

  test("a name the driver already uses gets a suffix: the fresh name never shadows the driver's", () => {
    const text = `DMA taken
struct d { __le32 ctrl; __le32 status; };
{ coherent struct d ring[1]; }
cpu c {
  ring = dma_alloc_coherent(dev, sizeof(ring), GFP_KERNEL);
  ring_0_status = 5;
  a = READ_ONCE(ring[0].status) + READ_ONCE(ring[0].status) + ring_0_status;
}
`;
    expect(regsOf(ops(text))).toEqual(['ring_0_status', 'ring_0_status_2', 'ring_0_status_3', 'a']);
  });
});
