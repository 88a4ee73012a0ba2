// The CPU side of a test as an AArch64 herd7 litmus test (as docs/arm-model/generate.mjs writes
// them by hand), so a user can cross-check the arm64 ordering with herd7 -model aarch64.cat or
// run it on hardware with litmus7. Each CPU thread becomes a herd thread with the instructions
// the kernel emits on arm64: READ_ONCE/WRITE_ONCE LDR/STR, the barriers as DMB/DSB,
// writel = DMB OSHST; STR (DSB ST before v5.4), readl = LDR; DMB OSHLD,
// smp_load_acquire LDAR, smp_store_release STLR, xchg SWPAL, cmpxchg CASAL. herd7 has no caches
// and no DMA API: those calls and device threads are left out, and the header says which. A poll
// becomes one load and a `filter` on its value (the execution where it saw what it waited for).

import type { Expr } from '../program/expr.js';
import { writelIsDsb } from '../kernel/version.js';
import { makePlatform } from '../platform/platform.js';
import type { BarrierKind, CpuOp, Program } from '../program/types.js';
import { CONTROL_OPS } from '../program/types.js';

export class HerdExportError extends Error {}

const BARRIER: Record<BarrierKind, string> = {
  mb: 'DSB SY', rmb: 'DSB LD', wmb: 'DSB ST',
  dma_mb: 'DMB OSH', dma_rmb: 'DMB OSHLD', dma_wmb: 'DMB OSHST',
  smp_mb: 'DMB ISH', smp_rmb: 'DMB ISHLD', smp_wmb: 'DMB ISHST',
};

/** STR/LDR suffix and register width of a 1, 2, 4 or 8-byte access. */
function width(size: number, what: string): { sfx: string; r: 'W' | 'X' } {
  switch (size) {
    case 1: return { sfx: 'B', r: 'W' };
    case 2: return { sfx: 'H', r: 'W' };
    case 4: return { sfx: '', r: 'W' };
    case 8: return { sfx: '', r: 'X' };
  }
  throw new HerdExportError(`${what}: a ${size}-byte access has no single AArch64 load or store`);
}

export function exportHerd(p: Program): string {
  const cpus = p.actors.filter((a) => a.kind === 'cpu');
  if (!cpus.length) throw new HerdExportError('the test has no cpu thread to export');
  const writelBarrier = writelIsDsb(makePlatform(p.platform).version) ? 'DSB ST' : 'DMB OSHST'; // 22ec71615d82 (v5.4)
  const locations = new Map<string, string>(); // `buf+off` → herd location name
  const loc = (buf: string, off: number) => {
    const key = off ? `${buf}+${off}` : buf;
    if (!locations.has(key)) locations.set(key, off ? `${buf}_${off}` : buf);
    return locations.get(key)!;
  };
  const dropped = new Set<string>();
  const filters: string[] = [];
  const regNames = new Map<string, string>(); // `thread:reg` → `n:Xk`
  const code = cpus.map((a, t) => {
    const addr = new Map<string, number>(); // location → address register of this thread
    let next = 10; // value registers X10.. (X0..X9 hold addresses, as many as needed)
    const at = (l: string) => {
      if (!addr.has(l)) addr.set(l, addr.size + 1);
      if (addr.size > 9) throw new HerdExportError(`${a.name} touches more than 9 locations`);
      return `[X${addr.get(l)}]`;
    };
    const lines: string[] = [];
    const where = (i: number, op: CpuOp) => `${a.name} op ${i + 1} (${op.op})`;
    a.ops.forEach((op, i) => {
      if (CONTROL_OPS.has(op.op) || op.op === 'assume') throw new HerdExportError(`${where(i, op)}: branches and loops are not exported; export a test without them`);
      const computed = op as { offExpr?: Expr; valueExpr?: Expr; values?: unknown; until?: Expr; oldExpr?: Expr };
      if (computed.offExpr || computed.valueExpr || computed.values || computed.until || computed.oldExpr) throw new HerdExportError(`${where(i, op)}: computed addresses and values are not exported`);
      const dest = (reg: string | undefined, r: 'W' | 'X') => {
        const k = next++;
        if (reg) regNames.set(`${a.name}:${reg}`, `${t}:X${k}`);
        return `${r}${k}`;
      };
      switch (op.op) {
        case 'store': {
          const w = width(op.size, where(i, op));
          lines.push(`MOV ${w.r}0,#${op.value}`, `${op.release ? 'STLR' : 'STR'}${w.sfx} ${w.r}0,${at(loc(op.buf, op.off))}`);
          return;
        }
        case 'load': case 'poll': {
          const w = width(op.size, where(i, op));
          const d = dest(op.op === 'load' ? op.reg : undefined, w.r);
          lines.push(`${op.op === 'load' && op.acquire ? 'LDAR' : 'LDR'}${w.sfx} ${d},${at(loc(op.buf, op.off))}`);
          if (op.op === 'poll') filters.push(`${t}:X${d.slice(1)}=${op.value}`);
          return;
        }
        case 'rmw': {
          if (op.fn === 'spin_lock') throw new HerdExportError(`${where(i, op)}: spin_lock waits in a loop; export a test without it`);
          const w = width(op.size, where(i, op));
          const d = dest(op.reg, w.r);
          if (op.fn === 'xchg') lines.push(`MOV ${w.r}0,#${op.value}`, `SWPAL${w.sfx} ${w.r}0,${d},${at(loc(op.buf, op.off))}`);
          else lines.push(`MOV ${d},#${op.old}`, `MOV ${w.r}0,#${op.value}`, `CASAL${w.sfx} ${d},${w.r}0,${at(loc(op.buf, op.off))}`);
          return;
        }
        case 'barrier': lines.push(BARRIER[op.kind]); return;
        case 'writel': {
          const w = width(op.width ?? 4, where(i, op));
          if (!op.relaxed) lines.push(writelBarrier);
          lines.push(`MOV ${w.r}0,#${op.value}`, `STR${w.sfx} ${w.r}0,${at(loc(op.reg, 0))}`);
          return;
        }
        case 'readl': {
          const w = width(op.width ?? 4, where(i, op));
          lines.push(`LDR${w.sfx} ${dest(op.dst, w.r)},${at(loc(op.reg, 0))}`);
          if (!op.relaxed) lines.push('DMB OSHLD');
          return;
        }
        default: dropped.add(op.op);
      }
    });
    return { lines, addr };
  });
  const devices = p.actors.filter((a) => a.kind === 'device').map((a) => a.name);
  const notes = [
    ...(devices.length ? [`device threads not exported: ${devices.join(', ')}`] : []),
    ...(dropped.size ? [`not in herd7: ${[...dropped].join(', ')}`] : []),
  ];
  const out = [`AArch64 ${p.name}`, `"exported by dmafuzz from the cpu threads${notes.length ? `; ${notes.join('; ')}` : ''}"`, '{'];
  for (const [t, c] of code.entries()) out.push([...c.addr].map(([l, k]) => `${t}:X${k}=${l};`).join(' '));
  out.push('}');
  const rows = Math.max(...code.map((c) => c.lines.length));
  const col = Math.max(22, ...code.flatMap((c) => c.lines.map((l) => l.length + 2)));
  out.push(code.map((_, t) => ` P${t}`.padEnd(col)).join('|') + ';');
  for (let i = 0; i < rows; i++) out.push(code.map((c) => ` ${c.lines[i] ?? ''}`.padEnd(col)).join('|') + ';');
  if (filters.length) out.push(`filter (${filters.join(' /\\ ')})`);
  if (p.condition) out.push(`${p.condition.kind} (${herdCondition(p.condition.cond, regNames, loc)})`);
  return out.join('\n') + '\n';
}

function herdCondition(e: Expr, regs: Map<string, string>, loc: (buf: string, off: number) => string): string {
  switch (e.k) {
    case 'num': return String(e.v);
    case 'treg': {
      const r = regs.get(`${e.actor}:${e.name}`);
      if (!r) throw new HerdExportError(`the condition names ${e.actor}:${e.name}, which no exported thread loads`);
      return r;
    }
    case 'mem': return `[${loc(e.buf, e.off)}]`;
    case 'un':
      if (e.op === '!') return `~(${herdCondition(e.e, regs, loc)})`;
      break;
    case 'bin': {
      const l = herdCondition(e.l, regs, loc), r = herdCondition(e.r, regs, loc);
      switch (e.op) {
        case '&&': return `(${l} /\\ ${r})`;
        case '||': return `(${l} \\/ ${r})`;
        case '==': return `${l}=${r}`;
        case '!=': return `~(${l}=${r})`;
      }
    }
  }
  throw new HerdExportError('the condition uses arithmetic herd7 conditions do not have: compare registers and locations with = only');
}
