// A counterexample as a kernel developer reads it: the platform, where each buffer lives, the
// ops of each actor in kernel C, the execution in the order things happened (with the dc
// instructions and write-backs each step caused), and the observations that differ from the
// ideal platform. Plain text; the litmus printer will replace the program part later.

import type { Compiled } from '../exec/compile.js';
import { diffObservations } from '../exec/observations.js';
import { hex } from '../exec/values.js';
import { runIdealLike, runModel } from '../oracle/run.js';
import { describePlatform } from '../platform/platform.js';
import type { CpuOp, DeviceOp, Op } from '../program/types.js';
import { compileCounterexample, sizeOf, type Counterexample } from './counterexample.js';

const at = (buf: string, off: number) => (off ? `${buf} + ${off}` : buf);
const ctype = (size: number) => (size === 1 ? 'u8' : size === 2 ? 'u16' : size <= 4 ? 'u32' : 'u64');

export function formatOp(op: Op): string {
  const o = op as CpuOp | DeviceOp;
  switch (o.op) {
    case 'store':
      if (o.size > 8) return `memset(${at(o.buf, o.off)}, ${hex(o.value & 0xff)}, ${o.size});`;
      return o.once ? `WRITE_ONCE(*(${ctype(o.size)} *)(${at(o.buf, o.off)}), ${hex(o.value)});` : `*(${ctype(o.size)} *)(${at(o.buf, o.off)}) = ${hex(o.value)};`;
    case 'load':
      if (o.size > 8) return `memcpy(tmp, ${at(o.buf, o.off)}, ${o.size});`;
      return o.once ? `r = READ_ONCE(*(${ctype(o.size)} *)(${at(o.buf, o.off)}));` : `r = *(${ctype(o.size)} *)(${at(o.buf, o.off)});`;
    case 'poll': return `while (READ_ONCE(*(${ctype(o.size)} *)(${at(o.buf, o.off)})) != ${hex(o.value)}) cpu_relax();`;
    case 'barrier': return `${o.kind}();`;
    case 'writel': return `${o.relaxed ? 'writel_relaxed' : 'writel'}(${hex(o.value)}, ${o.reg});`;
    case 'readl': return `r = ${o.relaxed ? 'readl_relaxed' : 'readl'}(${o.reg});`;
    case 'wait_irq': return `wait_for_completion(&${o.irq}_done);   /* completed by the interrupt handler */`;
    case 'dma_set_mask': return `dma_set_mask(dev, DMA_BIT_MASK(${o.bits}));`;
    case 'dma_alloc_coherent': return `${o.buf} = dma_alloc_coherent(dev, sizeof(*${o.buf}), &${o.buf}_dma, GFP_KERNEL);`;
    case 'dma_free_coherent': return `dma_free_coherent(dev, sizeof(*${o.buf}), ${o.buf}, ${o.buf}_dma);`;
    case 'dma_map': return `${o.handle} = dma_map_${o.api}(dev, ${at(o.buf, o.off)}, ${o.size}, ${o.dir}${o.skipCpuSync ? ', DMA_ATTR_SKIP_CPU_SYNC' : ''});`;
    case 'dma_unmap': return `dma_unmap_${o.api}(dev, ${o.handle}, ${o.size}, ${o.dir}${o.skipCpuSync ? ', DMA_ATTR_SKIP_CPU_SYNC' : ''});`;
    case 'dma_map_sg': return `${o.handle}_n = dma_map_sg(dev, ${o.handle}, ${o.entries.length}, ${o.dir});  /* ${o.entries.map((e) => `${at(e.buf, e.off)}:${e.size}`).join(', ')} */`;
    case 'dma_unmap_sg': return `dma_unmap_sg(dev, ${o.handle}, ${o.handle}_n, ${o.dir});`;
    case 'dma_sync':
      if (o.sg) return `dma_sync_sg_for_${o.to}(dev, ${o.handle}, ${o.handle}_n, ${o.dir});`;
      if (o.range || o.off) return `dma_sync_single_range_for_${o.to}(dev, ${o.handle}, ${o.off}, ${o.size}, ${o.dir});`;
      return `dma_sync_single_for_${o.to}(dev, ${o.handle}, ${o.size}, ${o.dir});`;
    case 'dma_mapping_error': return `if (dma_mapping_error(dev, ${o.handle})) return -ENOMEM;`;
    case 'wait_doorbell': return `wait until ${o.reg} == ${hex(o.value)}`;
    case 'dma_read': return `DMA read  ${o.size} bytes at ${at(o.handle, o.off)}${o.entry ? ` (sg entry ${o.entry})` : ''}`;
    case 'dma_write': return `DMA write ${o.size} bytes at ${at(o.handle, o.off)} = ${o.size > 8 ? hex(o.value & 0xff) + ' each' : hex(o.value)}`;
    case 'dma_poll': return `poll ${at(o.handle, o.off)} until == ${hex(o.value)}`;
    case 'raise_irq': return `raise ${o.irq}`;
    case 'set_reg': return `set ${o.reg} = ${hex(o.value)}`;
  }
}

function buffersText(c: Compiled): string[] {
  const line = c.platform.cwg;
  return c.program.buffers.map((b) => {
    const p = c.layout.buffers.get(b.name)!;
    const where = b.in ? `${b.in.parent} + ${b.in.offset}` : b.kind === 'coherent' ? 'dma_alloc_coherent' : b.kind === 'page' ? 'alloc_pages' : b.kind;
    const first = p.addr - (p.addr % line), last = p.addr + p.size - 1 - ((p.addr + p.size - 1) % line);
    const lines = first === last ? `line ${hex(first)}` : `lines ${hex(first)}..${hex(last)}`;
    return `  ${b.name.padEnd(8)} ${String(b.size).padStart(4)} bytes  ${where.padEnd(18)} at ${hex(p.addr)}  (${lines})`;
  });
}

export function formatCounterexample(x: Counterexample, title = 'counterexample'): string {
  const c = compileCounterexample(x);
  const size = sizeOf(x);
  const out: string[] = [];
  out.push(`${title}: ${size.ops} ops, ${size.events} hardware events`);
  out.push(`platform: ${describePlatform(x.platform)}${x.faults?.length ? `  [model faults: ${x.faults.join(', ')}]` : ''}`);
  out.push('buffers:', ...buffersText(c));
  for (const a of x.program.actors) {
    out.push(`${a.name} (${a.kind === 'cpu' ? 'CPU' : 'DMA engine'}):`);
    a.ops.forEach((op, i) => out.push(`  ${String(i + 1).padStart(2)}  ${formatOp(op)}`));
  }
  const model = runModel(c, x.execution, true);
  out.push('execution on arm64 (the steps chosen, then everyone runs to the end in program order):');
  for (const t of model.trace ?? []) {
    if (t.event) out.push(`  ~~ ${t.event}`);
    else out.push(`  ${t.actor!.padEnd(5)} ${String(t.op! + 1).padStart(2)}  ${formatOp(c.actors[c.actorIndex.get(t.actor!)!].actor.ops[t.op!])}`);
    for (const e of t.effects) out.push(`             ${e}`);
  }
  const ideal = runIdealLike(c, model.order).observations();
  const diff = diffObservations(model.observations(), ideal, (actor, op) => `${actor} ${op + 1}  ${formatOp(c.actors[c.actorIndex.get(actor)!].actor.ops[op])}`);
  out.push('observations that no ideal (coherent, in-order) execution produces:');
  for (const d of diff) out.push(`  ${d.what}\n      arm64: ${d.model}   ideal, same interleaving: ${d.ideal}`);
  return out.join('\n');
}
