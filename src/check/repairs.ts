// Candidate repairs of a litmus test: the small edits a reviewer would suggest for each bug
// class, each as text edits of the user's own file (src/check/source-edit.ts) at the positions
// the parser kept. Branches, loops and registers are walked as written: a barrier goes between
// two statements of the same block, a sync before the read it protects, wherever they are.
// src/check/suggest-fix.ts keeps a repair only when the edited file re-checks ok.

import { ARCH_DMA_MINALIGN } from '../kernel/layout.js';
import { atLeast, parseKernelVersion } from '../kernel/version.js';
import type { Pos } from '../litmus/litmus-error.js';
import type { ParsedLitmus } from '../litmus/parse.js';
import { printContext, printOp, type PrintContext } from '../litmus/print.js';
import type { PlatformConfig } from '../platform/platform.js';
import { DIRECTIONS, type BarrierKind, type CpuOp, type DeviceOp } from '../program/types.js';
import type { OpEdit } from './op-edit.js';
import { SourceText, type Statement, type TextEdit } from './source-edit.js';

export interface Repair {
  /** What to do, in kernel terms, with the line it is at. */
  title: string;
  edits: TextEdit[];
  /** The same repair on the parsed program, where it is one op (src/check/op-edit.ts). */
  op?: OpEdit;
}

/** One statement of a block: the ops it became (nested ones included) and where it is written. */
interface Stmt { pos: Pos; ops: CpuOp[]; all: CpuOp[] }

/** Every candidate repair of a test, cheapest and most specific first. */
export function candidateRepairs(text: string, parsed: ParsedLitmus, platform: Partial<PlatformConfig> = {}): Repair[] {
  const { program: p, source } = parsed;
  const src = new SourceText(text);
  let ctx: PrintContext | undefined; // made for the first repair that prints a call (a barrier is literal text)
  const print = (op: CpuOp) => printOp('cpu', op, (ctx ??= printContext(p)));
  const out: Repair[] = [];
  const add = (title: string, edits: (TextEdit | undefined)[] | undefined, op?: OpEdit) => {
    if (edits?.length && edits.every((e) => e)) out.push({ title, edits: edits as TextEdit[], ...(op ? { op } : {}) });
  };
  const stmtOf = (op: CpuOp): Statement | undefined => {
    const at = source.opPos.get(op);
    return at && src.statement(at);
  };
  const line = (s: Statement) => src.lineOf(s.start);
  /**
   * A printed call about a mapping (a sync of all of it, its dma_mapping_error()), with the device
   * and size written as the driver's own map call writes them (`priv->dev`, `XFER_LEN`): the fix
   * reads as the driver's code does.
   */
  const asMapped = (printed: string, map: CpuOp & { size: number; dir: string }): string => {
    const m = stmtOf(map);
    const call = m && src.callArgs(m);
    if (!call?.name.startsWith('dma_map_')) return printed; // dma_alloc_noncoherent() takes its size elsewhere
    const args = dirArgs(m!);
    let out = printed;
    const tail = `, ${map.size}, ${map.dir});`;
    if (args?.size && out.endsWith(tail)) out = `${out.slice(0, -tail.length)}, ${args.size.text}, ${map.dir});`;
    const dev = call.args[0]?.text;
    if (dev && dev !== 'dev') out = out.replace(/\(dev, /, `(${dev}, `);
    return out;
  };
  /** The DMA_* direction argument of a statement, and the argument before it (the size). */
  const dirArgs = (s: Statement) => {
    const call = src.callArgs(s);
    const k = call?.args.findIndex((a) => (DIRECTIONS as readonly string[]).includes(a.text)) ?? -1;
    return k < 0 ? undefined : { dir: call!.args[k], size: k > 0 ? call!.args[k - 1] : undefined };
  };

  const cpus = p.actors.filter((a) => a.kind === 'cpu');
  const devices = p.actors.some((a) => a.kind === 'device');
  const barriers: Repair[][] = [[], [], [], []]; // dma_rmb, dma_wmb, dma_mb, smp_mb: after the edits of single statements
  // A statement of a static function is written once and inlined at each call: an edit of its text
  // changes every copy, so the same repair on the parsed program is one op only where it is one copy.
  const copies = new Map<string, number>();
  for (const a of cpus) for (const block of blocks(a.ops as CpuOp[], source.opPos)) for (const st of block) copies.set(`${st.pos.line}:${st.pos.col}`, (copies.get(`${st.pos.line}:${st.pos.col}`) ?? 0) + 1);
  const once = (pos: Pos | undefined, edit: OpEdit): OpEdit | undefined => (pos && copies.get(`${pos.line}:${pos.col}`) === 1 ? edit : undefined);
  for (const a of cpus) {
    const flat: CpuOp[] = [];
    walk(a.ops as CpuOp[], (op) => flat.push(op));
    const later = (op: CpuOp) => flat.slice(flat.indexOf(op) + 1);

    // Check every mapping (dma-api.rst: "dma_mapping_error() ... must be called").
    const unchecked = flat.filter((op): op is Extract<CpuOp, { op: 'dma_map' }> => op.op === 'dma_map'
      && !later(op).some((o) => o.op === 'dma_mapping_error' && o.handle === op.handle));
    if (unchecked.length) {
      add(`check every mapping with dma_mapping_error() (${unchecked.map((u) => u.handle).join(', ')})`,
        unchecked.map((m) => { const s = stmtOf(m); return s && src.insertAfter(s, asMapped(print({ op: 'dma_mapping_error', handle: m.handle }), m)); }));
    }

    for (const op of flat) {
      const s = stmtOf(op);
      if (!s) continue;
      // writel() instead of writel_relaxed(): its dmb oshst orders the descriptor stores first;
      // readl() instead of readl_relaxed(): its dmb oshld orders the reads after it.
      for (const relaxed of ['writel_relaxed', 'readl_relaxed']) {
        if ((op.op === 'writel' || op.op === 'readl') && op.relaxed && relaxed.startsWith(op.op)) {
          const t = src.tokensIn(s, relaxed)[0];
          if (t !== undefined) {
            const { relaxed: _, ...ordered } = op;
            add(`use ${op.op}() instead of ${relaxed}() (line ${line(s)})`, [{ ...span(src, t), text: op.op }], once(source.opPos.get(op), { replace: op, op: ordered }));
          }
        }
      }
      // A sync or unmap whose size or direction is not its mapping's (dma-debug checks both).
      if ((op.op === 'dma_sync' && !op.sg) || op.op === 'dma_unmap') {
        const map = liveMapping(flat, op, op.handle);
        const args = dirArgs(s);
        if (map && args) {
          if (op.op === 'dma_sync' && (op.off !== 0 || op.offExpr || op.size !== map.size)) {
            add(`sync the whole mapping of ${op.handle} (${map.size} bytes, line ${line(s)})`,
              [{ at: s.start, end: s.end, text: asMapped(print({ op: 'dma_sync', to: op.to, handle: op.handle, off: 0, size: map.size, dir: op.dir }), { ...map, dir: op.dir }) }]);
          }
          if (op.op === 'dma_unmap' && op.size !== map.size && args.size) {
            add(`unmap ${op.handle} with its mapping's size, ${map.size} (line ${line(s)})`, [{ at: args.size.start, end: args.size.end, text: String(map.size) }]);
          }
          if (op.dir !== map.dir) {
            add(`${op.op === 'dma_sync' ? 'sync' : 'unmap'} ${op.handle} with its mapping's direction, ${map.dir} (line ${line(s)})`, [{ at: args.dir.start, end: args.dir.end, text: map.dir }]);
          }
        }
      }
      // dma_free_coherent() with a size other than the allocation's (dma-debug check_unmap()).
      if (op.op === 'dma_free_coherent' && op.freeSize !== undefined) {
        const size = src.callArgs(s)?.args[1];
        const b = p.buffers.find((x) => x.name === op.buf);
        if (size && b) add(`free ${op.buf} with its allocation's size, ${b.size} (line ${line(s)})`, [{ at: size.start, end: size.end, text: String(b.size) }]);
      }
      // Give the buffer to the CPU before it reads, or bracket a CPU write with a sync pair.
      if (op.op === 'load' || op.op === 'poll' || op.op === 'store') {
        // A scatterlist entry the device wrote: the whole list goes to the CPU (dma_sync_sg_for_cpu()).
        if (op.op !== 'store') {
          for (const sg of liveSgMappingsOver(p.buffers, flat, op)) {
            if (sg.dir !== 'DMA_TO_DEVICE') add(`call dma_sync_sg_for_cpu(${sg.handle}) before the read at line ${line(s)}`, [src.insertBefore(s, print({ op: 'dma_sync', to: 'cpu', handle: sg.handle, off: 0, size: 0, dir: sg.dir, sg: true }))]);
          }
        }
        for (const map of liveMappingsOver(p.buffers, flat, op)) {
          const sync = (to: 'cpu' | 'device') => asMapped(print({ op: 'dma_sync', to, handle: map.op.handle, off: 0, size: map.op.size, dir: map.op.dir }), map.op);
          if (op.op !== 'store' && map.op.dir !== 'DMA_TO_DEVICE' && op.offExpr && map.op.buf === op.buf && map.op.off === 0) {
            // A slot of a ring, at an offset the loop computes: sync that slot's bytes only.
            add(`call dma_sync_single_range_for_cpu(${map.op.handle}) on the bytes read at line ${line(s)}`,
              [src.insertBefore(s, print({ op: 'dma_sync', to: 'cpu', handle: map.op.handle, off: 0, offExpr: op.offExpr, size: op.size, dir: map.op.dir, range: true }))]);
          }
          if (op.op !== 'store' && map.op.dir !== 'DMA_TO_DEVICE') {
            add(`call dma_sync_single_for_cpu(${map.op.handle}) before the read at line ${line(s)}`, [src.insertBefore(s, sync('cpu'))]);
          }
          if (op.op === 'store' && map.op.dir !== 'DMA_FROM_DEVICE') {
            // Already the CPU's (synced for the CPU since the device last had it): only the hand-back is missing.
            if (ownedSince(flat, op, map.op.handle)) {
              add(`call dma_sync_single_for_device(${map.op.handle}) after the write at line ${line(s)}`, [src.insertAfter(s, sync('device'))]);
            }
            add(`bracket the write at line ${line(s)} with dma_sync_single_for_cpu() / dma_sync_single_for_device(${map.op.handle})`,
              src.bracket(s, sync('cpu'), sync('device')));
          }
          // The CPU owns a received buffer (synced for the CPU) and edits it in place, e.g. an XDP
          // rewrite before the page is recycled: dma-api.rst wants DMA_BIDIRECTIONAL for a buffer
          // the driver writes, and the buffer goes back with dma_sync_single_for_device(). Moving
          // the write before the map would change what the driver does.
          const owned = op.op === 'store' && flat.slice(0, flat.indexOf(op)).some((o) => o.op === 'dma_sync' && o.to === 'cpu' && o.handle === map.op.handle);
          if (owned && map.op.dir === 'DMA_FROM_DEVICE') {
            const uses = flat.filter((o) => 'handle' in o && o.handle === map.op.handle && 'dir' in o).map((o) => stmtOf(o));
            add(`map ${map.op.handle} DMA_BIDIRECTIONAL and give it back with dma_sync_single_for_device() after the write at line ${line(s)}`,
              [...uses.map((u) => { const d = u && dirArgs(u)?.dir; return d && { at: d.start, end: d.end, text: 'DMA_BIDIRECTIONAL' }; }),
                src.insertAfter(s, asMapped(print({ op: 'dma_sync', to: 'device', handle: map.op.handle, off: 0, size: map.op.size, dir: 'DMA_BIDIRECTIONAL' }), { ...map.op, dir: 'DMA_BIDIRECTIONAL' }))]);
          }
          const m = stmtOf(map.op);
          if (op.op === 'store' && m && !owned) add(`move the write of ${op.buf} at line ${line(s)} before dma_map_*(${map.op.handle})`, src.moveBefore(s, m));
        }
      }
      // The DMA mask is the device's: a wider one lets the kernel hand out addresses it cannot reach.
      if (op.op === 'dma_set_mask' && platform.deviceAddressBits && op.bits > platform.deviceAddressBits) {
        const t = src.callArgs(s, 'DMA_BIT_MASK')?.args[0];
        if (t) add(`set the mask the device can address, DMA_BIT_MASK(${platform.deviceAddressBits}) (line ${line(s)})`, [{ at: t.start, end: t.end, text: String(platform.deviceAddressBits) }]);
      }
    }

    for (const block of blocks(a.ops as CpuOp[], source.opPos)) {
      const stmts = block.map((st) => ({ st, s: src.statement(st.pos) }));
      stmts.forEach(({ st, s }, k) => {
        if (!s) return;
        const next = stmts.slice(k + 1);
        // Unmap only after the device finished: after the next completion of the block.
        if (st.ops.some((o) => o.op === 'dma_unmap' || o.op === 'dma_unmap_sg')) {
          const done = next.find((n) => n.st.all.some((o) => o.op === 'wait_irq' || o.op === 'poll'));
          if (done?.s) add(`move the unmap at line ${line(s)} after the device's completion (line ${line(done.s)})`, src.moveAfter(s, done.s));
        }
        // Read what the device wrote only after the wait that says it is written.
        if (st.ops.some((o) => o.op === 'load') && !st.all.some((o) => o.op === 'poll')) {
          const done = next.find((n) => n.st.all.some((o) => o.op === 'poll' || o.op === 'wait_irq'));
          if (done?.s) {
            add(`move the read at line ${line(s)} after the wait at line ${line(done.s)}`, src.moveAfter(s, done.s));
            // memory-barriers.txt, dma_rmb(): the fields are read only after the owner bit says they are written.
            if (done.st.all.some((o) => o.op === 'poll')) add(`move the read at line ${line(s)} after the wait at line ${line(done.s)}, behind a dma_rmb()`, src.moveAfter(s, done.s, 'dma_rmb();'));
          }
        }
        // A barrier of the wrong kind (or family) for the accesses around it: use the right one.
        const barrier = st.ops.length === 1 && st.ops[0].op === 'barrier' ? st.ops[0].kind : undefined;
        const around = [stmts[k - 1]?.st, stmts[k + 1]?.st];
        if (barrier && around.every((x) => x?.all.some(isAccess))) {
          const family = barrier.startsWith('dma_') ? 'dma_' : barrier.startsWith('smp_') ? 'smp_' : '';
          const fits = [around[0]!.all.some(isRead) && 'rmb', around[0]!.all.some(isWrite) && 'wmb', 'mb'].filter((x): x is string => !!x);
          // An smp_*() barrier where a device reads or writes: its dma_*() counterpart orders the
          // accesses for the device too (memory-barriers.txt, "the dma_*() barriers").
          const families = family === 'smp_' && devices ? ['smp_', 'dma_'] : [family];
          for (const [i, kind] of families.flatMap((fam) => fits.map((f) => [['rmb', 'wmb', 'mb'].indexOf(f), `${fam}${f}`] as const))) {
            const op = once(st.pos, { replace: st.ops[0], op: { op: 'barrier', kind: kind as BarrierKind } });
            if (kind !== barrier) barriers[i].push({ title: `use ${kind}() instead of ${barrier}() (line ${line(s)})`, edits: [{ ...span(src, s.first), text: kind }], ...(op ? { op } : {}) });
          }
        }
        // Barriers between the CPU's accesses to memory the device (or another CPU) observes: after
        // the block's last statement that accesses memory (an `if (...) break;` between them only
        // branches on what was read).
        const prev = stmts.slice(0, k).reverse().find((x) => x.st.all.some(isAccess))?.st;
        if (!prev || !prev.all.some(isAccess) || !st.all.some(isAccess)) return;
        const at = (kind: BarrierKind) => {
          const op = once(st.pos, { before: st.ops[0], op: { op: 'barrier', kind } });
          return { title: `insert ${kind}() before line ${line(s)}`, edits: [src.insertBefore(s, `${kind}();`)], ...(op ? { op } : {}) };
        };
        // Right after a barrier of the same kind, another orders nothing the first does not.
        const before = stmts[k - 1]?.st.ops;
        const push = (i: number, kind: BarrierKind) => {
          if (before?.length === 1 && before[0].op === 'barrier' && before[0].kind === kind) return;
          const r = at(kind);
          if (r.edits[0]) barriers[i].push(r as Repair);
        };
        if (prev.all.some(isRead)) push(0, 'dma_rmb');
        // A store barrier orders every earlier store: one in the block (a read-modify-write of
        // the OWN word between them, tx-own-bit-rmw) still needs it before the ownership store.
        if (stmts.slice(0, k).some((x) => x.st.all.some(isWrite))) push(1, 'dma_wmb');
        push(2, 'dma_mb');
        if (cpus.length > 1) push(3, 'smp_mb');
      });
    }
  }

  out.push(...barriers.flat());

  // Directions: the one the transfer has (the device writes it: DMA_FROM_DEVICE; it reads it:
  // DMA_TO_DEVICE), else DMA_BIDIRECTIONAL; the map, its syncs and its unmap all say it.
  const byHandle = new Map<string, { s: Statement; dir: string }[]>();
  for (const a of cpus) {
    walk(a.ops as CpuOp[], (op) => {
      if (!('handle' in op) || !('dir' in op)) return;
      const s = stmtOf(op);
      if (s) byHandle.set(op.handle, [...(byHandle.get(op.handle) ?? []), { s, dir: op.dir }]);
    });
  }
  for (const dir of ['DMA_FROM_DEVICE', 'DMA_TO_DEVICE', 'DMA_BIDIRECTIONAL']) {
    for (const [h, uses] of byHandle) {
      if (uses.every((u) => u.dir === dir)) continue;
      add(`map ${h} ${dir}${uses.length > 1 ? ', and sync and unmap it so' : ''}`, uses.map(({ s }) => { const d = dirArgs(s)?.dir; return d && { at: d.start, end: d.end, text: dir }; }));
    }
  }

  // Memory the DMA API cannot map (dma-api-howto.rst: "not ... the stack", "not vmalloc()"):
  // allocate it with kmalloc() instead.
  const mapped = new Set<string>();
  for (const a of cpus) walk(a.ops as CpuOp[], (op) => { if (op.op === 'dma_map') mapped.add(op.buf); if (op.op === 'dma_map_sg') for (const e of op.entries) mapped.add(e.buf); });
  p.buffers.forEach((b, i) => {
    if ((b.kind !== 'stack' && b.kind !== 'vmalloc') || b.in || !mapped.has(b.name)) return;
    const decl = source.buffers[i] && src.statement(source.buffers[i]);
    if (decl) add(`allocate ${b.name} with kmalloc() instead of ${b.kind === 'stack' ? 'on the stack' : 'vmalloc()'} (line ${line(decl)})`, [{ ...span(src, decl.first), text: 'kmalloc' }]);
  });

  // A DMA buffer inside a struct: move it to its own ARCH_DMA_MINALIGN-aligned, padded slot.
  p.buffers.forEach((b, i) => {
    if (!b.in) return;
    const pi = p.buffers.findIndex((x) => x.name === b.in!.parent);
    const parent = p.buffers[pi];
    const decl = source.buffers[i] && src.statement(source.buffers[i]);
    const pdecl = source.buffers[pi] && src.statement(source.buffers[pi]);
    if (!decl || !pdecl) return;
    const align = Math.max(ARCH_DMA_MINALIGN, platform.cwg ?? p.platform?.cwg ?? 0);
    const offset = Math.ceil(parent.size / align) * align;
    const size = offset + Math.ceil(b.size / align) * align;
    const parentSize = src.tokensIn(pdecl, '[')[0] + 1;
    const inTok = src.tokensIn(decl, 'in')[0];
    const plus = src.tokensIn(decl, '+')[0];
    const offEdit: TextEdit = plus !== undefined ? { ...span(src, plus + 1), text: String(offset) } : { at: span(src, inTok + 1).end, end: span(src, inTok + 1).end, text: ` + ${offset}` };
    add(`${align === ARCH_DMA_MINALIGN ? `align ${b.name} to ARCH_DMA_MINALIGN (128 bytes on arm64) and pad it to a multiple of that (__aligned(ARCH_DMA_MINALIGN); ____cacheline_aligned is only 64)` : `align ${b.name} to the ${align}-byte cache writeback granule and pad it to a multiple of that`} (line ${line(decl)})`,
      [{ ...span(src, parentSize), text: String(size) }, offEdit]);
  });

  // The platform, where the fault is not the driver's: the device tree, or the kernel.
  const own = p.platform ?? {};
  if (own.deviceCoherent !== undefined && (own.declaredCoherent ?? false) !== own.deviceCoherent) {
    add(`describe the device as it is: ${own.deviceCoherent ? 'add' : 'remove'} "dma-coherent" in the device tree`, [platformSetting(src, source.platform, 'declaredCoherent', String(own.deviceCoherent))]);
  }
  if (own.kernel && !atLeast(parseKernelVersion(own.kernel), 5, 19)) {
    add('run a kernel with c50f11c6196f ("arm64: mm: Don\'t invalidate FROM_DEVICE buffers at start of DMA transfer"): v5.19 or later', [platformSetting(src, source.platform, 'kernel', '5.19')]);
  }
  return out;
}

const span = (src: SourceText, i: number): { at: number; end: number } => { const s = src.span(i); return { at: s.start, end: s.end }; };

/** Set a platform setting of the file: its value where it is set, else added to its block. */
function platformSetting(src: SourceText, at: Record<string, Pos>, key: string, value: string): TextEdit | undefined {
  const k = at[key] && src.statement(at[key]);
  if (k) {
    const eq = src.tokensIn(k, '=')[0];
    return { at: src.span(eq + 1).start, end: src.span(k.last - 2).end, text: value };
  }
  const open = src.toks.findIndex((t, i) => t.text === '{' && src.toks[i - 1]?.text === 'platform');
  if (open < 0) return undefined;
  const o = src.span(open);
  return { at: o.end, end: o.end, text: ` ${key} = ${value};` };
}

const isRead = (op: CpuOp) => op.op === 'load' || op.op === 'poll' || op.op === 'readl';
const isWrite = (op: CpuOp) => op.op === 'store' || op.op === 'writel';
const isAccess = (op: CpuOp) => isRead(op) || isWrite(op);

/** Every op of a thread in program order, nested ones included. */
function walk(ops: readonly CpuOp[], f: (op: CpuOp) => void): void {
  for (const op of ops) {
    f(op);
    if (op.op === 'if') { walk(op.then, f); walk(op.else ?? [], f); }
    if (op.op === 'while' || op.op === 'for') walk(op.body, f);
  }
}

/** Each block of a thread (its body, and every if, else and loop body in it) as statements. */
function blocks(ops: readonly CpuOp[], opPos: ReadonlyMap<CpuOp | DeviceOp, Pos>): Stmt[][] {
  const out: Stmt[][] = [];
  const visit = (block: readonly CpuOp[]) => {
    const stmts: Stmt[] = [];
    for (const op of block) {
      const pos = opPos.get(op);
      if (!pos) continue;
      const all: CpuOp[] = [];
      walk([op], (o) => all.push(o));
      const last = stmts[stmts.length - 1];
      if (last && last.pos.line === pos.line && last.pos.col === pos.col) { last.ops.push(op); last.all.push(...all); } else stmts.push({ pos, ops: [op], all });
      if (op.op === 'if') { visit(op.then); if (op.else) visit(op.else); }
      if (op.op === 'while' || op.op === 'for') visit(op.body);
    }
    out.push(stmts);
  };
  visit(ops);
  return out;
}

type MapOp = Extract<CpuOp, { op: 'dma_map' }>;

/** The mapping `handle` names at `at`: the last dma_map of it before, not unmapped since. */
/** Did the CPU take `handle`'s buffer (dma_sync_*_for_cpu) before `at`, and not give it back since? */
function ownedSince(flat: readonly CpuOp[], at: CpuOp, handle: string): boolean {
  for (let i = flat.indexOf(at) - 1; i >= 0; i--) {
    const op = flat[i];
    if (op.op === 'dma_sync' && op.handle === handle) return op.to === 'cpu';
    if ((op.op === 'dma_map' || op.op === 'dma_unmap') && op.handle === handle) return false;
  }
  return false;
}

function liveMapping(flat: readonly CpuOp[], at: CpuOp, handle: string): MapOp | undefined {
  for (let i = flat.indexOf(at) - 1; i >= 0; i--) {
    const op = flat[i];
    if ((op.op === 'dma_unmap' || op.op === 'dma_unmap_sg') && op.handle === handle) return undefined;
    if (op.op === 'dma_map' && op.handle === handle) return op;
  }
  return undefined;
}

/** The scatterlists mapped (and not unmapped since) before `at` with an entry over the bytes it accesses. */
function liveSgMappingsOver(buffers: { name: string; in?: { parent: string; offset: number } }[], flat: readonly CpuOp[], at: Extract<CpuOp, { buf: string; off: number; size: number }>): Extract<CpuOp, { op: 'dma_map_sg' }>[] {
  const abs = (name: string, o: number): [string, number] => {
    const b = buffers.find((x) => x.name === name);
    return b?.in ? abs(b.in.parent, o + b.in.offset) : [name, o];
  };
  const [root, lo] = abs(at.buf, at.off);
  const anywhere = 'offExpr' in at && at.offExpr !== undefined;
  const out: Extract<CpuOp, { op: 'dma_map_sg' }>[] = [];
  for (const op of flat.slice(0, flat.indexOf(at))) {
    if (op.op !== 'dma_map_sg' || flat.slice(flat.indexOf(op) + 1, flat.indexOf(at)).some((o) => o.op === 'dma_unmap_sg' && o.handle === op.handle)) continue;
    const over = op.entries.some((e) => {
      const [eroot, elo] = abs(e.buf, e.off);
      return eroot === root && (anywhere || (elo < lo + at.size && lo < elo + e.size));
    });
    if (over) out.push(op);
  }
  return out;
}

/** Live mappings whose bytes overlap what `at` accesses (any slot of the buffer when its offset is computed). */
function liveMappingsOver(buffers: { name: string; in?: { parent: string; offset: number } }[], flat: readonly CpuOp[], at: Extract<CpuOp, { buf: string; off: number; size: number }>): { op: MapOp }[] {
  const abs = (name: string, o: number): [string, number] => {
    const b = buffers.find((x) => x.name === name);
    return b?.in ? abs(b.in.parent, o + b.in.offset) : [name, o];
  };
  const [root, lo] = abs(at.buf, at.off);
  const anywhere = 'offExpr' in at && at.offExpr !== undefined;
  const out: { op: MapOp }[] = [];
  for (const op of flat.slice(0, flat.indexOf(at))) {
    if (op.op !== 'dma_map' || liveMapping(flat, at, op.handle) !== op) continue;
    const [mroot, mlo] = abs(op.buf, op.off);
    if (mroot === root && (anywhere || (mlo < lo + at.size && lo < mlo + op.size))) out.push({ op });
  }
  return out;
}

