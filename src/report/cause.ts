// Why a counterexample happened, in kernel terms: for each observation that differs, which step
// of the execution put the wrong bytes where they were read, and why the ideal platform differs.
// Read from the counterexample's one traced replay (src/report/traced-run.ts): after every step,
// the observed bytes as the reader sees them, as memory holds them, and the state of their cache
// lines — so every sentence names a step the report lists ("step 3"), a line and the bytes.

import type { Compiled } from '../exec/compile.js';
import type { Machine } from '../exec/machine.js';
import { byteRange, bytesEqual, formatValue, hex } from '../exec/values.js';
import type { ExecutionVerdict } from '../oracle/oracle.js';
import { newIdealMachine, runIdealLike } from '../model/machines.js';
import type { Arm64World } from '../arm64/arm64-world.js';
import { zeroedBytes } from '../platform/bytes.js';
import type { CpuOp, DeviceOp } from '../program/types.js';
import type { Expr } from '../program/expr.js';
import type { DeviceAddress } from '../exec/world.js';
import type { TraceEntry } from '../exec/trace.js';
import type { TracedRun } from './traced-run.js';
import { actorOf } from '../exec/op-id.js';
import { hardwareEventText } from './trace-text.js';
import { deviceReadTarget, whereWriteWent } from './device-target.js';

type Bug = Extract<ExecutionVerdict, { verdict: 'bug' }>;

/** What a reader saw at one address range, after one step. */
interface Snap { seen: Uint8Array; memory: Uint8Array; line: 'absent' | 'clean' | 'dirty' }

/** addr: where the CPU read, or the bus address the device drove (resolved at the read, in tell()); got: what arm64 returned. */
interface Victim { actor: number; op: number; addr: number; size: number; cpu: boolean; nonCacheable: boolean; ideal: string; got: string }

/**
 * One differing read, explained: what kind of mechanism, the sentence, and the steps (0-based
 * indexes into the traced run, as the reports number them from 1) a report marks.
 */
export interface Cause {
  kind: 'reordered-write' | 'reordered-read' | 'stale-hit' | 'discarded' | 'written-back' | 'not-copied' | 'not-cleaned' | 'missed';
  /** The whole explanation, naming every step it speaks of. */
  text: string;
  /** The mechanism in a few words, for the one-line "why" of a report. */
  short: string;
  /** The read that went wrong, and the op whose bytes the ideal platform's read returns. */
  read: number;
  write: number;
  /** The step to blame, and what it did wrong, in a few words ("performed early", "did not invalidate the line"). */
  culprit: { step: number; role: string };
  /** For a reordering: the earlier op (in program order) that the culprit overtook. */
  overtook?: number;
  /** The cache line the story is about. */
  line?: number;
  /** The reader, as `describe` names it ("cpu0's `r0 = ...`"). */
  reader: string;
  /** The bytes read: what arm64 returned and what the ideal platform returns ('' when its run has no such read: an `exists` outcome). */
  bytes: { addr: number; size: number; got: string; ideal: string };
}

/** Every differing read explained, from the counterexample's one traced replay (src/report/traced-run.ts). */
export function explainCauses(c: Compiled, run: TracedRun, bug: Bug, describe: (actor: number, op: number) => string): Cause[] {
  const out: Cause[] = [];
  for (const v of victims(c, run, bug)) {
    const story = tell(c, run, v, describe);
    if (story) out.push(story);
  }
  return out;
}

/** The reads whose values differ from the ideal platform's, with the address each one read. */
function victims(c: Compiled, run: TracedRun, bug: Bug): Victim[] {
  const world = run.world;
  const out: Victim[] = [];
  c.actors.forEach((ca, a) => {
    const model = bug.model.reads[ca.actor.name] ?? [], ideal = bug.ideal.reads[ca.actor.name] ?? [];
    ca.actor.ops.forEach((op, j) => {
      if (model[j] === undefined || model[j] === ideal[j]) return;
      if (ca.actor.kind === 'cpu') {
        const o = op as CpuOp;
        if (o.op !== 'load' && o.op !== 'poll') return;
        const b = c.layout.buffers.get(o.buf)!;
        // an offset or length computed from a read: the bytes this run's values named
        const r = o.offExpr || o.sizeExpr ? run.machine.accessedRange(a, j) : o;
        if (!r) return;
        out.push({ actor: a, op: j, addr: b.addr + r.off, size: r.size, cpu: true, nonCacheable: b.kind === 'coherent' && !c.platform.declaredCoherent, ideal: ideal[j] ?? '', got: model[j] });
      } else {
        const o = op as DeviceOp;
        if (o.op !== 'dma_read') return;
        // An address the device computed (read from a descriptor): the one this run's values named,
        // when it is inside a live mapping; else the story is the address (truncated, stale), told
        // by the observation that says so, not by the bytes found there.
        if (o.addr && run.trace.some((t) => t.actor === ca.actor.name && t.op === j && t.effects.some((e) => e.kind === 'device-address' && e.problem))) return;
        const addr = o.addr ? computedAddress(run, a, o.addr) : world.deviceAddress(o.handle, o.entry ?? 0, o.off);
        if (typeof addr === 'number') out.push({ actor: a, op: j, addr, size: o.size, cpu: false, nonCacheable: !c.platform.deviceCoherent, ideal: ideal[j] ?? '', got: model[j] });
      }
    });
  });
  return out;
}

/** The bus address a device computed, as the device drives it (undefined when its values are not all known). */
function computedAddress(run: TracedRun, a: number, e: Expr): DeviceAddress | undefined {
  try {
    return run.world.deviceAt(run.machine.evaluate(a, e));
  } catch {
    return undefined; // a value the run never read (the op was not performed)
  }
}

function tell(c: Compiled, run: TracedRun, victim: Victim, describe: (actor: number, op: number) => string): Cause | undefined {
  const trace = run.trace;
  const stepOf = (actor: number, op: number) => trace.findIndex((t) => t.actor === c.actors[actor].actor.name && t.op === op);
  const r = stepOf(victim.actor, victim.op);
  if (r < 0) return undefined;
  // A device read's bus address as the hardware resolved it then: an IOVA through the SMMU, a
  // bus address through the dma-ranges window — the memory the story is about.
  const target = victim.cpu ? { phys: victim.addr } : deviceReadTarget(c, r > 0 ? run.after[r - 1] : run.initial, victim.addr, victim.size);
  if (!target) return undefined;
  const v = 'phys' in target ? { ...victim, addr: target.phys } : victim;
  const line = v.addr - (v.addr % c.platform.cwg);
  const snap = (w: Arm64World): Snap => {
    const memory = w.memory.read(v.addr, zeroedBytes(v.size));
    // With two levels (CWG > DminLine) the bytes may sit in L1 or L2: dirty at either is dirty.
    const states = [w.cache.state(w.cache.lineOf(v.addr), 1), w.cache.outer ? w.cache.state(w.cache.outerLineOf(v.addr), 2) : undefined];
    const line = states.includes('dirty') ? 'dirty' : states.includes('clean') ? 'clean' : 'absent';
    const seen = v.nonCacheable ? memory : w.cache.read(v.addr, zeroedBytes(v.size));
    return { seen, memory, line };
  };
  // Taken when first asked for: a story looks at a few steps of the run, not at every one.
  const snaps = new Array<Snap | undefined>(run.after.length + 1);
  /** The state after step k; k = -1 is the start. */
  const at = (k: number): Snap => (snaps[k + 1] ??= snap(k < 0 ? run.initial : run.after[k]));
  const step = (k: number) => `step ${k + 1}`;
  const what = (k: number) => {
    const t = trace[k];
    return t.actor === undefined ? hardwareEventText(t.event!, c.platform) : describe(c.actorIndex.get(t.actor)!, t.op!);
  };
  /** What step k did, at the start of a sentence: "Speculative fill of line …", "cpu0's `…`". */
  const opening = (k: number) => (trace[k].actor === undefined ? capitalized(what(k)) : what(k));
  const reader = describe(v.actor, v.op);
  const bytes = byteRange(v.addr, v.size);
  const got = formatValue(at(r).seen);

  // The op whose bytes the ideal platform's read returns, and where it is in this execution.
  const writer = idealWriter(c, run.machine.order, v);
  const w = writer ? stepOf(writer.actor, writer.op) : -1;
  if (!writer || w < 0) return undefined;
  const wrote = describe(writer.actor, writer.op);
  const want = `what ${wrote} wrote`;
  const writerIsCpu = c.actors[writer.actor].actor.kind === 'cpu';
  const base = { read: r, write: w, reader, bytes: { addr: v.addr, size: v.size, got, ideal: v.ideal } };

  // The device's read never reached memory: the SMMU or the bus terminated it.
  if ('fault' in target) {
    const by = c.platform.iommu !== 'none' ? `the SMMU terminated it: ${target.fault}` : target.fault;
    const value = v.got.replace(/ \(.*\)$/, ''); // the value, without the observation's words
    const text = `${reader} (${step(r)}) never reached memory: ${by}. A terminated read returns the device all ones, so it read ${value} instead of ${want}.`;
    return { ...base, bytes: { ...base.bytes, got: value }, kind: 'missed', text, short: `the device's read was terminated before it reached memory (${target.fault.replace(/\): .*$/, ')')})`, culprit: { step: r, role: 'terminated by the SMMU or the bus' } };
  }

  // Out of program order: the read passed an earlier op, or the write was performed late.
  if (w > r) {
    if (writerIsCpu && !v.cpu) {
      const passed = c.actors[writer.actor].actor.ops.findIndex((_, j) => j > writer.op && stepOf(writer.actor, j) >= 0 && stepOf(writer.actor, j) < w);
      const by = passed >= 0 ? `${describe(writer.actor, passed)} (${step(stepOf(writer.actor, passed))}) was performed before it` : 'a later op of its thread was performed first';
      const text = `${wrote} was performed at ${step(w)}, after ${reader} (${step(r)}) read ${bytes}: ${by}, and nothing orders the two for the device. So the device read ${got} instead of ${want}.`;
      const overtaker = passed >= 0 ? stepOf(writer.actor, passed) : undefined;
      return {
        ...base, kind: 'reordered-write', text, short: `${wrote} reached memory after the device read it${passed >= 0 ? `: ${describe(writer.actor, passed)} was performed first` : ''} (nothing orders the two)`,
        culprit: { step: overtaker ?? w, role: overtaker !== undefined ? `performed before ${wrote}` : 'performed late' }, ...(overtaker !== undefined ? { overtook: w } : {}),
      };
    }
    const passed = c.actors[v.actor].actor.ops.findIndex((_, j) => j < v.op && stepOf(v.actor, j) > r);
    const ahead = passed >= 0 ? `ahead of ${describe(v.actor, passed)} (${step(stepOf(v.actor, passed))}), which comes first in program order — nothing orders the two —` : 'ahead of an earlier op of its thread (nothing orders them),';
    const text = `${reader} was performed at ${step(r)}, ${ahead} and so before ${wrote} (${step(w)}) wrote ${bytes}: it read ${got} instead of ${want}.`;
    const overtook = passed >= 0 ? stepOf(v.actor, passed) : undefined;
    return {
      ...base, kind: 'reordered-read', text, short: `the read was performed ahead of ${passed >= 0 ? describe(v.actor, passed) : 'an earlier op of its thread'}, before ${wrote} (nothing orders the two)`,
      culprit: { step: r, role: 'performed early' }, ...(overtook !== undefined ? { overtook } : {}),
    };
  }
  // A CPU load performed late: a load after it in program order was performed first (no
  // dma_rmb() between them), and this one read bytes written since — current bytes, not stale
  // ones. The ideal platform, performing the loads in program order, reads earlier.
  const late = v.cpu ? lateLoad(c, trace, v, r, w, stepOf, (k) => at(k).seen) : undefined;
  if (late) {
    const early = describe(v.actor, late.overtaker);
    const newer = what(late.newWriter);
    const snoops = c.platform.deviceCoherent ? ' The device snoops the CPU\'s cache (dma-coherent): no cache line was stale.' : '';
    // A doorbell performed before the load: writel()'s barrier (__iowmb(), dma_wmb(): dmb oshst)
    // orders only the stores before it, so the device started its next write before the CPU read.
    const bell = (c.actors[v.actor].actor.ops[late.overtaker] as CpuOp).op === 'writel';
    const order = bell ? 'writel() orders only the stores before it (its dma_wmb() is dmb oshst), not this load, so the device was told to go on before the CPU read (a dma_rmb() before the doorbell orders them: dmb oshld orders earlier loads before later stores)' : 'nothing orders the two loads (a dma_rmb() between them would)';
    const text = `${reader} (${step(r)}) read ${got}, the bytes ${newer} (${step(late.newWriter)}) had just written: it was performed after ${early} (${step(late.overtakerStep)}), which comes after it in program order — ${order}. The ideal platform performs them in program order, so its read comes before ${newer} and returns ${want}.${snoops}`;
    return {
      ...base, kind: 'reordered-read', text,
      short: bell ? `${early} was performed before ${reader} (writel() orders only earlier stores: a dma_rmb() before it would order the load), so ${reader} read what ${newer} wrote later`
        : `${early} was performed before ${reader} (nothing orders the two loads: dma_rmb() would), so ${reader} read what ${newer} wrote later`,
      culprit: { step: late.overtakerStep, role: 'performed early' }, overtook: r,
    };
  }
  // A CPU load that hit a line cached before a non-snooping device wrote memory (the write did
  // reach these bytes in memory: else it went elsewhere, told below).
  if (v.cpu && !v.nonCacheable && !c.platform.deviceCoherent && at(r - 1).line !== 'absent' && !bytesEqual(at(w).memory, at(w - 1).memory)) {
    let f = r - 1;
    while (f >= 0 && !(at(f).line !== 'absent' && at(f - 1).line === 'absent')) f--;
    if (f >= 0 && f < w && !writerIsCpu) {
      // The CPU-side sync or unmap that ran between the device's write and the read, and did not
      // invalidate the line: name it, and say why (arch_sync_dma_for_cpu() skips DMA_TO_DEVICE).
      const sync = lastCpuHandOver(c, trace, w, r);
      const missed = sync ? `${what(sync.step)} (${step(sync.step)}) did not invalidate the line: ${sync.why}` : 'nothing invalidated the line after that';
      const text = `${reader} (${step(r)}) hit line ${hex(line)} in the cache. ${opening(f)} (${step(f)}) had cached it before ${wrote} (${step(w)}) changed ${bytes} in memory, and ${missed} (a non-coherent device never updates the CPU's cache), so the CPU read the old bytes ${got}. The ideal platform has no cache: its read returns ${want}.`;
      return {
        ...base, kind: 'stale-hit', text, line,
        short: sync ? `${what(sync.step)} did not invalidate cache line ${hex(line)} (${sync.why}), so the CPU read the stale copy cached before the device wrote` : `the CPU read a stale copy of cache line ${hex(line)}: nothing invalidated it after the device wrote (dma_sync_*_for_cpu() or dma_unmap_*() does)`,
        culprit: sync ? { step: sync.step, role: `did not invalidate line ${hex(line)}` } : { step: r, role: `hit stale line ${hex(line)}` },
      };
    }
  }
  // The bytes were in a dirty line that a dc ivac discarded (pre-5.19 map, or a snooped device
  // write to a line the kernel then invalidates as if the device were non-coherent). A device
  // that does not snoop never puts its bytes in a cache line: a line discarded after its write
  // held the CPU's bytes, and the read got the device's own (told below, or by its read).
  for (let k = w + 1; k < r && (writerIsCpu || c.platform.deviceCoherent); k++) {
    if (trace[k].effects.some((e) => e.kind === 'cache' && e.event.kind === 'discard-dirty') && !bytesEqual(at(k).seen, at(k - 1).seen)) {
      const held = writerIsCpu ? `${wrote} (${step(w)}) left its bytes in dirty line ${hex(line)}` : `${wrote} (${step(w)}) landed in the CPU's cache: the hardware snoops, so the write dirtied line ${hex(line)} instead of reaching memory`;
      const text = `${held}. ${opening(k)} (${step(k)}) invalidated that line with dc ivac, which drops a dirty line without writing it back, so memory kept the old bytes and ${reader} (${step(r)}) read ${got} instead of ${want}.`;
      return { ...base, kind: 'discarded', text, line, short: `${what(k)} invalidated dirty line ${hex(line)} (dc ivac) and dropped the bytes ${wrote} wrote`, culprit: { step: k, role: `dropped dirty line ${hex(line)}` } };
    }
  }
  // Memory lost the written bytes to a later write-back of a stale dirty line.
  let last = r - 1;
  while (last >= 0 && bytesEqual(at(last).memory, at(last - 1).memory)) last--;
  if (last > w && trace[last].effects.some((e) => e.kind === 'cache' && e.event.kind === 'writeback')) {
    let d = last - 1;
    while (d >= 0 && !(at(d).line === 'dirty' && at(d - 1).line !== 'dirty')) d--;
    const since = d >= 0 ? ` The line had been dirty since ${what(d)} (${step(d)}): the cache held a copy of the whole line from before ${wrote}.` : '';
    const text = `The write-back of line ${hex(line)} during ${what(last)} (${step(last)}) put old bytes over ${bytes}, after ${wrote} (${step(w)}) had written them.${since} So ${reader} (${step(r)}) read ${got} instead of ${want}.`;
    return { ...base, kind: 'written-back', text, line, short: `the write-back of stale cache line ${hex(line)} during ${what(last)} put old bytes over what ${wrote} wrote`, culprit: { step: last, role: `wrote stale line ${hex(line)} back over the data` } };
  }
  // The device's write never reached these bytes: the SMMU, the bus or a memory firewall dropped
  // it, or it went elsewhere — a bounce slot, or memory a stale IOVA or bus address reaches.
  if (v.cpu && !writerIsCpu && bytesEqual(at(w).memory, at(w - 1).memory)) {
    const went = whereWriteWent(c, trace[w].effects, w > 0 ? run.after[w - 1] : run.initial);
    if (went?.dropped) {
      const text = `${wrote} (${step(w)}) never reached ${bytes}: ${went.text}. So ${reader} (${step(r)}) read the buffer's old bytes ${got} instead of ${want}.`;
      return { ...base, kind: 'missed', text, short: `${wrote} was dropped before it reached memory: ${went.short}`, culprit: { step: w, role: `dropped: ${went.short}` } };
    }
    if (went && !went.slot) {
      const text = `${wrote} (${step(w)}) did not reach ${bytes}: ${went.text}. So ${reader} (${step(r)}) read ${got} instead of ${want}.`;
      return { ...base, kind: 'missed', text, short: `${wrote} went to other memory: ${went.short}`, culprit: { step: w, role: went.short } };
    }
    const into = went ? `: it wrote ${went.text}` : '';
    const text = `${wrote} (${step(w)}) did not reach ${bytes}${into}. Nothing copied those bytes into the buffer before ${reader} (${step(r)}) — a swiotlb bounce buffer is copied back only by dma_sync_single_for_cpu() or dma_unmap_*() — so it read ${got} instead of ${want}.`;
    return { ...base, kind: 'not-copied', text, short: `${wrote} went to ${went ? went.short : 'a bounce buffer (or elsewhere)'} and nothing copied it back before the CPU read (dma_sync_*_for_cpu() or dma_unmap_*() does)`, culprit: { step: r, role: 'read before the bytes were copied back' } };
  }
  // A CPU store still in a dirty line when the non-coherent device read memory.
  if (!v.cpu && writerIsCpu && v.nonCacheable && at(r - 1).line === 'dirty') {
    const why = c.platform.declaredCoherent
      ? 'the kernel did no cache maintenance at all, because the device tree says dma-coherent'
      : 'nothing cleaned the line after the store (dma_sync_single_for_device() or dma_map_*() does)';
    const text = `${wrote} (${step(w)}) left its bytes in dirty line ${hex(line)}. The device does not snoop the CPU's cache: at ${step(r)} it read memory, which still held the old bytes ${got}, because ${why}.`;
    return { ...base, kind: 'not-cleaned', text, line, short: `the device read memory while ${wrote}'s bytes were still in dirty cache line ${hex(line)}: ${why}`, culprit: { step: w, role: `left its bytes in dirty line ${hex(line)}` } };
  }
  if (!v.cpu && writerIsCpu && bytesEqual(at(w).seen, at(w - 1).seen)) {
    const text = `${wrote} (${step(w)}) did not change ${bytes}, the memory the device reads (its mapping bounced, or another address): at ${step(r)} the device read ${got} instead of ${want}.`;
    return { ...base, kind: 'missed', text, short: `${wrote} did not reach the memory the device reads (its mapping bounced, or another address)`, culprit: { step: w, role: 'missed the memory the device reads' } };
  }
  return undefined;
}

/** The op that last changed the victim's bytes before the read, in the ideal run of the same interleaving. */
function idealWriter(c: Compiled, modelOrder: readonly number[], v: Victim): { actor: number; op: number } | undefined {
  // The ideal platform maps a buffer at its physical address: where the device reads is known
  // once the run has mapped it.
  const addr = v.cpu ? v.addr : idealDeviceAddress(c, runIdealLike(c, modelOrder), v);
  if (addr === undefined) return undefined;
  const ideal = newIdealMachine(c);
  const read = () => ideal.world.deviceRead(addr, v.size);
  let found: { actor: number; op: number } | undefined;
  for (const code of modelOrder) {
    const a = actorOf(code);
    const j = ideal.pendingOp(a, 0); // the ideal run performs each actor's ops in program order
    if (a === v.actor && j === v.op) break;
    const was = read();
    if (!ideal.run(a, 0)) continue;
    const now = read();
    if (!bytesEqual(was, now)) found = { actor: a, op: j };
  }
  return found;
}

function idealDeviceAddress(c: Compiled, ideal: Machine, v: Victim): number | undefined {
  const op = c.actors[v.actor].actor.ops[v.op] as DeviceOp;
  if (op.op !== 'dma_read') return undefined;
  let a: DeviceAddress;
  try {
    // an address the device computed: the one the ideal run's values name
    a = op.addr ? ideal.world.deviceAt(ideal.evaluate(v.actor, op.addr)) : ideal.world.deviceAddress(op.handle, op.entry ?? 0, op.off);
  } catch {
    return undefined; // a value the ideal run never read
  }
  return typeof a === 'number' ? a : undefined;
}

/**
 * The last CPU op between steps w and r (exclusive) that hands a buffer back to the CPU: a
 * dma_sync_*_for_cpu() or dma_unmap_*(); and why it left a line cached (arch_sync_dma_for_cpu()
 * does nothing for DMA_TO_DEVICE; DMA_ATTR_SKIP_CPU_SYNC skips it altogether).
 */
function lastCpuHandOver(c: Compiled, trace: readonly TraceEntry[], w: number, r: number): { step: number; why: string } | undefined {
  for (let k = r - 1; k > w; k--) {
    const t = trace[k];
    if (t.actor === undefined || t.op === undefined) continue;
    const ca = c.actors[c.actorIndex.get(t.actor)!];
    if (ca.actor.kind !== 'cpu') continue;
    const op = ca.actor.ops[t.op] as CpuOp;
    const handsBack = (op.op === 'dma_sync' && op.to === 'cpu') || op.op === 'dma_unmap' || op.op === 'dma_unmap_sg';
    if (!handsBack) continue;
    if ('skipCpuSync' in op && op.skipCpuSync) return { step: k, why: 'DMA_ATTR_SKIP_CPU_SYNC skips the cache maintenance' };
    if (op.dir === 'DMA_TO_DEVICE') return { step: k, why: 'with DMA_TO_DEVICE, arch_sync_dma_for_cpu() does no cache maintenance — the device wrote, so the direction must be DMA_FROM_DEVICE or DMA_BIDIRECTIONAL' };
    return { step: k, why: op.op === 'dma_sync' ? 'the range it syncs does not include this line' : 'what it unmaps does not include this line' };
  }
  return undefined;
}

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * A CPU load performed out of program order after a later load or doorbell of its thread, that read bytes an
 * actor wrote after the ideal run's writer (step w): the later load (`overtaker`, op index), the
 * step it was performed at, and the step of the write whose bytes this load read.
 */
function lateLoad(c: Compiled, trace: readonly TraceEntry[], v: Victim, r: number, w: number, stepOf: (actor: number, op: number) => number, seen: (k: number) => Uint8Array): { overtaker: number; overtakerStep: number; newWriter: number } | undefined {
  const ops = c.actors[v.actor].actor.ops as CpuOp[];
  let overtaker = -1;
  for (let j = v.op + 1; j < ops.length; j++) {
    const k = stepOf(v.actor, j);
    if (k >= 0 && k < r && (ops[j].op === 'load' || ops[j].op === 'poll' || ops[j].op === 'writel') && (overtaker < 0 || k < stepOf(v.actor, overtaker))) overtaker = j;
  }
  if (overtaker < 0) return undefined;
  // The step that last changed what this load sees: an actor's write, after the ideal writer.
  let k = r - 1;
  while (k > w && bytesEqual(seen(k), seen(k - 1))) k--;
  if (k <= w) return undefined;
  const t = trace[k];
  if (t.actor === undefined || t.op === undefined) return undefined; // a fill, an eviction: another story
  const a = c.actors[c.actorIndex.get(t.actor)!].actor;
  const op = a.ops[t.op];
  const writes = a.kind === 'device' ? op.op === 'dma_write' : op.op === 'store';
  if (!writes) return undefined; // a sync, an unmap, a write-back: another story
  return { overtaker, overtakerStep: stepOf(v.actor, overtaker), newWriter: k };
}
