// Print a Program as a DMA litmus test. parseLitmus(printLitmus(p)).program equals p (flags that
// are false print as absent; a load keeps a register only when something reads it, and a load
// without one gets a name the program does not use). Op printing is shared with reports, so a
// counterexample speaks the same language as the file it came from.

import { DEFAULT_PLATFORM, type PlatformConfig } from '../platform/platform.js';
import type { Expr } from '../program/expr.js';
import type { Actor, BufferDecl, CpuOp, DeviceOp, Program, Value } from '../program/types.js';
import type { Expectation } from './parse.js';
import { valueText } from '../exec/values.js';
import { access, exprNames, printExpr, SUM } from './print-expr.js';
import { opExprs, walkOps } from './registers.js';
import { SKIP_CPU_SYNC } from './vocabulary.js';

const hex = (n: number) => '0x' + n.toString(16);
/** Values as a driver writes them: 1, 9, 0x5a, 0x11223344, 0x8000000000000000. */
const value = valueText;

/** Names and sizes an op's text depends on: declared buffer sizes and sg table lengths. */
export interface PrintContext {
  bufferSize(name: string): number;
  sgEntries(handle: string): number;
  /** Every name the program uses: a load printed without a register of its own gets another one. */
  names?: ReadonlySet<string>;
  /** Reports: the name the driver gave a value nothing reads (src/litmus/registers.ts droppedNames), printed instead of a fresh one. */
  nameOf?: (op: CpuOp | DeviceOp) => string | undefined;
}

export function printContext(p: Program): PrintContext {
  const sizes = new Map(p.buffers.map((b) => [b.name, b.size]));
  const sg = new Map<string, number>();
  for (const a of p.actors) walkOps(a.ops, (op) => { if (op.op === 'dma_map_sg' && !sg.has(op.handle)) sg.set(op.handle, op.entries.length); });
  return { bufferSize: (n) => sizes.get(n) ?? 0, sgEntries: (h) => sg.get(h) ?? 1, names: programNames(p) };
}

function programNames(p: Program): Set<string> {
  const out = new Set<string>([...p.buffers.map((b) => b.name), ...p.registers, ...p.actors.map((a) => a.name)]);
  for (const a of p.actors) {
    walkOps(a.ops, (op) => {
      for (const k of ['reg', 'dst', 'handle', 'buf', 'irq'] as const) {
        const v = (op as Partial<Record<typeof k, unknown>>)[k];
        if (typeof v === 'string') out.add(v);
      }
      for (const e of opExprs(op)) exprNames(e, out);
    });
  }
  if (p.condition) exprNames(p.condition.cond, out);
  return out;
}

/**
 * `ctx` and `actors` (each of p.actors as printActor(a, ctx) printed it): what the caller printed
 * already, for a report that shows the actors on their own too.
 */
export function printLitmus(p: Program, o: { expect?: Expectation; comment?: string; ctx?: PrintContext; actors?: readonly (readonly string[])[] } = {}): string {
  const out: string[] = [`DMA ${p.name}`];
  if (o.comment) out.push(...o.comment.split('\n').map((l) => `// ${l}`.trimEnd()));
  if (o.expect) out.push(`expect ${o.expect}`);
  if (p.platform && Object.values(p.platform).some((v) => v !== undefined)) out.push('', printPlatform(p.platform));
  out.push('', '{');
  for (const b of p.buffers) out.push(`  ${printBuffer(b)}`);
  for (const r of p.registers) {
    const d = p.mmio?.[r];
    out.push(`  mmio ${d?.bytes === 8 ? 'u64 ' : ''}${r}${d?.peripheral ? ` @ ${d.peripheral}` : ''};`);
  }
  out.push('}');
  const ctx = o.ctx ?? printContext(p);
  p.actors.forEach((a, i) => out.push('', ...(o.actors?.[i] ?? printActor(a, ctx))));
  if (p.unbind) out.push('', 'unbind;');
  if (p.final?.length) out.push('', `final ${p.final.map((r) => `(${pointer(r.buf, r.off)}, ${r.size})`).join(', ')};`);
  if (p.condition) out.push('', `${p.condition.kind} (${printExpr(p.condition.cond, { cond: true })});`);
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

/** Registers printed for loads that have none: r0, r1, ..., skipping names the program uses. */
type Regs = { next: number };

function freshReg(ctx: PrintContext, regs: Regs): string {
  for (;;) {
    const name = `r${regs.next++}`;
    if (!ctx.names?.has(name)) return name;
  }
}

/** One op as litmus text (sg maps print their sg_set_buf lines first; if, while and for their bodies, indented). */
export function printOp(kind: 'cpu' | 'device', op: CpuOp | DeviceOp, ctx: PrintContext, regs: Regs = { next: 0 }): string {
  const control = printControl(kind, op, ctx, regs);
  if (control !== undefined) return control;
  return kind === 'cpu' ? printCpuOp(op as CpuOp, ctx, regs) : printDeviceOp(op as DeviceOp, ctx, regs);
}

function printControl(kind: 'cpu' | 'device', op: CpuOp | DeviceOp, ctx: PrintContext, regs: Regs): string | undefined {
  const block = (ops: (CpuOp | DeviceOp)[]) => ops.flatMap((o) => printOp(kind, o, ctx, regs).split('\n')).map((l) => `  ${l}`);
  switch (op.op) {
    case 'let': return `${op.reg} = ${printExpr(op.value)};`;
    case 'if': {
      const lines = [`if (${printExpr(op.cond)}) {`, ...block(op.then)];
      if (op.else) lines.push('} else {', ...block(op.else));
      return [...lines, '}'].join('\n');
    }
    case 'while': return [`while (${printExpr(op.cond)}) {`, ...block(op.body), '}'].join('\n');
    case 'for': return [`for (${op.reg} = ${printExpr(op.from)}; ${printExpr(op.cond)}; ${step(op.reg, op.step)}) {`, ...block(op.body), '}'].join('\n');
    case 'break': case 'continue': case 'return': return `${op.op};`;
    // Path programs only (reports): the path goes on where cond holds.
    case 'assume': return `assume(${printExpr(op.cond)});${op.cut ? ' // unroll bound' : ''}`;
    default: return undefined;
  }
}

/** i++, i-- or i = E: the parser reads i++ as i + 1. */
function step(reg: string, e: Expr): string {
  if (e.k === 'bin' && (e.op === '+' || e.op === '-') && e.l.k === 'reg' && e.l.name === reg && e.r.k === 'num' && e.r.v === 1n) return `${reg}${e.op}${e.op}`;
  return `${reg} = ${printExpr(e)}`;
}

/** buf, or buf + 4, as a function argument. */
function pointer(buf: string, off: number): string {
  return off ? `${buf} + ${off}` : buf;
}

/** buf, buf + 4, or buf + 4 + len: a pointer argument whose offset may be computed. */
function computedPointer(op: { buf: string; off: number; offExpr?: Expr }): string {
  return op.offExpr ? `${pointer(op.buf, op.off)} + ${printExpr(op.offExpr, {}, SUM)}` : pointer(op.buf, op.off);
}

/** The value of a store or write: a constant, an expression, or {v0, v1, ...}. */
function stored(op: { value: Value; valueExpr?: Expr; values?: Value[] }): string {
  if (op.values) return `{${op.values.map(value).join(', ')}}`;
  return op.valueExpr ? printExpr(op.valueExpr) : value(op.value);
}

/**
 * while (COND) cpu_relax(); — the parser reads `until` as !COND, and the exact form
 * `READ_ONCE(p) != v` as a poll without `until`, so COND avoids that shape (an acquire poll,
 * `smp_load_acquire(&x) != v`, always has `until`: any shape reads back).
 */
function waitCondition(until: Expr, acquire?: boolean): Expr {
  if (until.k === 'un' && until.op === '!' && !(until.e.k === 'un' && until.e.op === '!')) {
    const c = until.e;
    const exact = c.k === 'bin' && c.op === '!=' && c.l.k === 'polled' && c.r.k === 'num';
    if (!exact || acquire) return c;
  }
  return { k: 'un', op: '!', e: until };
}

function printCpuOp(op: CpuOp, ctx: PrintContext, regs: Regs): string {
  const reg = (r?: string) => r ?? ctx.nameOf?.(op) ?? freshReg(ctx, regs);
  const attrs = (skip?: boolean) => (skip ? `, ${SKIP_CPU_SYNC}` : '');
  const suffix = (skip?: boolean) => (skip ? '_attrs' : '');
  switch (op.op) {
    case 'store':
      if (op.release) return `smp_store_release(&${op.buf}, ${stored(op)});`;
      if (op.once) return `WRITE_ONCE(${access(op)}, ${stored(op)});`;
      if (op.sizeExpr) return `memset(${computedPointer(op)}, ${value(op.value & 0xffn)}, ${printExpr(op.sizeExpr)});`;
      if (op.size > 8 && !op.values && !op.valueExpr && !op.offExpr) return `memset(${pointer(op.buf, op.off)}, ${value(op.value)}, ${op.size});`;
      return `${access(op)} = ${stored(op)};`;
    case 'load':
      if (op.acquire) return `${reg(op.reg)} = smp_load_acquire(&${op.buf});`;
      if (op.once) return `${reg(op.reg)} = READ_ONCE(${access(op)});`;
      if (op.sizeExpr) return `memcpy(${reg(op.reg)}, ${computedPointer(op)}, ${printExpr(op.sizeExpr)});`;
      return op.size > 8 && !op.offExpr ? `memcpy(${reg(op.reg)}, ${pointer(op.buf, op.off)}, ${op.size});` : `${reg(op.reg)} = ${access(op)};`;
    case 'poll': {
      const polled = op.acquire ? `smp_load_acquire(&${op.buf})` : `READ_ONCE(${access(op)})`;
      if (!op.until) return `while (${polled} != ${value(op.value)}) cpu_relax();`;
      return `while (${printExpr(waitCondition(op.until, op.acquire), { polled })}) cpu_relax();`;
    }
    case 'barrier': return `${op.kind}();`;
    case 'writel': return `${mmioName('write', op)}(${op.valueExpr ? printExpr(op.valueExpr) : value(op.value)}, ${op.reg});`;
    case 'readl': return `${reg(op.dst)} = ${mmioName('read', op)}(${op.reg});`;
    case 'rmw':
      if (op.fn === 'spin_lock') return `spin_lock(&${op.buf});`;
      return `${reg(op.reg)} = ${op.fn}(&${op.buf}, ${op.oldExpr ? `${printExpr(op.oldExpr)}, ` : op.old !== undefined ? `${value(op.old)}, ` : ''}${op.valueExpr ? printExpr(op.valueExpr) : value(op.value)});`;
    case 'wait_irq': return `wait_for_irq(${op.irq});`;
    case 'dma_set_mask': return `dma_set_mask${op.coherent ? '_and_coherent' : ''}(dev, DMA_BIT_MASK(${op.bits}));`;
    case 'dma_alloc_coherent':
      if (op.pool) {
        const p = op.pool;
        return `${p.name} = dma_pool_create("${p.name}", dev, ${p.size}, ${p.align}, 0);\n${op.buf} = dma_pool_${p.zero ? 'z' : ''}alloc(${p.name}, GFP_KERNEL, &${op.buf});`;
      }
      return `${op.buf} = dma_alloc_coherent(dev, ${ctx.bufferSize(op.buf)}, GFP_KERNEL);`;
    case 'dma_free_coherent':
      if (op.pool) return `dma_pool_free(${op.pool}, ${op.buf}, ${op.buf});`;
      return `dma_free_coherent(dev, ${op.freeSize ?? ctx.bufferSize(op.buf)}, ${op.buf});`;
    case 'dma_map':
      if (op.alloc === 'noncoherent') return `${op.buf} = dma_alloc_noncoherent(dev, ${op.size}, &${op.handle}, ${op.dir}, GFP_KERNEL);`;
      return op.api === 'single'
        ? `${op.handle} = dma_map_single${suffix(op.skipCpuSync)}(dev, ${pointer(op.buf, op.off)}, ${sizeText(op)}, ${op.dir}${attrs(op.skipCpuSync)});`
        : `${op.handle} = dma_map_page${suffix(op.skipCpuSync)}(dev, ${op.buf}, ${op.off}, ${sizeText(op)}, ${op.dir}${attrs(op.skipCpuSync)});`;
    case 'dma_unmap':
      if (op.free) return `dma_free_noncoherent(dev, ${op.size}, ${op.free}, ${op.handle}, ${op.dir});`;
      return `dma_unmap_${op.api}${suffix(op.skipCpuSync)}(dev, ${op.handle}, ${sizeText(op)}, ${op.dir}${attrs(op.skipCpuSync)});`;
    case 'dma_map_sg': {
      const sets = op.entries.map((e, k) => `sg_set_buf(&${op.handle}[${k}], ${pointer(e.buf, e.off)}, ${e.size});`);
      return [...sets, `${op.count !== undefined ? `${op.count} = ` : ''}dma_map_sg${suffix(op.skipCpuSync)}(dev, ${op.handle}, ${op.entries.length}, ${op.dir}${attrs(op.skipCpuSync)});`].join('\n');
    }
    case 'dma_unmap_sg': return `dma_unmap_sg${suffix(op.skipCpuSync)}(dev, ${op.handle}, ${ctx.sgEntries(op.handle)}, ${op.dir}${attrs(op.skipCpuSync)});`;
    case 'dma_sync':
      if (op.sg) return `dma_sync_sg_for_${op.to}(dev, ${op.handle}, ${ctx.sgEntries(op.handle)}, ${op.dir});`;
      if (op.range || op.offExpr) return `dma_sync_single_range_for_${op.to}(dev, ${op.handle}, ${op.offExpr ? printExpr(op.offExpr) : op.off}, ${sizeText(op)}, ${op.dir});`;
      return `dma_sync_single_for_${op.to}(dev, ${pointer(op.handle, op.off)}, ${sizeText(op)}, ${op.dir});`;
    case 'dma_mapping_error': return op.reg === undefined ? `if (dma_mapping_error(dev, ${op.handle})) return -ENOMEM;` : `${reg(op.reg)} = dma_mapping_error(dev, ${op.handle});`;
    default: throw new Error(`printLitmus: '${op.op}' is not printed yet`);
  }
}

/** writel, writeq_relaxed, ioread16, ...: the accessor an MMIO op was written with. */
function mmioName(dir: 'write' | 'read', op: { relaxed?: boolean; width?: number; io?: boolean }): string {
  const width = op.width ?? 4;
  if (op.io) return `io${dir}${8 * width}`;
  return `${dir}${({ 1: 'b', 2: 'w', 4: 'l', 8: 'q' } as Record<number, string>)[width]}${op.relaxed ? '_relaxed' : ''}`;
}

/** h, h + 4, sgl[1] + 16 * i, or an address the device computed. */
function busAddr(op: { handle: string; entry?: number; off: number; offExpr?: Expr; addr?: Expr }): string {
  if (op.addr) return printExpr(op.addr);
  const h = op.entry === undefined ? op.handle : `${op.handle}[${op.entry}]`;
  if (op.offExpr) return `${h} + ${printExpr(op.offExpr, {}, SUM)}`;
  return op.off ? `${h} + ${op.off}` : h;
}

function printDeviceOp(op: DeviceOp, ctx: PrintContext, regs: Regs): string {
  switch (op.op) {
    case 'wait_doorbell': return op.anyWrite ? `wait_write(${op.reg});` : `wait_doorbell(${op.reg}, ${value(op.value)});`;
    case 'dma_read': return `${op.reg ?? ctx.nameOf?.(op) ?? freshReg(ctx, regs)} = dma_read(${busAddr(op)}, ${op.size});`;
    case 'dma_write': return `dma_write(${busAddr(op)}, ${op.size}, ${stored(op)});`;
    case 'dma_poll': return `dma_poll(${busAddr(op)}, ${op.size}, ${value(op.value)});`;
    case 'raise_irq': return `raise_irq(${op.irq});`;
    case 'set_reg': return `set_reg(${op.reg}, ${value(op.value)});`;
    case 'read_reg': return `${op.dst ?? ctx.nameOf?.(op) ?? freshReg(ctx, regs)} = read_reg(${op.reg});`;
    default: throw new Error(`printLitmus: '${op.op}' is not printed yet`);
  }
}

/** A size as written: a number, or the expression a source program computes it with. */
function sizeText(op: { size: number; sizeExpr?: Expr }): string {
  return op.sizeExpr ? printExpr(op.sizeExpr) : String(op.size);
}
