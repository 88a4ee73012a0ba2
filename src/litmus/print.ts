// Print a Program as a DMA litmus test. parseLitmus(printLitmus(p)).program equals p (flags that
// are false print as absent). Op printing is shared with reports, so a counterexample speaks the
// same language as the file it came from.

import { DEFAULT_PLATFORM, type PlatformConfig } from '../platform/platform.js';
import type { Actor, BufRef, BufferDecl, CpuOp, DeviceOp, Program } from '../program/types.js';
import type { Expectation } from './parse.js';
import { valueText } from '../exec/values.js';
import { SKIP_CPU_SYNC, typeName } from './vocabulary.js';

const hex = (n: number) => '0x' + n.toString(16);
/** Values as a driver writes them: 1, 9, 0x5a, 0x11223344, 0x8000000000000000. */
const value = valueText;

/** Names and sizes an op's text depends on: declared buffer sizes and sg table lengths. */
export interface PrintContext {
  bufferSize(name: string): number;
  sgEntries(handle: string): number;
}

export function printContext(p: Program): PrintContext {
  const sizes = new Map(p.buffers.map((b) => [b.name, b.size]));
  const sg = new Map<string, number>();
  for (const a of p.actors) for (const op of a.ops) if (op.op === 'dma_map_sg' && !sg.has(op.handle)) sg.set(op.handle, op.entries.length);
  return { bufferSize: (n) => sizes.get(n) ?? 0, sgEntries: (h) => sg.get(h) ?? 1 };
}

export function printLitmus(p: Program, o: { expect?: Expectation; comment?: string } = {}): string {
  const out: string[] = [`DMA ${p.name}`];
  if (o.comment) out.push(...o.comment.split('\n').map((l) => `// ${l}`.trimEnd()));
  if (o.expect) out.push(`expect ${o.expect}`);
  if (p.platform && Object.values(p.platform).some((v) => v !== undefined)) out.push('', printPlatform(p.platform));
  out.push('', '{');
  for (const b of p.buffers) out.push(`  ${printBuffer(b)}`);
  for (const r of p.registers) out.push(`  mmio ${r};`);
  out.push('}');
  const ctx = printContext(p);
  for (const a of p.actors) out.push('', ...printActor(a, ctx));
  if (p.final?.length) out.push('', `final ${p.final.map((r) => `(${pointer(r.buf, r.off)}, ${r.size})`).join(', ')};`);
  return out.join('\n') + '\n';
}

function printPlatform(pl: Partial<PlatformConfig>): string {
  const parts: string[] = [];
  for (const key of Object.keys(DEFAULT_PLATFORM) as (keyof PlatformConfig)[]) {
    const v = pl[key];
    if (v !== undefined) parts.push(`${key} = ${String(v)};`);
  }
  return `platform { ${parts.join(' ')} }`;
}

function printBuffer(b: BufferDecl): string {
  let s = `${b.in && b.kind === 'kmalloc' ? 'field' : b.kind} ${b.name}[${b.size}]`;
  if (b.in) s += ` in ${b.in.parent}${b.in.offset ? ` + ${b.in.offset}` : ''}`;
  if (b.at !== undefined) s += ` at ${hex(b.at)}`;
  if (b.init !== undefined) s += ` = ${hex(b.init)}`;
  return s + ';';
}

export function printActor(a: Actor, ctx: PrintContext): string[] {
  const regs = { next: 0 };
  const body = a.ops.flatMap((op) => printOp(a.kind, op, ctx, regs).split('\n'));
  return [`${a.kind} ${a.name} {`, ...body.map((l) => `  ${l}`), '}'];
}

/** One op as litmus text (sg maps print their sg_set_buf lines first). `regs` numbers the reads r0, r1, ... */
export function printOp(kind: 'cpu' | 'device', op: CpuOp | DeviceOp, ctx: PrintContext, regs = { next: 0 }): string {
  return kind === 'cpu' ? printCpuOp(op as CpuOp, ctx, regs) : printDeviceOp(op as DeviceOp, regs);
}

/** buf, or buf + 4, as a function argument. */
function pointer(buf: string, off: number): string {
  return off ? `${buf} + ${off}` : buf;
}

/** *(u32 *)buf or *(u32 *)(buf + 4). */
function access(r: BufRef): string {
  return `*(${typeName(r.size)} *)${r.off ? `(${r.buf} + ${r.off})` : r.buf}`;
}

function printCpuOp(op: CpuOp, ctx: PrintContext, regs: { next: number }): string {
  const reg = () => `r${regs.next++}`;
  const attrs = (skip?: boolean) => (skip ? `, ${SKIP_CPU_SYNC}` : '');
  const suffix = (skip?: boolean) => (skip ? '_attrs' : '');
  switch (op.op) {
    case 'store':
      if (op.once) return `WRITE_ONCE(${access(op)}, ${value(op.value)});`;
      return op.size > 8 ? `memset(${pointer(op.buf, op.off)}, ${value(op.value)}, ${op.size});` : `${access(op)} = ${value(op.value)};`;
    case 'load':
      if (op.once) return `${reg()} = READ_ONCE(${access(op)});`;
      return op.size > 8 ? `memcpy(${reg()}, ${pointer(op.buf, op.off)}, ${op.size});` : `${reg()} = ${access(op)};`;
    case 'poll': return `while (READ_ONCE(${access(op)}) != ${value(op.value)}) cpu_relax();`;
    case 'barrier': return `${op.kind}();`;
    case 'writel': return `writel${op.relaxed ? '_relaxed' : ''}(${value(op.value)}, ${op.reg});`;
    case 'readl': return `${reg()} = readl${op.relaxed ? '_relaxed' : ''}(${op.reg});`;
    case 'wait_irq': return `wait_for_irq(${op.irq});`;
    case 'dma_set_mask': return `dma_set_mask${op.coherent ? '_and_coherent' : ''}(dev, DMA_BIT_MASK(${op.bits}));`;
    case 'dma_alloc_coherent': return `${op.buf} = dma_alloc_coherent(dev, ${ctx.bufferSize(op.buf)}, GFP_KERNEL);`;
    case 'dma_free_coherent': return `dma_free_coherent(dev, ${ctx.bufferSize(op.buf)}, ${op.buf});`;
    case 'dma_map':
      return op.api === 'single'
        ? `${op.handle} = dma_map_single${suffix(op.skipCpuSync)}(dev, ${pointer(op.buf, op.off)}, ${op.size}, ${op.dir}${attrs(op.skipCpuSync)});`
        : `${op.handle} = dma_map_page${suffix(op.skipCpuSync)}(dev, ${op.buf}, ${op.off}, ${op.size}, ${op.dir}${attrs(op.skipCpuSync)});`;
    case 'dma_unmap': return `dma_unmap_${op.api}${suffix(op.skipCpuSync)}(dev, ${op.handle}, ${op.size}, ${op.dir}${attrs(op.skipCpuSync)});`;
    case 'dma_map_sg': {
      const sets = op.entries.map((e, k) => `sg_set_buf(&${op.handle}[${k}], ${pointer(e.buf, e.off)}, ${e.size});`);
      return [...sets, `dma_map_sg${suffix(op.skipCpuSync)}(dev, ${op.handle}, ${op.entries.length}, ${op.dir}${attrs(op.skipCpuSync)});`].join('\n');
    }
    case 'dma_unmap_sg': return `dma_unmap_sg${suffix(op.skipCpuSync)}(dev, ${op.handle}, ${ctx.sgEntries(op.handle)}, ${op.dir}${attrs(op.skipCpuSync)});`;
    case 'dma_sync':
      if (op.sg) return `dma_sync_sg_for_${op.to}(dev, ${op.handle}, ${ctx.sgEntries(op.handle)}, ${op.dir});`;
      if (op.range) return `dma_sync_single_range_for_${op.to}(dev, ${op.handle}, ${op.off}, ${op.size}, ${op.dir});`;
      return `dma_sync_single_for_${op.to}(dev, ${pointer(op.handle, op.off)}, ${op.size}, ${op.dir});`;
    case 'dma_mapping_error': return `if (dma_mapping_error(dev, ${op.handle})) return -ENOMEM;`;
    default: throw new Error(`printLitmus: '${op.op}' is not printed yet`);
  }
}

function busAddr(op: { handle: string; entry?: number; off: number }): string {
  const h = op.entry === undefined ? op.handle : `${op.handle}[${op.entry}]`;
  return op.off ? `${h} + ${op.off}` : h;
}

function printDeviceOp(op: DeviceOp, regs: { next: number }): string {
  switch (op.op) {
    case 'wait_doorbell': return `wait_doorbell(${op.reg}, ${value(op.value)});`;
    case 'dma_read': return `r${regs.next++} = dma_read(${busAddr(op)}, ${op.size});`;
    case 'dma_write': return `dma_write(${busAddr(op)}, ${op.size}, ${value(op.value)});`;
    case 'dma_poll': return `dma_poll(${busAddr(op)}, ${op.size}, ${value(op.value)});`;
    case 'raise_irq': return `raise_irq(${op.irq});`;
    case 'set_reg': return `set_reg(${op.reg}, ${value(op.value)});`;
    default: throw new Error(`printLitmus: '${op.op}' is not printed yet`);
  }
}
