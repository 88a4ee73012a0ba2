// Check the DMA API contract: the barrier rules on the program text, then the API and ownership
// rules over every interleaving. Findings depend only on the order in which ops are performed
// (never on fills, evictions or CPU reordering: the contract is stated in program order), so the
// interleavings are walked on the ideal platform, which is cheap to copy; one run of the arm64
// model in program order says what the kernel made of each map (bounced, failed, bus address).
// Actors that share nothing (no register, irq, handle or cache line) cannot affect each other's
// findings, so each group of connected actors is explored on its own. A group whose only DMA API
// call is dma_alloc_coherent() (the small ordering tests) reports the same in every interleaving:
// one execution that finishes every actor decides it (src/check/one-run-contract.ts).
// Within a group, partial-order reduction (src/oracle/persistent.ts, the value search's
// footprints): a finding at an op depends only on what that op touches, so every execution that
// is equivalent up to the order of ops that touch nothing in common meets it the same; a cut at
// --unroll conflicts with every op (cutsConflict). Path by path, an op another actor performs
// before a branch's assume fails may go unmet, but it is met on the path where that assume holds:
// the test's findings, its paths' together, are the full walk's (properties/contract-reduction.test.ts).
// Its own exploration on the engine, not an observer of the value check's: that one stops at its
// first counterexample, merges states by the arm64 machine alone, runs CPU ops out of program
// order and repeats every interleaving per level of cache events (docs/contract.md, with numbers).

import { kernelSourcePath } from '../kernel/version.js';
import type { Compiled } from '../exec/compile.js';
import { resolveBus } from '../exec/world.js';
import { opId, type OpId } from '../exec/op-id.js';
import type { Machine } from '../exec/machine.js';
import type { Mapping } from '../kernel/mapping.js';
import { newIdealMachine, newModelMachine } from '../model/machines.js';
import { mappingOf } from '../model/arm64-view.js';
import { explore } from '../search/explore.js';
import { footprints, type Footprints } from '../oracle/footprints.js';
import { closedSets } from '../oracle/persistent.js';
import { stateKey as machineStateKey } from '../oracle/state-key.js';
import { checkBarrierContract } from './barrier-contract.js';
import { ContractState, leavesStateAlone, performedLength } from './contract.js';
import { findingKey, type Finding } from './finding.js';
import { independentGroups } from './groups.js';
import { contractByOneRun, pendingAtEnd, sameInEveryInterleaving } from './one-run-contract.js';

export interface ContractResult {
  /** Each distinct finding once, in the order first met. */
  findings: Finding[];
  states: number;
  /** Every interleaving was covered (false: the state budget ran out first). */
  complete: boolean;
}

export const DEFAULT_CONTRACT_STATES = 20_000;

export interface ContractOptions {
  /** Test hook: the groups of actors walked on their own (default: independentGroups(c)). */
  groups?: readonly (readonly number[])[];
  /** Test hook: walk every group, even one a single run decides (src/check/one-run-contract.ts). */
  walkAll?: boolean;
  /** Test hook: copy the contract state at every step, even where the op leaves it alone. */
  copyAlways?: boolean;
  /** Test hook: walk every interleaving, without the partial-order reduction (default true). */
  reduce?: boolean;
  /** Test hook: the footprints the reduction goes by (default: footprints(c)). */
  footprints?: Footprints;
}

export function checkContract(c: Compiled, maxStates = DEFAULT_CONTRACT_STATES, o: ContractOptions = {}): ContractResult {
  const found = new Map<string, Finding>();
  const sink = (f: Finding) => {
    const k = findingKey(f);
    if (!found.has(k)) found.set(k, f);
  };
  const made = kernelMappings(c);
  const returnsAt = returnsAtFailedMap(c, made);
  for (const f of checkBarrierContract(c)) if (!(f.op > (returnsAt.get(f.actor) ?? Infinity))) sink(f);
  let states = 0;
  let complete = true;
  const groups = o.groups ?? independentGroups(c);
  // dma-debug counts every pending entry of the device: each group's count includes the others'.
  const leaves = groups.length > 1 ? groups.map((g) => pendingAtEnd(c, g, made)) : [0];
  const total = leaves.reduce((x, y) => x + y, 0);
  for (const [g, group] of groups.entries()) {
    const same = o.walkAll ? undefined : sameInEveryInterleaving(c, group);
    const others = total - leaves[g];
    const r = same === 'nothing' ? { states: 0, complete: true }
      : (same && contractByOneRun(c, group, sink, maxStates - states, others)) ?? exploreGroup(c, group, made, sink, maxStates - states, same === 'same', !!o.copyAlways, others, o.reduce ?? true ? cutsConflict(c, o.footprints ?? footprints(c)) : undefined);
    states += r.states;
    if (!r.complete) {
      complete = false;
      break;
    }
  }
  // Cited as the kernel being checked names its files (lib/dma-debug.c before v4.17).
  return { findings: [...found.values()].map((f) => ({ ...f, source: kernelSourcePath(f.source, c.platform.version) })), states, complete };
}

/** A state of the contract walk: the ideal machine, the contract's bookkeeping, and whether the driver returned there. */
interface Node { m: Machine; k: ContractState; out?: boolean; /** k.key(), once asked (k is never changed once made) */ kk?: string }

/**
 * `untilDone`: the group reports the same in every interleaving (src/check/one-run-contract.ts),
 * so the walk stops at its first state where every actor finished: the path there performed
 * every op, and what the walk met up to there is all it would meet.
 */
function exploreGroup(c: Compiled, group: readonly number[], made: Map<OpId, Mapping>, sink: (f: Finding) => void, budget: number, untilDone: boolean, copyAlways: boolean, others: number, f: Footprints | undefined): { states: number; complete: boolean } {
  const alone = c.actors.map((ca, a) => ca.actor.ops.map((_, j) => !copyAlways && leavesStateAlone(c, a, j)));
  // Every step of a state is taken, and its findings met, before any is explored; the last one
  // taken is explored first (the order findings are reported in). With the reduction, only the
  // steps of the first closed set of actors that can move (src/oracle/persistent.ts).
  const successors = (n: Node): Node[] => {
    for (const set of f ? closedSets(c, n.m, group, f) : [group]) {
      const out = steps(n, set);
      if (out.length) return out;
    }
    return [];
  };
  const steps = ({ m, k, kk }: Node, actors: readonly number[]): Node[] => {
    const out: Node[] = [];
    for (const a of actors) {
      const j = m.pendingOp(a, 0);
      if (j < 0 || m.blocked(a, j)) continue;
      const next = m.clone();
      if (!next.run(a, 0)) continue;
      // A state is never changed once made, so one an op leaves alone is shared.
      const nk = alone[a][j] ? k : k.clone();
      nk.afterOp(c, a, j, made.get(opId(a, j)), sink, computedTarget(next, a, j), performedLength(next, a, j));
      // A checked mapping the kernel failed: the driver returns there, as it does on arm64.
      const op = c.actors[a].actor.ops[j];
      const returned = op.op === 'dma_mapping_error' && op.reg === undefined && nk.mapped.get(op.handle)?.error;
      out.push({ m: next, k: nk, out: !!returned, kk: nk === k ? kk : undefined });
    }
    return out.reverse();
  };
  const r = explore<Node>({
    start: { m: newIdealMachine(c), k: new ContractState() },
    successors,
    // The machine with what each thread read so far (oracle/state-key.ts): values read decide what
    // comes next (a branch's assume, an address the device computes), so states that read
    // differently never merge, or the walk would keep only the first.
    key: (n) => stateKey(machineStateKey(n.m), (n.kk ??= n.k.key())),
    prune: (s) => s.out === true,
    onFinal: ({ m, k }) => {
      // Only a driver that ran to its end leaks, and only such a state ends a walk one run decides:
      // an execution cut at the loop bound (--unroll) stops inside the loop, before the unmaps after it.
      if (m.dead || !group.every((a) => m.done(a))) return false;
      k.atEnd(sink, !!c.program.unbind, others);
      return untilDone;
    },
    budget: { states: budget },
  });
  // The state that went over the budget was never walked: not counted.
  return { states: r.outcome === 'cut' ? r.states - 1 : r.states, complete: r.outcome !== 'cut' };
}

/**
 * The footprints the walk's reduction goes by: the value search's, with each cut (the assume that
 * ends a path past --unroll) conflicting with every op. A cut ends the whole execution, so an op
 * of another actor that the full walk performs before it, meeting a finding there, must not be
 * put after it: no path goes on past a cut to meet that finding later.
 */
function cutsConflict(c: Compiled, f: Footprints): Footprints {
  const cuts = c.actors.map((ca) => ca.actor.ops.map((op) => op.op === 'assume' && !!op.cut));
  if (!cuts.some((row) => row.includes(true))) return f;
  const all = new Uint32Array(Math.ceil(f.size / 32)).fill(0xffffffff);
  const op = f.op.map((row, a) => row.map((b, j) => (cuts[a][j] ? all : b)));
  const suffix = f.suffix.map((row, a) => (cuts[a].includes(true) ? row.map((b, i) => (cuts[a].slice(i).includes(true) ? all : b)) : row));
  return { ...f, op, suffix };
}

/**
 * A walk state's merge key: the machine's and the contract's text themselves (exact: two
 * different states never merge; a Map hashes a flat string faster than sha1 digests it), the
 * machine's length first so the two parts read back one way.
 */
function stateKey(machine: string, contract: string): string {
  return `${machine.length}:${machine}${contract}`;
}

/** What the arm64 kernel returned for each map op, from one model run in program order. */
function kernelMappings(c: Compiled): Map<OpId, Mapping> {
  const out = new Map<OpId, Mapping>();
  // Only map ops' results are recorded, so a program without one needs no run.
  if (!c.actors.some((ca) => ca.actor.ops.some(isMap))) return out;
  const m = newModelMachine(c);
  for (let progress = true; progress; ) {
    progress = false;
    for (let a = 0; a < c.actors.length; a++) {
      for (;;) {
        const j = m.pendingOp(a, 0);
        if (j < 0 || !m.run(a, 0)) break;
        // An assume this order fails (the path's branch needs another actor first, e.g. a status
        // the device has not written yet) says nothing of what later maps return: go on.
        m.dead = undefined;
        progress = true;
        const op = c.actors[a].actor.ops[j];
        if (op.op === 'dma_map' || op.op === 'dma_map_sg') out.set(opId(a, j), mappingOf(m, op.handle)!);
      }
    }
    // A failed, checked mapping stops the model run; later maps would be cut off there too.
    if (m.bailedOut !== undefined) m.bailedOut = undefined;
  }
  return out;
}

/**
 * Per actor, the first `if (dma_mapping_error(dev, h)) return ...;` whose mapping the kernel
 * failed: the driver returns there in every execution (the walk prunes the same way), so a finding
 * on the program text past it points at an op no execution performs. mlx5's RX test sets no mask
 * (32 bits) and maps a page above 4 GiB with no swiotlb: dma_direct_map_page() fails the first map.
 */
function returnsAtFailedMap(c: Compiled, made: Map<OpId, Mapping>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [a, ca] of c.actors.entries()) {
    const lastMap = new Map<string, number>();
    for (const [j, op] of ca.actor.ops.entries()) {
      if (isMap(op)) lastMap.set((op as { handle: string }).handle, j);
      if (op.op !== 'dma_mapping_error' || op.reg !== undefined) continue;
      const at = lastMap.get(op.handle);
      if (at !== undefined && made.get(opId(a, at))?.error) {
        out.set(ca.actor.name, j);
        break;
      }
    }
  }
  return out;
}

function isMap(op: { op: string }): boolean {
  return op.op === 'dma_map' || op.op === 'dma_map_sg';
}

/** Where a device access to a computed bus address went, on the ideal platform just run (null: no live mapping). */
function computedTarget(m: Machine, a: number, j: number): { handle: string; entry: number; off: number } | null | undefined {
  const op = m.c.actors[a].actor.ops[j];
  if ((op.op !== 'dma_read' && op.op !== 'dma_write' && op.op !== 'dma_poll') || !op.addr) return undefined;
  // the mapping the address was computed from, where two live ones cover it (a buffer mapped twice)
  return resolveBus(m.world, m.evaluate(a, op.addr), op.size, m.handleNamed(a, op.addr)) ?? null;
}
