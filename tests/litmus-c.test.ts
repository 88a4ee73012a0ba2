// The C drivers are written in (issue 18): structs laid out as on arm64, typed buffers, members
// and pointers, #define and the bit macros, assignments as expressions, compound assignments, ?:,
// do/while, switch, local declarations and inlined static functions. Each construct is checked
// against the same test written the old way (byte offsets, registers, if/while), which the
// parser already reads; the printer writes the old way, so print → parse holds for both.

import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, test } from 'vitest';
import { parseLitmus } from '../src/litmus/parse.js';
import { printLitmus } from '../src/litmus/print.js';
import { LitmusError } from '../src/litmus/litmus-error.js';
import { expandPaths } from '../src/exec/paths.js';
import { evaluate } from '../src/program/expr.js';
import type { CpuOp, Program } from '../src/program/types.js';

const prog = (text: string): Program => parseLitmus(text).program;
const cpuOps = (text: string) => prog(text).actors[0].ops as CpuOp[];
/** A test with a struct and a coherent ring of it, the CPU block `body`. */
const ringTest = (decls: string, body: string, device = '') => `DMA t\n${decls}\n{ coherent struct s ring[4]; kmalloc buf[256]; mmio DB; }\ncpu cpu0 {\n  ring = dma_alloc_coherent(dev, sizeof(struct s) * 4, GFP_KERNEL);\n${body}\n}\n${device ? `device d {\n${device}\n}\n` : ''}`;
const same = (a: string, b: string) => expect(prog(a)).toEqual(prog(b));

describe('struct layout as on arm64 (LP64): natural alignment, tail padding, __packed', () => {
  const layout = (decl: string, expr: string) => {
    const op = cpuOps(`DMA t\n${decl}\n{ kmalloc b[64]; }\ncpu c {\n  *(u64 *)b = ${expr};\n}\n`)[0] as Extract<CpuOp, { op: 'store' }>;
    return op.value;
  };
  const cases: [string, string, number][] = [
    ['struct s { __le16 cbd_datlen; __le16 cbd_sc; __le32 cbd_bufaddr; };', 'sizeof(struct s)', 8],          // FEC's struct bufdesc
    ['struct s { __le16 cbd_datlen; __le16 cbd_sc; __le32 cbd_bufaddr; };', 'offsetof(struct s, cbd_bufaddr)', 4],
    ['struct s { u8 a; u32 b; u16 c; };', 'offsetof(struct s, b)', 4],
    ['struct s { u8 a; u32 b; u16 c; };', 'sizeof(struct s)', 12],                                           // tail padding to 4
    ['struct s { u8 a; u32 b; u16 c; } __packed;', 'offsetof(struct s, c)', 5],
    ['struct s { u8 a; u32 b; u16 c; } __packed;', 'sizeof(struct s)', 7],
    ['struct s { u8 a; u32 b; } __attribute__((packed));', 'sizeof(struct s)', 5],
    ['struct s { u8 a; dma_addr_t addr; };', 'offsetof(struct s, addr)', 8],
    ['struct s { u8 a; u8 *p; };', 'sizeof(struct s)', 16],                                                  // pointers are 8 bytes
    ['struct s { u16 a; } __aligned(8);', 'sizeof(struct s)', 8],
    ['struct s { u8 a; unsigned long b; unsigned short c; };', 'offsetof(struct s, c)', 16],
    ['struct d { __le16 a; __le16 b; __le32 c; };\nstruct s { u8 tag; struct d ring[2]; };', 'offsetof(struct s, ring[1].c)', 16],
    ['struct d { __le16 a; __le16 b; __le32 c; };\nstruct s { u8 tag; struct d ring[2]; };', 'sizeof(struct s)', 20],
    ['struct s { __le64 result; __le16 sq_head; __le16 sq_id; __u16 command_id; __le16 status; };', 'offsetof(struct s, status)', 14], // nvme_completion
    ['struct s { __le32 des0; __le32 des1; __le32 des2; __le32 des3; };', 'sizeof(struct s) * 4 + offsetof(struct s, des3)', 76],
  ];
  for (const [decl, expr, want] of cases) test(`${expr} of ${decl}`, () => expect(layout(decl, expr)).toBe(BigInt(want)));
});

describe('struct members, array elements and pointers are accesses at byte offsets', () => {
  const S = 'struct s { __le16 len; __le16 sc; __le32 addr; };';
  test('ring[i].field on the CPU', () => same(
    ringTest(S, '  ring[2].sc = cpu_to_le16(0x8000);\n  r = READ_ONCE(ring[1].addr);\n  x = ring[3].len;'),
    ringTest(S, '  *(u16 *)(ring + 18) = 0x8000;\n  r = READ_ONCE(*(u32 *)(ring + 12));\n  x = *(u16 *)(ring + 24);'),
  ));
  test('a pointer register holds the offset into its buffer; -> and + 1 step by the struct', () => same(
    ringTest(S, '  struct s *bdp = &ring[1];\n  bdp->sc = 1;\n  bdp = bdp + 1;\n  bdp++;\n  v = bdp->addr;'),
    ringTest(S, '  bdp = 8;\n  *(u16 *)(ring + bdp + 2) = 1;\n  bdp = bdp + 8;\n  bdp = bdp + 8;\n  v = *(u32 *)(ring + (bdp + 4));'),
  ));
  test('pointer comparison and difference compare offsets', () => same(
    ringTest(S, '  struct s *bdp = &ring[0];\n  if (bdp == &ring[3]) bdp = &ring[0];\n  i = bdp - &ring[0];'),
    ringTest(S, '  bdp = 0;\n  if (bdp == 24) bdp = 0;\n  i = bdp - 0 >> 3;'),
  ));
  test('a computed index', () => same(
    ringTest(S, '  for (i = 0; i < 4; i++) ring[i].sc = 0x8000;'),
    ringTest(S, '  for (i = 0; i < 4; i++) *(u16 *)(ring + (0 + i * 8 + 2)) = 0x8000;'),
  ));
  test('the device: a field through the coherent handle, and handle + offsetof', () => same(
    ringTest(S, '', '  ring[1].sc = 0x8000;\n  a = ring[1].addr;\n  dma_write(ring + offsetof(struct s, len), 2, 64);\n  dma_write(&ring[2].len, sizeof(u16), 1);'),
    ringTest(S, '', '  dma_write(ring + 10, 2, 0x8000);\n  a = dma_read(ring + 12, 4);\n  dma_write(ring, 2, 64);\n  dma_write(ring + 16, 2, 1);'),
  ));
  test('typed scalar arrays and a single struct object', () => same(
    'DMA t\nstruct p { u32 flags; u8 mac[6]; };\n{ kmalloc u32 words[4]; kmalloc struct p priv; }\ncpu c {\n  words[3] = 1;\n  priv->mac[5] = 2;\n  r = sizeof(priv->mac);\n}\n',
    'DMA t\n{ kmalloc words[16]; kmalloc priv[12]; }\ncpu c {\n  *(u32 *)(words + 12) = 1;\n  *(u8 *)(priv + 9) = 2;\n  r = 6;\n}\n',
  ));
  test('a single struct object takes . as well as ->', () => same(
    'DMA t\nstruct p { u32 flags; u8 mac[6]; };\n{ kmalloc struct p priv; }\ncpu c {\n  priv.flags = 1;\n  x = priv.mac[2];\n}\n',
    'DMA t\nstruct p { u32 flags; u8 mac[6]; };\n{ kmalloc struct p priv; }\ncpu c {\n  priv->flags = 1;\n  x = priv->mac[2];\n}\n',
  ));
  test('an array of buffers: u8 bufs[2][128] is one allocation, bufs[1] its second buffer', () => same(
    'DMA t\n{ kmalloc u8 bufs[2][128]; }\ncpu c {\n  h = dma_map_single(dev, bufs[1], sizeof(bufs[1]), DMA_FROM_DEVICE);\n  dma_unmap_single(dev, h, 128, DMA_FROM_DEVICE);\n  x = bufs[1][4];\n}\n',
    'DMA t\n{ kmalloc bufs[256]; }\ncpu c {\n  h = dma_map_single(dev, bufs + 128, 128, DMA_FROM_DEVICE);\n  dma_unmap_single(dev, h, 128, DMA_FROM_DEVICE);\n  x = *(u8 *)(bufs + 132);\n}\n',
  ));
  test('field declarations take arithmetic, offsetof and #defines', () => same(
    'DMA t\n#define HDR 4\nstruct s { u32 a; u32 b; };\n{ kmalloc buf[64]; field b1[4] in buf + 2 * HDR + offsetof(struct s, b); }\ncpu c {\n  r = *(u32 *)b1;\n}\n',
    'DMA t\n{ kmalloc buf[64]; field b1[4] in buf + 12; }\ncpu c {\n  r = *(u32 *)b1;\n}\n',
  ));
});

describe('expressions and statements of driver C', () => {
  const T = (body: string, decls = '') => `DMA t\n${decls}\n{ kmalloc buf[64]; mmio DB; }\ncpu c {\n${body}\n}\n`;
  test('an assignment inside a loop condition is done on every lap, before the test', () => same(
    T('  while (!((st = READ_ONCE(*(u16 *)buf)) & 0x8000)) {\n    x = st;\n  }'),
    T('  while (1) {\n    st = READ_ONCE(*(u16 *)buf);\n    if (st & 0x8000) break;\n    x = st;\n  }'),
  ));
  test('a wait loop that keeps the value it polled is the same loop written with a body', () => same(
    T('  while (!((st = READ_ONCE(*(u16 *)buf)) & 0x8000))\n    cpu_relax();\n  x = st;'),
    T('  while (!((st = READ_ONCE(*(u16 *)buf)) & 0x8000)) {\n  }\n  x = st;'),
  ));
  test('a wait on an MMIO status register (readl in the condition) polls it on every lap, as with a body', () => {
    const [loop] = cpuOps(T('  while (!(readl(DB) & 1))\n    cpu_relax();'));
    const [written] = cpuOps(T('  while (1) {\n    st = readl(DB);\n    if (st & 1) break;\n  }'));
    // the same loop but for the fresh register's name
    const dst = (loop as { body: CpuOp[] }).body[0] as Extract<CpuOp, { op: 'readl' }>;
    expect(dst).toMatchObject({ op: 'readl', reg: 'DB' });
    const text = (x: unknown) => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    expect(text(loop).replaceAll(`"${dst.dst}"`, '"st"')).toBe(text(written));
    // readl_relaxed too, and in an if condition
    const [, relaxedIf] = cpuOps(T('  if (readl_relaxed(DB) & 1)\n    x = 1;'));
    expect(relaxedIf).toMatchObject({ op: 'if' });
    expect(cpuOps(T('  if (readl_relaxed(DB) & 1)\n    x = 1;'))[0]).toMatchObject({ op: 'readl', reg: 'DB', relaxed: true });
  });
  test('return; and return EXPR; end a cpu thread on their path', () => same(
    T('  r = READ_ONCE(*(u32 *)buf);\n  if (!(r & 1))\n    return 0;\n  x = 1;\n  return x;'),
    T('  r = READ_ONCE(*(u32 *)buf);\n  if (!(r & 1)) {\n    return;\n  }\n  x = 1;\n  return;'),
  ));
  test('if (unlikely(dma_mapping_error(...))) is the mapping check', () => same(
    T('  h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);\n  if (unlikely(dma_mapping_error(dev, h)))\n    return -ENOMEM;\n  writel(1, DB);'),
    T('  h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);\n  if (dma_mapping_error(dev, h)) return -ENOMEM;\n  writel(1, DB);'),
  ));
  test('the struct device is written as the driver writes it: &pdev->dev, priv->dev, ndev->dev.parent', () => {
    const rx = (dev: string) => T(`  h = dma_map_single(${dev}, buf, 64, DMA_FROM_DEVICE);\n  if (dma_mapping_error(${dev}, h))\n    return -ENOMEM;\n  dma_sync_single_for_cpu(${dev}, h, 64, DMA_FROM_DEVICE);\n  dma_unmap_single(${dev}, h, 64, DMA_FROM_DEVICE);`);
    for (const dev of ['&pdev->dev', 'priv->dev', 'ndev->dev.parent', 'kdev', 'to_dev(priv, 0)', '&priv->pdev[1]->dev']) same(rx(dev), rx('dev'));
    same(T('  pool = dma_pool_create("cmds", &pdev->dev, 64, 64, 0);'), T('  pool = dma_pool_create("cmds", dev, 64, 64, 0);'));
    // The local a driver keeps it in, declared and initialized as drivers do.
    same(T('  struct device *dev = &pdev->dev;\n  struct platform_device *pdev2 = to_platform_device(dev);\n  h = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);'), T('  h = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);'));
  });
  test('printing is dropped, whatever its arguments: a driver\'s error path reads as written', () => same(
    T('  h = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);\n  if (dma_mapping_error(dev, h)) {\n    netdev_err(ndev, "rx map failed (%d)\\n", skb->len);\n    return -ENOMEM;\n  }\n  dev_dbg(&pdev->dev, "mapped %pad\\n", &h);\n  writel(1, DB);'),
    T('  h = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);\n  if (dma_mapping_error(dev, h)) {\n    return -ENOMEM;\n  }\n  writel(1, DB);'),
  ));
  test('a declaration initialized by a load reads first, then assigns (u32 st = READ_ONCE(...))', () => same(
    T('  u64 st = READ_ONCE(*(u32 *)buf) & 0xff;\n  u64 len = le16_to_cpu(READ_ONCE(*(u16 *)(buf + 4))) + 1;'),
    T('  st = READ_ONCE(*(u32 *)buf) & 0xff;\n  len = le16_to_cpu(READ_ONCE(*(u16 *)(buf + 4))) + 1;'),
  ));
  test('a mapping of a length in a local (len = ETH_ZLEN + 4): the constant it is on each path', () => {
    const text = (len: string) => T(`  unsigned int len = ${len};\n  h = dma_map_single(dev, buf + 8, len, DMA_TO_DEVICE);\n  dma_unmap_single(dev, h, len, DMA_TO_DEVICE);`, '#define ETH_ZLEN 40');
    const mapOf = (t: string) => expandPaths(prog(t))[0].program.actors[0].ops.find((o) => o.op === 'dma_map');
    expect(mapOf(text('ETH_ZLEN + 4'))).toEqual(mapOf(T('  h = dma_map_single(dev, buf + 8, 44, DMA_TO_DEVICE);')));
    expect(prog(printLitmus(prog(text('ETH_ZLEN + 4'))))).toEqual(prog(text('ETH_ZLEN + 4')));
    expect(() => mapOf(text('57'))).toThrow(/size 57 on this path: a mapping is 1 to the 56 bytes from the pointer to the end of 'buf'/);
    expect(() => mapOf(text('READ_ONCE(*(u32 *)buf)'))).toThrow(/the size of this mapping depends on a value read on this path/);
  });
  test('memcpy and memset take a length computed from registers: at most the rest of the buffer, folded on a path where it is constant', () => {
    const text = T('  n = READ_ONCE(*(u32 *)buf);\n  memcpy(r, buf + 8, n);\n  memset(buf + n, 0x11, 16 - n);\n  k = 4;\n  memcpy(q, buf, k + 1);');
    const ops = cpuOps(text);
    const [copy, fill] = ops.filter((o) => o.op === 'load' || o.op === 'store').slice(1) as Extract<CpuOp, { op: 'load' | 'store' }>[];
    expect(copy).toMatchObject({ op: 'load', buf: 'buf', off: 8, size: 56, sizeExpr: { k: 'reg', name: 'n' } });
    expect(fill).toMatchObject({ op: 'store', buf: 'buf', off: 0, size: 64, value: 0x11n, offExpr: { k: 'reg', name: 'n' } });
    expect(prog(printLitmus(prog(text)))).toEqual(prog(text));
    const [path] = expandPaths(prog(text));
    const loads = path.program.actors[0].ops.filter((o) => o.op === 'load') as Extract<CpuOp, { op: 'load' }>[];
    expect(loads[1].sizeExpr).toEqual({ k: 'read', op: 0, name: 'n' }); // decided when performed
    expect(loads[2]).toMatchObject({ size: 5 });
    expect(loads[2].sizeExpr).toBeUndefined();
  });
  test('compound assignments, to registers and to memory', () => same(
    T('  s = 0x0f0f;\n  s ^= 0x0800;\n  s &= 0xff;\n  s |= 0x100;\n  s <<= 2;\n  s >>= 1;\n  s *= 3;\n  s -= 1;\n  s += 4;\n  *(u32 *)buf |= 0x80000000;'),
    T('  s = 0x0f0f;\n  s = s ^ 0x0800;\n  s = s & 0xff;\n  s = s | 0x100;\n  s = s << 2;\n  s = s >> 1;\n  s = s * 3;\n  s = s - 1;\n  s = s + 4;\n  buf_val = *(u32 *)buf;\n  buf_val_new = buf_val | 0x80000000;\n  *(u32 *)buf = buf_val_new;'),
  ));
  test('?: with pure arms is one expression; with a load in an arm it is an if', () => {
    same(T('  a = 1;\n  b = a ? 5 : 6;'), T('  a = 1;\n  b = !!a * 5 + !a * 6;'));
    same(T('  a = 1;\n  b = a ? READ_ONCE(*(u32 *)buf) : 0;'), T('  a = 1;\n  if (a) {\n    buf_val = READ_ONCE(*(u32 *)buf);\n    val = buf_val;\n  } else {\n    val = 0;\n  }\n  b = val;'));
  });
  test('do { } while runs the body first', () => same(
    T('  i = 0;\n  do {\n    i++;\n  } while (READ_ONCE(*(u32 *)buf) != 1);'),
    T('  i = 0;\n  while (1) {\n    i++;\n    buf_val = READ_ONCE(*(u32 *)buf);\n    if (!(buf_val != 1)) break;\n  }'),
  ));
  test('switch on a read value is an if/else chain; cases without statements share the next', () => same(
    T('  s = READ_ONCE(*(u32 *)buf);\n  switch (s & 3) {\n  case 0:\n  case 1:\n    x = 1;\n    break;\n  case 2:\n    x = 2;\n    break;\n  default:\n    x = 3;\n  }'),
    T('  s = READ_ONCE(*(u32 *)buf);\n  if (s & 3 == 0 || s & 3 == 1) x = 1;\n  else if (s & 3 == 2) x = 2;\n  else x = 3;').replace(/s & 3 ==/g, '(s & 3) =='),
  ));
  test('#define, function-like macros, BIT, GENMASK, FIELD_GET, FIELD_PREP, lower/upper_32_bits', () => same(
    T('  a = BIT(15) | OWN;\n  b = GENMASK(13, 0);\n  c = FIELD_PREP(GENMASK(7, 4), 3);\n  r = READ_ONCE(*(u32 *)buf);\n  d = FIELD_GET(GENMASK(13, 0), r);\n  e = LEN(r);\n  f = upper_32_bits(0x1122334455667788) + lower_32_bits(r);',
      '#define OWN BIT(31)\n#define LEN(x) ((x) & 0x3fff)'),
    T('  a = 0x80008000;\n  b = 0x3fff;\n  c = 0x30;\n  r = READ_ONCE(*(u32 *)buf);\n  d = (r & 0x3fff) >> 0;\n  e = r & 0x3fff;\n  f = 0x11223344 + (r & 0xffffffff);'),
  ));
  test('le*_to_cpu are the identity; be*_to_cpu and cpu_to_be* swap bytes, constant or computed', () => {
    const ops = cpuOps(T('  a = be16_to_cpu(0x1234);\n  b = cpu_to_be32(0x11223344);\n  r = READ_ONCE(*(u32 *)buf);\n  c = be32_to_cpu(r);\n  d = le32_to_cpu(r);'));
    const lets = ops.filter((o): o is Extract<CpuOp, { op: 'let' }> => o.op === 'let');
    expect(lets[0].value).toEqual({ k: 'num', v: 0x3412n });
    expect(lets[1].value).toEqual({ k: 'num', v: 0x44332211n });
    expect(evaluate(lets[2].value, () => 0xaabbccddn)).toBe(0xddccbbaan);
    expect(lets[3].value).toEqual({ k: 'reg', name: 'r' });
  });
  test('a declared unsigned local keeps its low bytes; a load of its width goes straight into it', () => same(
    T('  u16 st;\n  u8 n = 0x1ff;\n  st = READ_ONCE(*(u16 *)buf);\n  unsigned short m = st + 1;\n  int k = 5;'),
    T('  n = 0xff;\n  st = READ_ONCE(*(u16 *)buf);\n  m = st + 1 & 0xffff;\n  k = 5;'),
  ));
  test('likely()/unlikely(), true/false, ++i; as a statement', () => same(
    T('  i = 0;\n  ++i;\n  --i;\n  bool b = true;\n  if (unlikely(i == 0) && likely(b)) x = false;'),
    T('  i = 0;\n  i++;\n  i--;\n  b = 1 & 0xff;\n  if (i == 0 && b) x = 0;').replace('b = 1 & 0xff', 'b = 1'),
  ));
  test('for (int i = 0; ...) declares its register', () => same(
    T('  for (int i = 0; i < 2; i++) *(u32 *)(buf + 4 * i) = 1;'),
    T('  for (i = 0; i < 2; i++) *(u32 *)(buf + 4 * i) = 1;'),
  ));
  test('a declared width also cuts what a call returns', () => same(
    T('  u8 v;\n  v = readl(DB);\n  u16 w;\n  w = READ_ONCE(*(u32 *)buf);'),
    T('  v = readl(DB);\n  v = v & 0xff;\n  w = READ_ONCE(*(u32 *)buf);\n  w = w & 0xffff;'),
  ));
  test('(u16) casts keep the low bytes', () => same(T('  r = READ_ONCE(*(u32 *)buf);\n  a = (u16)r;'), T('  r = READ_ONCE(*(u32 *)buf);\n  a = r & 0xffff;')));
  test('a static function is inlined: each parameter a register assigned its argument', () => same(
    `DMA t\n{ kmalloc buf[64]; mmio DB; }\nstatic void refill(int slot, u32 v)\n{\n  *(u32 *)(buf + 4 * slot) = v;\n  dma_wmb();\n}\ncpu c {\n  refill(1, 7);\n  refill(2, 8);\n}\n`,
    `DMA t\n{ kmalloc buf[64]; mmio DB; }\ncpu c {\n  refill__slot = 1;\n  refill__v = 7;\n  *(u32 *)(buf + 4 * refill__slot) = refill__v;\n  dma_wmb();\n  refill__slot = 2;\n  refill__v = 8;\n  *(u32 *)(buf + 4 * refill__slot) = refill__v;\n  dma_wmb();\n}\n`,
  ));
  test('#include lines are ignored; a long #define continues with a backslash', () => same(
    T('  a = X;', '#include <linux/dma-mapping.h>\n#define X (1 + \\\n  2)'),
    T('  a = 3;'),
  ));
});

describe('computed sizes', () => {
  const T = (body: string) => `DMA t\n{ kmalloc buf[256]; coherent d[64]; }\ncpu c {\n  d = dma_alloc_coherent(dev, 64, GFP_KERNEL);\n  h = dma_map_single(dev, buf, 256, DMA_FROM_DEVICE);\n${body}\n}\n`;
  const syncSize = (text: string) => expandPaths(prog(text)).map((p) => (p.program.actors[0].ops.find((o) => o.op === 'dma_sync') as { size: number }).size);
  test('a size computed from constants and registers folds on each path', () => {
    expect(syncSize(T('  n = 32 * 2;\n  dma_sync_single_for_cpu(dev, h, n + 4, DMA_FROM_DEVICE);'))).toEqual([68]);
  });
  test('a size read from a descriptor is taken at its bound, the rest of the mapping', () => {
    expect(syncSize(T('  len = READ_ONCE(*(u16 *)d);\n  dma_sync_single_range_for_cpu(dev, h, 64, len, DMA_FROM_DEVICE);'))).toEqual([192]);
  });
  test('the printer writes the expression back', () => {
    const p = prog(T('  len = READ_ONCE(*(u16 *)d);\n  dma_sync_single_for_cpu(dev, h, len & 0x7ff, DMA_FROM_DEVICE);\n  dma_unmap_single(dev, h, len, DMA_FROM_DEVICE);'));
    expect(printLitmus(p)).toContain('dma_sync_single_for_cpu(dev, h, len & 0x7ff, DMA_FROM_DEVICE);');
    expect(prog(printLitmus(p))).toEqual(p);
  });
});

describe('print → parse: the printer writes struct code as byte offsets, and that text reads back the same', () => {
  const TYPES: [string, number][] = [['u8', 1], ['u16', 2], ['__le16', 2], ['__be16', 2], ['u32', 4], ['__le32', 4], ['__be32', 4], ['u64', 8], ['dma_addr_t', 8], ['__le64', 8]];
  const structArb = fc.record({
    members: fc.array(fc.tuple(fc.constantFrom(...TYPES), fc.constantFrom(1, 1, 2)), { minLength: 1, maxLength: 5 }),
    packed: fc.boolean(),
    count: fc.integer({ min: 1, max: 4 }),
    picks: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.bigInt({ min: 0n, max: 0xffn })), { minLength: 1, maxLength: 4 }),
  });
  /** The layout, computed here independently of src/litmus/c-types.ts. */
  const layout = (members: [[string, number], number][], packed: boolean) => {
    let off = 0, align = 1;
    const fields = members.map(([[, size], n], k) => {
      const a = packed ? 1 : size;
      off = Math.ceil(off / a) * a;
      const f = { name: `m${k}`, off, size, n };
      off += size * n;
      align = Math.max(align, a);
      return f;
    });
    return { fields, size: Math.ceil(off / align) * align };
  };
  test('random structs: member syntax = offset syntax, and both survive print → parse', () => {
    fc.assert(fc.property(structArb, ({ members, packed, count, picks }) => {
      const { fields, size } = layout(members, packed);
      const decl = `struct s {\n${members.map(([[t], n], k) => `  ${t} m${k}${n > 1 ? `[${n}]` : ''};`).join('\n')}\n}${packed ? ' __packed' : ''};`;
      const c: string[] = [], o: string[] = [], dc: string[] = [], dof: string[] = [];
      picks.forEach(([fi, ei, v], k) => {
        const f = fields[fi % fields.length];
        const e = ei % count;
        const sub = f.n > 1 ? `[${k % f.n}]` : '';
        const off = e * size + f.off + (f.n > 1 ? (k % f.n) * f.size : 0);
        c.push(`  ring[${e}].${f.name}${sub} = ${v};`, `  r${k} = READ_ONCE(ring[${e}].${f.name}${sub});`);
        o.push(`  *(u${f.size * 8} *)(ring + ${off}) = ${v};`, `  r${k} = READ_ONCE(*(u${f.size * 8} *)(ring + ${off}));`);
        dc.push(`  ring[${e}].${f.name}${sub} = ${v};`);
        dof.push(`  dma_write(ring + ${off}, ${f.size}, ${v});`);
      });
      const text = (cpu: string[], dev: string[], declared: string) =>
        `DMA t\n${decl}\n{ ${declared}; mmio DB; }\ncpu c {\n  ring = dma_alloc_coherent(dev, ${size * count}, GFP_KERNEL);\n${cpu.join('\n')}\n}\ndevice d {\n${dev.join('\n')}\n}\n`;
      const withStructs = prog(text(c, dc, `coherent struct s ring[${count}]`));
      const withOffsets = prog(text(o, dof, `coherent ring[${size * count}]`));
      if (!isDeepStrictEqual(withStructs, withOffsets)) throw new Error(`differ:\n${text(c, dc, `coherent struct s ring[${count}]`)}`);
      return isDeepStrictEqual(prog(printLitmus(withStructs)), withStructs);
    }), { seed: 18, numRuns: 150 });
  });
  for (const f of ['fec-rx-bufdesc', 'fec-rx-bufdesc-no-rmb', 'stmmac-tx-des3-own', 'stmmac-tx-des3-own-no-wmb', 'nvme-cq-completion', 'nvme-cq-completion-no-rmb']) {
    test(`scenarios/drivers/${f}.litmus: parse → print → parse gives the same program`, () => {
      const p = prog(readFileSync(resolve(import.meta.dirname, '..', 'scenarios', 'drivers', `${f}.litmus`), 'utf8'));
      expect(prog(printLitmus(p))).toEqual(p);
    });
  }
  test('the property can fail: a layout without tail padding disagrees with the parser', () => {
    // struct { u32 a; u8 b; } is 8 bytes on arm64; ring[1].a is at 8, not 5.
    expect(isDeepStrictEqual(
      prog('DMA t\nstruct s { u32 a; u8 b; };\n{ coherent struct s ring[2]; }\ncpu c {\n  ring = dma_alloc_coherent(dev, 16, GFP_KERNEL);\n  ring[1].a = 1;\n}\n'),
      prog('DMA t\n{ coherent ring[16]; }\ncpu c {\n  ring = dma_alloc_coherent(dev, 16, GFP_KERNEL);\n  *(u32 *)(ring + 5) = 1;\n}\n'),
    )).toBe(false);
  });
});

describe('bad input in the C syntax: one line at the construct, saying what to write', () => {
  const err = (text: string): string => {
    try {
      parseLitmus(text);
    } catch (e) {
      if (e instanceof LitmusError) return e.format('t.litmus');
      throw e;
    }
    throw new Error('expected an error');
  };
  const S = 'struct s { __le16 len; __le16 sc; };';
  const R = (body: string, decls = S) => ringTest(decls, body);
  const cases: [string, string, string][] = [
    ['an unknown member', R('  ring[0].cs = 1;'), "t.litmus:6:11: struct s has no member 'cs' (did you mean 'sc'?)"],
    ['an unknown struct', 'DMA t\n{ coherent struct bd ring[4]; }\ncpu c { }\n', "t.litmus:2:19: unknown struct 'bd': declare it first, struct bd { u32 field; };"],
    ['-> on a non-pointer', R('  x = 1;\n  y = x->sc;'), "t.litmus:7:10: '->sc' needs a pointer to a struct: assign one first (bdp = &ring[0];)"],
    ['. on a pointer', R('  struct s *p = &ring[0];\n  y = p.sc;'), "t.litmus:7:9: 'p' is a pointer: write p->sc"],
    ['an index past the end', R('  ring[4].sc = 1;'), 't.litmus:6:3: index 4 is past the end of 4 elements'],
    ['a whole struct as a value', R('  x = ring[0];'), "t.litmus:6:7: a whole 'struct s' is not a value: name one of its members (len, sc, ...)"],
    ['a pointer into another buffer', 'DMA t\nstruct s { u32 a; };\n{ coherent struct s r1[2]; coherent struct s r2[2]; }\ncpu c {\n  struct s *p = &r1[0];\n  p = &r2[0];\n}\n', "t.litmus:6:3: 'p' points into 'r1'; a pointer register points into one buffer (use another register for 'r2')"],
    ['a bit-field', 'DMA t\nstruct s { u32 a : 3; };\n{ }\ncpu c { }\n', "t.litmus:2:18: bit-field 'a' is not supported: declare the whole word and use FIELD_GET()/FIELD_PREP()"],
    ['a union', 'DMA t\nstruct s { union { u32 a; }; };\n{ }\ncpu c { }\n', 't.litmus:2:12: unions are not supported: declare the member you use'],
    ['#ifdef', 'DMA t\n#ifdef CONFIG_X\n{ }\ncpu c { }\n', 't.litmus:2:2: #ifdef is not supported: the preprocessor understands #define NAME value and #define NAME(args) value (and ignores #include)'],
    ['a macro with the wrong arity', 'DMA t\n#define F(a, b) (a + b)\n{ }\ncpu c {\n  x = F(1);\n}\n', "t.litmus:5:7: macro 'F' takes 2 arguments, found 1"],
    ['a fallthrough between cases', R('  switch (1) {\n  case 0:\n    x = 1;\n  case 1:\n    x = 2;\n  }'), 't.litmus:9:3: falling through from the case at line 7 into this one is not supported: end that case with break;'],
    ['a break nested in a case', R('  switch (1) {\n  case 1:\n    if (1) break;\n  }'), "t.litmus:8:12: a 'break' nested inside a switch case is not supported: end the case with its break; and use if/else inside it"],
    ['continue in do/while', R('  do {\n    continue;\n  } while (1);'), "t.litmus:7:5: 'continue' in a do { } while loop is not supported: use a while loop, or if/else inside the body"],
    ['a recursive function', 'DMA t\n{ }\nstatic void f(void)\n{\n  f();\n}\ncpu c { }\n', "t.litmus:5:3: 'f' calls 'f': a function calls only functions defined before it (no recursion)"],
    ['return in a function', 'DMA t\n{ }\nstatic void f(void)\n{\n  return;\n}\ncpu c { }\n', "t.litmus:5:3: 'return' in a static function is not supported: let the function end (the format inlines it)"],
    ['a non-void function', 'DMA t\n{ }\nstatic int f(void)\n{\n}\ncpu c { }\n', 't.litmus:3:8: only void static functions are inlined: return results through a register the caller reads after the call'],
    ['a function called with the wrong arity', 'DMA t\n{ }\nstatic void f(int a)\n{\n}\ncpu c {\n  f(1, 2);\n}\n', 't.litmus:7:3: wrong number of arguments: f takes 1, found 2'],
    ['a local array', R('  u32 tmp[4];'), "t.litmus:6:10: a local array 'tmp' is not supported: declare it in the memory block (stack tmp[SIZE];)"],
    ['a pointer cast', R('  x = (struct s *)1;'), 't.litmus:6:7: a pointer cast is not supported: name the buffer, &ring[i], or *(u32 *)(buf + offset)'],
    ['++ inside an expression', R('  i = 0;\n  x = i++;'), "t.litmus:7:8: '++' inside an expression is not supported: write it as its own statement (x++;)"],
    ['an assignment in a for loop\'s condition', R('  for (i = 0; (s = READ_ONCE(ring[0].sc)) & 1; i++) x = 1;'), "t.litmus:6:18: an assignment here is not supported (a wait loop's or a for loop's condition): assign in a statement of its own"],
    ['FIELD_GET with a computed mask', R('  m = 3;\n  x = FIELD_GET(m, 1);'), 't.litmus:7:17: FIELD_GET(): the mask is a nonzero constant (GENMASK(h, l) or BIT(n))'],
    ['a case label that is not constant', R('  s = 1;\n  switch (s) {\n  case s:\n    x = 1;\n  }'), 't.litmus:8:8: a case label is a constant (a number or a #define)'],
    ['a device writing a CPU buffer', ringTest(S, '', '  *(u32 *)buf = 1;'), "t.litmus:9:3: a device accesses memory through a DMA handle, not the buffer 'buf': r = dma_read(h + off, size); or *(u32 *)(h + off)"],
    ['++ before a name inside an expression', R('  i = 0;\n  x = ++i;'), "t.litmus:7:7: '++' inside an expression is not supported: write it as its own statement (++x;)"],
    ['a computed size where only constants go', R('  n = 4;\n  sg_set_buf(&sgl[0], buf, n);'), 't.litmus:7:28: expected a size that is a constant here (numbers, sizeof, #defines and arithmetic fold); a size computed from registers is taken by dma_map_single(), dma_map_page(), dma_sync_*(), dma_unmap_*(), memcpy() and memset()'],
    ['a statement that does nothing', R('  ring[0].sc;'), 't.litmus:6:3: expected a statement (an assignment, a call, a declaration or control flow), found an expression'],
  ];
  for (const [kind, text, want] of cases) test(kind, () => expect(err(text)).toBe(want));
});

describe('token soup of the C syntax', () => {
  // Whatever the order of these tokens, the parser gives a program that prints and parses back
  // to itself, or one LitmusError: never a TypeError, never a stack overflow, never a hang.
  const WORDS = ['struct', 's', 'bd', '{', '}', '(', ')', '[', ']', ';', ',', '.', '->', '?', ':', '=', '&=', '|=', '^=', '<<=', '+=', '*=', '++', '--', '&', '*', '+', '-', '!', '~', '==',
    'do', 'while', 'switch', 'case', 'default', 'break', 'continue', 'if', 'else', 'for', 'return', 'sizeof', 'offsetof', 'BIT', 'GENMASK', 'FIELD_GET', 'FIELD_PREP', 'be16_to_cpu',
    'u16', 'u32', '__le16', 'int', 'unsigned', 'ring', 'p', 'i', 'sc', 'len', 'f', 'X', 'F', '0', '1', '3', '0x8000', 'READ_ONCE', 'h', 'dma_write', '\n#define X 3\n', '\n#define F(a) (a + 1)\n', '\n#', '__packed'];
  const head = 'DMA soup\n#define N 4\nstruct bd { __le16 len; __le16 sc; u32 a[2]; };\n{ coherent struct bd ring[N]; kmalloc buf[64]; mmio DB; }\nstatic void f(struct bd *q, int k)\n{\n  q->sc = k;\n}\ncpu cpu0 {\n ring = dma_alloc_coherent(dev, sizeof(ring), GFP_KERNEL);\n h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);\n struct bd *p = &ring[1];\n i = 1;\n';
  test('a program or one LitmusError', () => {
    let ok = 0;
    fc.assert(fc.property(fc.array(fc.constantFrom(...WORDS), { maxLength: 30 }), fc.array(fc.constantFrom(...WORDS), { maxLength: 15 }), (a, b) => {
      const text = head + a.join(' ') + '\n}\ndevice d {\n' + b.join(' ') + '\n}\n';
      let p: Program;
      try { p = parseLitmus(text).program; ok++; } catch (e) { if (!(e instanceof LitmusError)) throw new Error(`${String(e)}\n${text}`); return; }
      const printed = printLitmus(p);
      let q: Program;
      try { q = parseLitmus(printed).program; } catch (e) { throw new Error(`${String(e)}\n${text}\n---\n${printed}`); }
      if (!isDeepStrictEqual(q, p)) throw new Error(`differs:\n${text}\n---\n${printed}`);
    }), { seed: 18, numRuns: 1500 });
    expect(ok).toBeGreaterThan(10);
  });
});

describe('memcpy', () => {
  test('into DMA memory it is refused with how to write it, never read as a load that drops the stores', () => {
    const mapped = 'DMA t\n{ kmalloc u8 tx[64]; kmalloc u8 src[64]; }\ncpu c {\n  h = dma_map_single(dev, tx, 64, DMA_TO_DEVICE);\n  memcpy(tx, src, 64);\n}\n';
    expect(() => prog(mapped)).toThrow(/memcpy into 'tx', DMA memory, is not modelled \(its bytes would be dropped\): write what it puts there as stores/);
    const coherentDst = 'DMA t\n{ coherent ring[64]; kmalloc u8 src[64]; }\ncpu c {\n  ring = dma_alloc_coherent(dev, 64, GFP_KERNEL);\n  memcpy(ring, src, 64);\n}\n';
    expect(() => prog(coherentDst)).toThrow(/memcpy into 'ring', DMA memory/);
    const readBack = 'DMA t\n{ kmalloc u8 dst[64]; kmalloc u8 src[64]; }\ncpu c {\n  memcpy(dst, src, 64);\n  r = *(u32 *)dst;\n}\n';
    expect(() => prog(readBack)).toThrow(/memcpy into 'dst', memory the test reads back, is not modelled/);
  });

  test('into a CPU-only buffer (copybreak\'s new skb) it is the read of its source', () => {
    const ops = cpuOps('DMA t\n{ kmalloc u8 skb[64]; kmalloc u8 rx[64]; }\ncpu c {\n  memcpy(skb, rx, 16);\n}\n');
    expect(ops).toEqual([{ op: 'load', buf: 'rx', off: 0, size: 16 }]);
  });

  test('into a local it still reads the source (copybreak): one load of those bytes', () => {
    const ops = cpuOps('DMA t\n{ kmalloc u8 src[64]; }\ncpu c {\n  memcpy(frame, src, 16);\n}\n');
    expect(ops).toEqual([{ op: 'load', buf: 'src', off: 0, size: 16 }]);
  });
});
