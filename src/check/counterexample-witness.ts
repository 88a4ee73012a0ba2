// The witness of an ownership or contract finding: an arm64 run of the same program that goes
// wrong in the bytes the finding is about, on a platform and placement `dmafuzz fuzz` explores
// (src/kernel/platform-matrix.ts, placement.ts). The search is bounded and deterministic: the check's own
// platform first, then every matrix setting changed alone, then allocator placements, then seeded
// combinations, each checked at small bounds, until every finding has a witness or the budget
// (points and states) is spent.
//
// "About the bytes" (docs/contract.md): one of the run's differing observations is a CPU load of
// a buffer the finding's handle maps (or of the coherent buffer it names), a device access
// through that handle (or to an address it computed that falls in that mapping on arm64), or a hang of an actor that touches it. A finding that names no handle (a
// device access to a computed address no mapping covers) is about its own actor's reads.

import seedrandom from 'seedrandom';
import { compilePaths, type Compiled } from '../exec/compile.js';
import { fileMatrix, platformAt, platformKey, type FileMatrix } from '../kernel/platform-matrix.js';
import { applyPlacement, placeableBuffers, slotCount, type Placement } from '../kernel/placement.js';
import type { Machine } from '../exec/machine.js';
import type { Expr } from '../program/expr.js';
import { checkAllPaths, pathOf, type CheckResult } from '../oracle/check.js';
import { runModel } from '../model/machines.js';
import { mappingOf } from '../model/arm64-view.js';
import { makePlatform, PlatformError, type PlatformConfig } from '../platform/platform.js';
import { ProgramError } from '../program/program-error.js';
import type { CpuOp, DeviceOp, Program } from '../program/types.js';
import type { Finding, Witness } from './finding.js';

type Op = CpuOp | DeviceOp;

/** Bounds of the search: fixed, so a finding's severity does not depend on the machine. */
export const WITNESS_BUDGET = { points: 24, states: 40_000, runs: 20, maxEvents: 0, maxStates: 1_500, searchBudget: 10_000 };

export interface WitnessSearchInput {
  program: Program;
  /** The file's name as the user typed it, for the replay command. */
  file: string;
  /** --platform overrides of this check (the file's own block is in `program.platform`). */
  overrides: Partial<PlatformConfig>;
  unroll?: number;
  /** The check's own result on its platform and default placement: its counterexample is tried first. */
  own?: { paths: readonly Compiled[]; result: CheckResult };
}

export interface WitnessSearch {
  /** Per finding (by index in the list given): its witness, if one was found. */
  witnesses: (Witness | undefined)[];
  points: number;
  states: number;
}

type Bug = NonNullable<CheckResult['counterexample']>;

export function searchCounterexamples(findings: readonly Finding[], input: WitnessSearchInput, budget = WITNESS_BUDGET): WitnessSearch {
  const witnesses: (Witness | undefined)[] = findings.map(() => undefined);
  const pins = { ...(input.program.platform ?? {}), ...input.overrides };
  const m = fileMatrix({ platform: pins, actors: input.program.actors });
  const bufs = findings.map((f) => bytesOf(input.program, f.handle));
  let points = 0, states = 0;
  const absorb = (c: Compiled, bug: Bug, platform: PlatformConfig, placement: Placement) => {
    findings.forEach((f, i) => {
      if (witnesses[i]) return;
      const wrong = involves(pathOf(c, bug.execution), bug, f, bufs[i]);
      if (wrong) witnesses[i] = describe(input.file, platform, placement, wrong, pins);
    });
  };
  const own = input.own?.result.counterexample;
  if (own && input.own) absorb(input.own.paths[0], own, makePlatformConfig(pins), []);
  const done = () => witnesses.every(Boolean);
  for (const { platform, placement } of candidatePoints(input.program, m)) {
    if (done() || points >= budget.points || states >= budget.states) break;
    if (!placement.length && input.own && platformKey(platform) === platformKey(makePlatformConfig(pins))) continue; // the check's own run
    let c: Compiled;
    try {
      const placed = applyPlacement(input.program, platform, placement).program;
      c = compilePaths({ ...placed, platform: undefined }, makePlatform(platform), input.unroll)[0];
    } catch (e) {
      if (e instanceof ProgramError || e instanceof PlatformError) continue;
      throw e;
    }
    points++;
    const r = checkAllPaths(c, { seed: 1, runs: budget.runs, maxEvents: budget.maxEvents, maxStates: budget.maxStates, searchBudget: budget.searchBudget, totalBudget: { nodes: budget.searchBudget } });
    states += r.states + r.randomExecutions;
    if (r.counterexample) absorb(c, r.counterexample, platform, placement);
  }
  return { witnesses, points, states };
}

function makePlatformConfig(pins: Partial<PlatformConfig>): PlatformConfig {
  const { version: _v, faults: _f, ...config } = makePlatform(pins);
  return config;
}

const COMBOS: Partial<Record<keyof PlatformConfig, unknown>>[] = [
  { deviceAddressBits: 32, highRam: true, swiotlb: 'absent' },
  { deviceAddressBits: 32, highRam: true },
  { lineSize: 128, cwg: 128, kernel: '5.15' },
];

/** The platforms and placements tried, in order: each setting alone, placements, then combinations. */
function* candidatePoints(program: Program, m: FileMatrix): Generator<{ platform: PlatformConfig; placement: Placement }> {
  const zero = m.axes.map(() => 0);
  const base = platformAt(m, zero);
  if (base) yield { platform: base, placement: [] };
  for (const [i, a] of m.axes.entries()) {
    for (let v = 1; v < a.values.length; v++) {
      const p = platformAt(m, zero.map((z, k) => (k === i ? v : z)));
      if (p) yield { platform: p, placement: [] };
    }
  }
  // Settings that matter together: a mapping that fails (a 32-bit device, RAM above 4 GiB, no
  // swiotlb), one that bounces, a 128-byte line on an old kernel.
  for (const combo of COMBOS) {
    const p = platformAt(m, m.axes.map((a) => Math.max(0, (a.values as unknown[]).indexOf(combo[a.key]))));
    if (p) yield { platform: p, placement: [] };
  }
  const placeable = placeableBuffers(program);
  const rng = seedrandom('dmafuzz-witness');
  const pick = (n: number) => Math.floor(rng() * n);
  const placed = (platform: PlatformConfig): Placement =>
    placeable.map((b) => ({ buffer: b.name, slot: 1 + pick(Math.max(1, slotCount(b, platform) - 1)), neighbours: true })).filter((x) => slotCount(placeable.find((b) => b.name === x.buffer)!, platform) > 1);
  if (base && placeable.length) for (let k = 0; k < 3; k++) yield { platform: base, placement: placed(base) };
  for (let k = 0; k < 64; k++) {
    const p = platformAt(m, m.axes.map((a) => (rng() < 0.5 ? 0 : pick(a.values.length))));
    if (p) yield { platform: p, placement: rng() < 0.5 ? placed(p) : [] };
  }
}

/** The buffers whose bytes a handle names: what its maps map, the coherent buffer of that name, their fields. */
function bytesOf(p: Program, handle: string | undefined): Set<string> {
  const out = new Set<string>();
  if (handle === undefined) return out;
  out.add(handle);
  const walk = (ops: readonly Op[]) => {
    for (const op of ops) {
      if (op.op === 'dma_map' && op.handle === handle) out.add(op.buf);
      if (op.op === 'dma_map_sg' && op.handle === handle) for (const e of op.entries) out.add(e.buf);
      if (op.op === 'if') { walk(op.then as Op[]); walk((op.else ?? []) as Op[]); }
      if (op.op === 'while' || op.op === 'for') walk(op.body as Op[]);
    }
  };
  for (const a of p.actors) walk(a.ops);
  for (let grew = true; grew; ) {
    grew = false;
    for (const b of p.buffers) {
      if (b.in && out.has(b.in.parent) && !out.has(b.name)) { out.add(b.name); grew = true; }
      if (b.in && out.has(b.name) && !out.has(b.in.parent)) { out.add(b.in.parent); grew = true; }
    }
  }
  return out;
}

/** The first differing observation that is about the finding's bytes, in words; undefined if none. */
function involves(c: Compiled, bug: Bug, f: Finding, bufs: Set<string>): string | undefined {
  const { model, ideal } = bug.result;
  // A device access to an address it computed (read from a descriptor): where it went on arm64.
  let run: Machine | undefined;
  const hits = (a: number, addr: Expr): boolean => {
    if (!f.handle) return false;
    run ??= runModel(c, bug.execution);
    let bus: number;
    try {
      bus = Number(run.evaluate(a, addr));
    } catch {
      return false; // its inputs were never read: it was not performed
    }
    const mp = mappingOf(run, f.handle);
    if (mp && !mp.error && mp.segments.some((s) => s.bus <= bus && bus < s.bus + s.size)) return true;
    const b = c.layout.buffers.get(f.handle);
    return !!b && b.kind === 'coherent' && b.addr <= bus && bus < b.addr + b.size;
  };
  const touches = (op: Op, a: number): boolean => {
    if ('buf' in op && bufs.has(op.buf)) return true;
    if ('handle' in op && typeof op.handle === 'string' && bufs.has(op.handle)) return true;
    if ((op.op === 'dma_read' || op.op === 'dma_write' || op.op === 'dma_poll') && op.addr) return hits(a, op.addr);
    return false;
  };
  for (const [index, ca] of c.actors.entries()) {
    const name = ca.actor.name;
    const a = model.reads[name] ?? [], b = ideal.reads[name] ?? [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i] === b[i]) continue;
      const op = ca.actor.ops[i] as Op;
      const about = bufs.size ? touches(op, index) : name === f.actor;
      const o = op as { buf?: string; handle?: string; off?: number; addr?: Expr };
      const target = o.buf ?? (o.handle || undefined);
      const of = target ? ` of ${target} + ${o.off ?? 0}` : o.addr && f.handle ? ` through the address it computed (in ${f.handle})` : '';
      if (about) return `${name}'s ${op.op}${of} returns ${a[i] ?? 'nothing'}, where the ideal platform returns ${b[i] ?? 'nothing'}`;
    }
    if (model.done[name] !== ideal.done[name] && (bufs.size ? (ca.actor.ops as Op[]).some((op) => touches(op, index)) : name === f.actor)) {
      return `${name} ${model.done[name] ? 'finishes' : 'hangs'}, where on the ideal platform it ${ideal.done[name] ? 'finishes' : 'hangs'}`;
    }
  }
  return undefined;
}

function describe(file: string, platform: PlatformConfig, placement: Placement, wrong: string, pins: Partial<PlatformConfig>): Witness {
  const base = makePlatformConfig(pins);
  const changed = (Object.keys(platform) as (keyof PlatformConfig)[]).filter((k) => platform[k] !== base[k]);
  const named = changed.map((k) => `${k}=${String(platform[k])}`);
  const where = named.length ? `with ${named.join(', ')}` : "on the test's own platform";
  const placed = placement.length ? ` and ${placement.map((p) => `${p.buffer} in kmalloc slot ${p.slot}${p.neighbours ? ' (its neighbours written by another CPU)' : ''}`).join(', ')}` : '';
  const flags = changed.map((k) => ` --platform ${k}=${String(platform[k])}`).join('');
  // A placement is something only `dmafuzz fuzz` makes: it explores it on that platform.
  const replay = placement.length ? `dmafuzz fuzz ${file}${flags.replaceAll('--platform', '--pin')}` : `dmafuzz check ${file}${flags}`;
  return { kind: 'counterexample', text: `goes wrong ${where}${placed}: ${wrong}`, replay };
}
