// When may a CPU perform a later op before an earlier one? The Arm rules for the accesses our
// programs make (herd7's aarch64.cat; Arm ARM B2.3 "Ordering requirements", DMB/DSB; reference
// §4, §9.11). Every rule is static, so compile() turns a CPU's ops into one precedence table.
//  - loads and stores to different Normal or Normal-NC locations may be performed in any order;
//  - accesses to overlapping bytes stay in order (coherence), except that a load may read its own
//    CPU's pending store early (store-buffer forwarding: rfi is not in aarch64.cat's ob), also a
//    store whose value or address depends on an earlier read, once that read is performed
//    (aarch64hwreqs.cat dob: `addr; [Exp]; lrs | data; [Exp]; lrs`);
//  - an access at a computed address (an address dependency) touches only the bytes it computes:
//    which earlier accesses it overlaps is decided when it may be performed (DYNAMIC, decided by
//    src/exec/machine.ts), not from its whole buffer;
//  - MMIO (Device-nGnRE) accesses to the one peripheral stay in order, but not against memory
//    nor against another peripheral's registers (`mmio REG @ nic;`, Arm ARM B2.7.2);
//  - dmb ld / dsb ld (dma_rmb, rmb) order earlier loads before every later access;
//  - dmb st (dma_wmb) orders earlier stores before later stores; dsb st (wmb) completes earlier
//    stores before any later instruction executes, so it holds later loads back too (Arm ARM
//    DSB; aarch64.cat's DSB-ob in aarch64hwreqs.cat);
//  - dmb osh / dsb sy (dma_mb, mb) order everything; a barrier is not an access: it never waits;
//  - smp_* are dmb ish*: they order for the other CPUs and, since Arm ARM Known issues M.a
//    (AARCH-24234: the shareability of a DMB no longer matters for memory effects), for the
//    device as well; `strictShareability` keeps the older reading (nothing for the device);
//  - writel = dmb oshst; str (v5.4+, 22ec71615d82) or dsb st; str (before): the barrier sits
//    before the MMIO store, so a later Normal store may pass the MMIO store;
//  - readl = ldr; dmb oshld: the barrier sits after the MMIO load, so an earlier Normal load may
//    be satisfied after it;
//  - a store never passes the load it is control dependent on (a poll loop, a mapping check:
//    dob `ctrl; [W]`), nor a read whose value an earlier access's address depends on (dob
//    `addr; [Exp]; po; [W]`: src/exec/compile.ts orderDependencies);
//  - an MMIO read (Device memory) is never performed speculatively (Arm ARM B2.7.2, "Speculative
//    data accesses are not permitted to Device memory"): it waits for every earlier branch — an
//    `if`/`while` on a read value, a `while (...) cpu_relax()` wait, readl's own control
//    dependency, a dma_mapping_error() check — one rule for every form;
//  - DMA API calls keep program order among themselves; one that maintains the cache ends in
//    dsb sy and orders everything; one that may bounce (swiotlb memcpy) reads and writes the
//    buffer's bytes and is ordered with the same CPU's accesses to them; behind an SMMU a map or
//    unmap ends in the IOVA allocator's spin_unlock, a store-release (iommuCall below);
//  - smp_load_acquire (LDAR) is performed before every later access, smp_store_release (STLR)
//    after every earlier one, and an STLR before a later LDAR stays before it (aarch64.cat bob:
//    [A|Q]; po, po; [L], [L]; po; [A]); spin_lock is an acquire, spin_unlock a release;
//  - xchg / cmpxchg are fully ordered: a full barrier on either side of one atomic access
//    (arch/arm64/include/asm/cmpxchg.h: the _mb variants, SWPAL/CASAL or LL/SC + dmb ish).

import type { Layout } from '../kernel/layout.js';
import { atLeast, iommuBouncesUntrusted, swiotlbHonoursSkipCpuSync, writelIsDsb } from '../kernel/version.js';
import type { Platform } from '../platform/platform.js';
import type { BarrierKind, CpuOp, Direction, Program } from '../program/types.js';

const R = 1, W = 2, MR = 4, MW = 8, API = 16; // API: a DMA API call (they keep program order: handles flow between them)
const LOADS = R | MR, STORES = W | MW, ALL = R | W | MR | MW;
/** What never passes an unresolved branch: stores, calls (they store) and MMIO reads (Arm ARM B2.7.2). */
const AFTER_BRANCH = STORES | API | MR;
/** What an address dependency orders after its read (dob `addr; [Exp]; po; [W]`): stores, and calls, which store. */
export const ADDR_PO_W = STORES | API;

interface BarrierSpec { before: number; after: number }
const LD: BarrierSpec = { before: LOADS, after: ALL }; // dmb ld, dsb ld
const ST: BarrierSpec = { before: STORES, after: STORES }; // dmb st
const DSB_ST: BarrierSpec = { before: STORES, after: ALL }; // dsb st
const FULL: BarrierSpec = { before: ALL | API, after: ALL | API }; // dmb sy, dsb sy

export interface OrderClass {
  /** performed in program order with respect to every other op (wait_irq, cache maintenance) */
  fence: boolean;
  /** A barrier between earlier and later accesses: the op itself, or the barrier inside writel (before its store) / readl (after its load). */
  barrier?: BarrierSpec;
  barrierAt?: 'op' | 'before' | 'after' | 'around';
  /** smp_load_acquire / spin_lock: every later access waits for this one (LDAR, aarch64.cat [A]; po) */
  acquire?: boolean;
  /** smp_store_release / spin_unlock: this one waits for every earlier access (STLR, po; [L]) */
  release?: boolean;
  kinds: number;
  /** memory ranges touched: [lo, hi) pairs */
  ranges: number[];
  /** an MMIO access: the peripheral its register belongs to ('' for the default one) */
  peripheral?: string;
  /** later stores are control dependent on this op */
  ctrl: boolean;
  /** The address is computed from a read when performed: `ranges` is then its whole buffer, a superset. */
  computed?: boolean;
  /**
   * A branch of a path program (`assume`): it waits only for the loads its condition reads (the
   * dependency edges of src/exec/compile.ts), and no later store or call is performed before it.
   */
  branch?: boolean;
}

/** Entries of the precedence table: may later op j be performed before pending earlier op i? */
export const FREE = 0, ORDERED = 1, FORWARD = 2; // FORWARD: only if j reads i's bytes from the store buffer
/** Either address is computed: FREE, ORDERED or FORWARD by the bytes both touch when j may be performed (exactRelation). */
export const DYNAMIC = 3;

function barrierSpec(kind: BarrierKind, p: Platform, hasDevice: boolean): BarrierSpec | undefined {
  switch (kind) {
    case 'mb': case 'dma_mb': return FULL;
    case 'rmb': case 'dma_rmb': return LD;
    case 'wmb': return DSB_ST;
    case 'dma_wmb': return ST;
    case 'smp_mb': case 'smp_rmb': case 'smp_wmb':
      // The scheduler keeps one order for every observer: with the strict reading and a device
      // to observe, an ISH barrier orders nothing (conservative for the other CPUs).
      if (p.strictShareability && hasDevice) return undefined;
      return kind === 'smp_mb' ? { before: ALL, after: ALL } : kind === 'smp_rmb' ? LD : ST;
  }
}

/** Whether a DMA API call runs cache maintenance (ending in dsb sy) on this platform. */
export function apiIssuesMaintenance(p: Platform, to: 'cpu' | 'device', dir: Direction, skipCpuSync: boolean): boolean {
  if (p.declaredCoherent || skipCpuSync) return false;
  return to === 'device' || dir !== 'DMA_TO_DEVICE';
}

/** What compile() knows about each handle before running: the CPU bytes it maps and whether it may bounce. */
export interface HandleInfo { ranges: number[]; mayBounce: boolean }

/**
 * Whether swiotlb may bounce a mapping (dma_direct_map_page): forced, above the DMA mask in force
 * at the map (platform devices start at DMA_BIT_MASK(32)), or a small kmalloc buffer of a
 * non-coherent device since v6.5 (dma_kmalloc_needs_bounce; size-only superset).
 */
function mayBounce(p: Platform, lo: number, hi: number, dir: Direction, mask: number): boolean {
  if (p.restrictedPool) return true; // every map bounces through the device's own pool
  if (p.swiotlb === 'absent') return false;
  // dma-iommu bounces an untrusted device's map that does not fill its IOVA granules (v5.11+)
  if (p.iommu !== 'none' && p.untrusted && iommuBouncesUntrusted(p.version) && (lo % p.iovaGranule !== 0 || (hi - lo) % p.iovaGranule !== 0)) return true;
  if (p.swiotlb === 'force' || hi - 1 > mask) return true;
  // a dma-ranges window: outside it, or a bus address above the mask or the window's end (src/kernel/dma-ranges.ts)
  if (p.dmaRangesSize > 0 && (hi > p.dmaRangesSize || p.dmaRangesBus + hi - 1 > mask)) return true;
  return !p.declaredCoherent && atLeast(p.version, 6, 5) && dir !== 'DMA_TO_DEVICE' && hi - lo < 256;
}

/** Each handle's CPU bytes and whether its mapping may bounce, following each CPU's dma_set_mask calls in program order. */
export function handleInfo(program: Program, p: Platform, layout: Layout): Map<string, HandleInfo> {
  const out = new Map<string, HandleInfo>();
  for (const a of program.actors) {
    if (a.kind !== 'cpu') continue;
    let mask = 2 ** 32 - 1;
    for (const op of a.ops) {
      if (op.op === 'dma_set_mask') mask = 2 ** op.bits - 1; // dma_set_mask_and_coherent sets the streaming mask too
      const entries = op.op === 'dma_map' ? [op] : op.op === 'dma_map_sg' ? op.entries : [];
      if (!entries.length || (op.op !== 'dma_map' && op.op !== 'dma_map_sg')) continue;
      const ranges: number[] = [];
      let bounce = false;
      for (const e of entries) {
        const b = layout.buffers.get(e.buf);
        if (!b) continue;
        const lo = b.addr + e.off, hi = lo + e.size;
        ranges.push(lo, hi);
        bounce ||= op.op === 'dma_map' && op.alloc ? false : mayBounce(p, lo, hi, op.dir, mask); // allocations never bounce
      }
      // A handle variable mapped more than once names every buffer it was given (its unmap and
      // syncs act on whichever it holds then).
      const before = out.get(op.handle);
      out.set(op.handle, before ? { ranges: [...before.ranges, ...ranges], mayBounce: before.mayBounce || bounce } : { ranges, mayBounce: bounce });
    }
  }
  return out;
}

const NONE: OrderClass = { fence: false, kinds: 0, ranges: [], ctrl: false };
const FENCE: OrderClass = { fence: true, kinds: API, ranges: [], ctrl: false };
const CALL: OrderClass = { ...NONE, kinds: API };

/**
 * NONE with these fields. (Not `{ ...NONE, ...fields }` written out: on Node 20 a literal that
 * opens with a spread and adds keys costs microseconds, and every op of every path is classed.)
 */
const orderClass = (fields: Partial<OrderClass>): OrderClass => Object.assign({}, NONE, fields);

/** mmio: registers' peripherals (Program.mmio): Device accesses to different peripherals are not ordered. */
export interface OrderContext { handles: Map<string, HandleInfo>; hasDevice: boolean; mmio?: Program['mmio'] }

export function orderClassOf(op: CpuOp, p: Platform, layout: Layout, ctx: OrderContext = { handles: new Map(), hasDevice: true }): OrderClass {
  const peripheral = (reg: string) => (ctx.mmio?.[reg]?.peripheral ? { peripheral: ctx.mmio[reg].peripheral } : {});
  const at = (buf: string, off: number, size: number) => {
    const lo = layout.buffers.get(buf)!.addr + off;
    return [lo, lo + size];
  };
  // A call that may memcpy between the buffer and its swiotlb slot (swiotlb_bounce) loads and
  // stores those bytes: the same CPU's accesses to them stay in order with it, whatever made the
  // mapping bounce (force, DMA mask, kmalloc bouncing). Non-bouncing bytes stay free.
  const copying = (handle: string, copies: boolean, part?: { off: number; size: number }): OrderClass => {
    const h = ctx.handles.get(handle);
    if (!copies || !h?.mayBounce) return CALL;
    // a single-buffer sync copies only the bytes it names (swiotlb_sync_single_for_*)
    // A partial sync: the same part of each buffer the variable was mapped to (one for most handles).
    const ranges = part ? h.ranges.flatMap((lo, i) => (i % 2 ? [] : [lo + part.off, lo + part.off + part.size])) : h.ranges;
    return { ...CALL, kinds: API | R | W, ranges };
  };
  const api = (to: 'cpu' | 'device', dir: Direction, skip: boolean, handle: string, copies: boolean, part?: { off: number; size: number }) =>
    apiIssuesMaintenance(p, to, dir, skip) ? FENCE : copying(handle, copies, part);
  // Behind an SMMU a map or unmap allocates or frees an IOVA under a spinlock — map:
  // iommu_dma_alloc_iova() -> alloc_iova_fast() -> __iova_rcache_get() (or alloc_iova()'s
  // iova_rbtree_lock); unmap: queue_iova()'s flush-queue lock (lazy) or free_iova_fast() (strict),
  // drivers/iommu/dma-iommu.c, iova.c — so it ends in spin_unlock's store-release (STLR): every
  // earlier access is performed before it, and as a store it is ordered by a later dmb st (a
  // writel()). What a dma-coherent device's map no longer orders by maintenance, this still does.
  const iommuCall = (c: OrderClass): OrderClass => (p.iommu === 'none' || c.fence ? c : { ...c, kinds: c.kinds | W, release: true });
  // An offset computed from a read (an address dependency) may be anywhere in its buffer.
  // So may a memcpy()/memset() length computed from a read.
  const range = (o: { buf: string; off: number; size: number; offExpr?: unknown; sizeExpr?: unknown }) => (o.offExpr || o.sizeExpr ? at(o.buf, 0, layout.buffers.get(o.buf)!.size) : at(o.buf, o.off, o.size));
  const computed = (o: { offExpr?: unknown; sizeExpr?: unknown }) => (o.offExpr || o.sizeExpr ? { computed: true } : {});
  switch (op.op) {
    case 'store': return orderClass({ kinds: W, ranges: range(op), ...computed(op), ...(op.release ? { release: true } : {}) });
    case 'load': return orderClass({ kinds: R, ranges: range(op), ...computed(op), ...(op.acquire ? { acquire: true } : {}) });
    case 'rmw': {
      if (op.fn === 'spin_lock') return orderClass({ kinds: R | W, ranges: at(op.buf, op.off, op.size), acquire: true, ctrl: true });
      // The _mb RMWs end in dmb ish (LL/SC) or are SWPAL/CASAL (LSE): ordered as smp_mb() on both sides.
      const spec = p.faults?.includes('barriers-order-nothing') ? undefined : barrierSpec('smp_mb', p, ctx.hasDevice);
      return orderClass({ kinds: R | W, ranges: at(op.buf, op.off, op.size), ...(spec ? { barrier: spec, barrierAt: 'around' as const } : {}) });
    }
    case 'poll': return orderClass({ kinds: R, ranges: range(op), ctrl: true, ...computed(op), ...(op.acquire ? { acquire: true } : {}) });
    case 'barrier': {
      const spec = p.faults?.includes('barriers-order-nothing') ? undefined : barrierSpec(op.kind, p, ctx.hasDevice);
      return spec ? orderClass({ barrier: spec, barrierAt: 'op' }) : NONE;
    }
    case 'writel':
      if (op.relaxed) return orderClass({ kinds: MW, ...peripheral(op.reg) });
      return orderClass({ kinds: MW, barrier: writelIsDsb(p.version) ? DSB_ST : ST, barrierAt: 'before', ...peripheral(op.reg) });
    case 'readl': return op.relaxed ? orderClass({ kinds: MR, ...peripheral(op.reg) }) : orderClass({ kinds: MR, barrier: LD, barrierAt: 'after', ctrl: true, ...peripheral(op.reg) });
    case 'wait_irq': return FENCE; // the handler's accesses are not issued before the interrupt is taken
    case 'dma_mapping_error': return { ...CALL, ctrl: true };
    case 'dma_set_mask': case 'dma_free_coherent': return CALL;
    case 'dma_alloc_coherent': return p.declaredCoherent ? orderClass({ kinds: W | API, ranges: at(op.buf, 0, layout.buffers.get(op.buf)!.size) }) : FENCE;
    // swiotlb_tbl_map_single copies into the slot for every direction (reference §2.4).
    // dma_alloc_noncoherent zeroes its pages through the cache: a store to them, and a call.
    case 'dma_map': if (op.alloc) return orderClass({ kinds: W | API, ranges: at(op.buf, op.off, op.size) }); return iommuCall(api('device', op.dir, !!op.skipCpuSync, op.handle, true));
    case 'dma_map_sg': return iommuCall(api('device', op.dir, !!op.skipCpuSync, op.handle, true));
    // before 0443fa003fa1 (v4.10) swiotlb copied back even with DMA_ATTR_SKIP_CPU_SYNC
    case 'dma_unmap': case 'dma_unmap_sg': return iommuCall(api('cpu', op.dir, !!op.skipCpuSync, op.handle, (!op.skipCpuSync || !swiotlbHonoursSkipCpuSync(p.version)) && op.dir !== 'DMA_TO_DEVICE'));
    // (a range computed from a read when performed: any bytes of the handle)
    case 'dma_sync': return api(op.to, op.dir, false, op.handle, op.to === 'cpu' ? op.dir !== 'DMA_TO_DEVICE' : op.dir !== 'DMA_FROM_DEVICE', op.sg || op.offExpr || op.sizeExpr ? undefined : op);
    // A branch: no access of its own, but no later store or call is performed before it resolves
    // (Arm: no speculative stores; a control dependency alone does not order a later load).
    case 'assume': return orderClass({ ctrl: true, branch: true });
    default: throw new Error(`orderClassOf: '${op.op}' is not a straight-line op (src/exec/paths.ts expands it)`);
  }
}

export function overlaps(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i += 2) for (let j = 0; j < b.length; j += 2) if (a[i] < b[j + 1] && b[j] < a[i + 1]) return true;
  return false;
}

/** Is there a barrier between the access of op i and the access of op j (i < j) that orders them? */
function barrierBetween(cs: readonly OrderClass[], i: number, j: number): boolean {
  const ki = cs[i].kinds, kj = cs[j].kinds;
  for (let k = i; k <= j; k++) {
    const c = cs[k];
    if (!c.barrier) continue;
    // where the barrier sits: a barrier op strictly between, writel's before its own store, readl's after its own load
    // an RMW's barriers sit on both sides of its own access ('around')
    const between = c.barrierAt === 'op' ? k > i && k < j : c.barrierAt === 'before' ? k > i : c.barrierAt === 'after' ? k < j : true;
    if (between && ki & c.barrier.before && kj & c.barrier.after) return true;
  }
  return false;
}

/**
 * The precedence table of one CPU's ops: table[j][i] (i < j) says whether op j may be performed
 * while op i is still pending. A barrier op has no access of its own: it waits for nothing and
 * nothing waits for it, so it is performed in program order (table[j] all ORDERED).
 */
export function precedence(classes: readonly OrderClass[]): Uint8Array[] {
  // The classes come in many shapes (optional fields spread in or not); the table reads them
  // O(n²) times, so it reads copies of one shape (V8 then keeps its property loads monomorphic).
  const cs = classes.map(oneShape);
  return cs.map((cj, j) => {
    const row = new Uint8Array(j);
    for (let i = 0; i < j; i++) row[i] = relation(cs, i, j);
    return row;
  });
}

function oneShape(c: OrderClass): OrderClass {
  // Every field named (a field added to OrderClass and not here fails to compile).
  const all: { [K in keyof Required<OrderClass>]: OrderClass[K] } = {
    fence: c.fence, barrier: c.barrier, barrierAt: c.barrierAt, acquire: c.acquire, release: c.release, kinds: c.kinds,
    ranges: c.ranges, peripheral: c.peripheral, ctrl: c.ctrl, computed: c.computed, branch: c.branch,
  };
  return all;
}

function relation(cs: readonly OrderClass[], i: number, j: number): number {
  const ci = cs[i], cj = cs[j];
  if (ci.fence || cj.fence) return ORDERED;
  // aarch64.cat ctrl: no store (nor a call, which stores) is performed before an earlier branch
  // resolves; a Normal load may be (speculation), an MMIO read may not (Device memory is never
  // read speculatively, Arm ARM B2.7.2); the branch itself waits only for its inputs.
  if (cj.branch) return FREE;
  if (ci.branch) return cj.kinds & AFTER_BRANCH ? ORDERED : FREE;
  if (cj.barrierAt === 'op' || cj.kinds === 0) return ORDERED; // barrier ops: performed when reached
  if (ci.barrierAt === 'op' || ci.kinds === 0) return FREE;
  if (barrierBetween(cs, i, j)) return ORDERED;
  // Acquire and release (aarch64.cat bob): [A]; po, po; [L], [L]; po; [A].
  if (ci.acquire || cj.release || (ci.release && cj.acquire)) return ORDERED;
  // Device-nGnRE accesses stay in program order only to the same peripheral (Arm ARM B2.7.2, "Device memory")
  if (ci.kinds & (MR | MW) && cj.kinds & (MR | MW) && (ci.peripheral ?? '') === (cj.peripheral ?? '')) return ORDERED;
  // The same rule for a branch inside an op (a poll loop's exit, readl's fake control dependency,
  // dma_mapping_error's check): one verdict whichever way the loop is written.
  if (ci.ctrl && cj.kinds & AFTER_BRANCH) return ORDERED;
  if (ci.kinds & API && cj.kinds & API) return ORDERED;
  if (!overlaps(ci.ranges, cj.ranges)) return FREE;
  if (ci.computed || cj.computed) return DYNAMIC;
  return sameBytes(ci, cj);
}

/** Ops touching overlapping bytes: coherence keeps them in order, but a plain load (or poll) may take its bytes from an earlier plain store still in the store buffer. */
function sameBytes(ci: OrderClass, cj: OrderClass): number {
  return ci.kinds === W && cj.kinds === R ? FORWARD : ORDERED;
}

/** What a DYNAMIC entry is once both ops' bytes are known (exact [lo, hi) pairs; [] touches nothing). */
export function exactRelation(ci: OrderClass, cj: OrderClass, ri: readonly number[], rj: readonly number[]): number {
  return overlaps(ri, rj) ? sameBytes(ci, cj) : FREE;
}

/** Must earlier op i be performed before later op j, with nothing in between? (for tests) */
export function ordered(i: OrderClass, j: OrderClass): boolean {
  return relation([i, j], 0, 1) !== FREE;
}
