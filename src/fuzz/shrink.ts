// Shrink a fuzz failure to the smallest change from what the file says: every platform setting
// back to the file's own (or the default) while it still fails, every buffer back to the
// allocator's default place and its neighbour writers dropped while it still fails, then every
// op of the program the failure does not need (and threads left empty), then the execution
// minimized (src/oracle/minimize.ts). The result prints as a litmus test naming the platform in
// its `platform { }` block and the placement as `at` addresses, which `dmafuzz check`
// reproduces (or, beyond check's bounds, `--replay` does).

import type { Execution } from '../exec/execution.js';
import { parseLitmus, type ParsedLitmus } from '../litmus/parse.js';
import { printLitmus } from '../litmus/print.js';
import { checkAllPaths, pathOf } from '../oracle/check.js';
import { minimizeCounterexample } from '../oracle/minimize.js';
import { judgeExecution } from '../oracle/oracle.js';
import { DEFAULT_PLATFORM, describePlatform, makePlatform, PlatformError, type PlatformConfig } from '../platform/platform.js';
import { ProgramError } from '../program/program-error.js';
import type { Program } from '../program/types.js';
import { compilePaths } from '../exec/compile.js';
import { programCandidates } from './program-edits.js';
import { on, shrink, type StillFails } from '../shrink/shrink.js';
import { platformCandidates } from '../shrink/platform-edits.js';
import { placementCandidates } from '../shrink/placement-edits.js';
import { MATRIX_KEYS, platformKey, type MatrixOptions } from '../kernel/platform-matrix.js';
import { applyPlacement, type Placement } from '../kernel/placement.js';
import { TRIAL_BOUNDS, trialCompiled, type TrialFailure } from './trial.js';

export interface ShrunkFailure {
  /** The file it came from. */
  file: string;
  test: string;
  trial: number;
  /** The platform of the trial that found it (platformKey), before shrinking. */
  foundOn: string;
  platform: PlatformConfig;
  platformText: string;
  placement: Placement;
  placementNotes: string[];
  /** The minimal litmus test (expect bug). */
  litmus: string;
  execution: Execution;
  /** `dmafuzz check` on the litmus test finds the bug by itself (else `--replay` with the saved execution does). */
  reproducesWithCheck: boolean;
  /** The time box or a signal ended the shrinking early: smaller than found, maybe not minimal. */
  shrinkCut?: boolean;
}

const O = { searchBudget: TRIAL_BOUNDS.searchBudget };

/** A failing execution of the file on this platform and placement: the given one if it still fails, else one searched for. */
function failingExecution(parsed: ParsedLitmus, platform: PlatformConfig, placement: Placement, hint: Execution): Execution | undefined {
  let c;
  try {
    c = trialCompiled(parsed, platform, placement);
  } catch (e) {
    if (e instanceof ProgramError || e instanceof PlatformError) return undefined;
    throw e;
  }
  if (judgeExecution(pathOf(c, hint), hint, O).verdict === 'bug') return hint;
  const r = checkAllPaths(c, { ...O, seed: 1, runs: TRIAL_BOUNDS.checkRuns, maxEvents: TRIAL_BOUNDS.maxEvents, maxStates: TRIAL_BOUNDS.maxStates });
  return r.counterexample?.execution;
}

/** A counterexample of this program on this platform, if check's search finds one. */
function failsOn(p: Program, platform: PlatformConfig, bounds: Parameters<typeof checkAllPaths>[1]): Execution | undefined {
  let c;
  try {
    c = compilePaths(p, makePlatform(platform))[0];
  } catch (e) {
    if (e instanceof ProgramError || e instanceof PlatformError) return undefined; // the op was needed to make sense of others
    throw e;
  }
  return checkAllPaths(c, bounds).counterexample?.execution;
}

/** The program checks ok on the file's own platform, buffers where the allocator puts them. */
function stillOkAsFiled(p: Program, base: PlatformConfig, bounds: Parameters<typeof checkAllPaths>[1]): boolean {
  try {
    return checkAllPaths(compilePaths(p, makePlatform(base))[0], bounds).verdict === 'ok';
  } catch (e) {
    if (e instanceof ProgramError || e instanceof PlatformError) return false;
    throw e;
  }
}

/** What the first two phases shrink: the machine the failure needs, and an execution failing on it. */
interface Found {
  platform: PlatformConfig;
  placement: Placement;
  execution: Execution;
}

/** `deadline` (ms since the epoch): stop there with what is smallest so far (0: do not shrink). */
export function shrinkFailure(file: string, parsed: ParsedLitmus, f: TrialFailure, o: MatrixOptions = {}, deadline = Infinity, now: () => number = Date.now): ShrunkFailure {
  let cut = false;
  const inTime = () => (now() < deadline ? true : ((cut = true), false));
  const budget = { inTime };
  // the file's own platform, as makePlatform resolves it (vmapStack follows the kernel when the file leaves it out)
  const { version: _v, faults: _f, ...base } = makePlatform(parsed.program.platform, o.pin);
  // A platform or placement candidate keeps the failure if its trial's execution still fails
  // there, or check's search finds another.
  const onMachine: StillFails<Found> = (x) => {
    const e = failingExecution(parsed, x.platform, x.placement, x.execution);
    return e ? { keep: { ...x, execution: e } } : false;
  };
  // 1. platform settings back to the file's own, one at a time, until none can go;
  // 2. placement: each buffer back to its default place, else without neighbour writers.
  let found: Found = { platform: f.platform, placement: f.placement, execution: f.execution };
  found = shrink(found, on((x) => x.platform, (x, platform) => ({ ...x, platform }), platformCandidates(MATRIX_KEYS, base)), onMachine, budget).value;
  found = shrink(found, on((x) => x.placement, (x, placement) => ({ ...x, placement }), placementCandidates), onMachine, budget).value;
  const { platform, placement } = found;
  let execution = found.execution;
  // 3. the execution.
  const placed = applyPlacement(parsed.program, platform, placement);
  const diff = Object.fromEntries(MATRIX_KEYS.filter((k) => platform[k] !== DEFAULT_PLATFORM[k]).map((k) => [k, platform[k]])) as Partial<PlatformConfig>;
  let program: Program = { ...placed.program, platform: Object.keys(diff).length ? diff : undefined };
  // 4. the program's ops, last first, each dropped if the failure survives without it — and the
  // smaller program is still ok where the file is checked by default, so what remains is this
  // failure (it needs the platform or placement), not another bug the deletion made.
  const bounds = { ...O, seed: 1, runs: TRIAL_BOUNDS.checkRuns, maxEvents: TRIAL_BOUNDS.maxEvents, maxStates: TRIAL_BOUNDS.maxStates };
  const asFiled = (p: Program): Program => ({
    ...parsed.program,
    actors: parsed.program.actors.flatMap((a) => p.actors.filter((b) => b.name === a.name)),
  });
  // Each candidate is one edit (src/fuzz/program-edits.ts): an op dropped, at any depth, a
  // branch replaced by one side, a loop's constant bound lowered; the first that keeps the
  // failure is taken and the edits start over, until none does.
  const ops = shrink({ program, execution }, on((x) => x.program, (x, p) => ({ ...x, program: p }), programCandidates), (x) => {
    const e = failsOn(x.program, platform, bounds);
    return e && stillOkAsFiled(asFiled(x.program), base, bounds) ? { keep: { program: x.program, execution: e } } : false;
  }, budget).value;
  [program, execution] = [ops.program, ops.execution];
  const c = pathOf(compilePaths(program, makePlatform(platform))[0], execution);
  if (inTime()) execution = { ...minimizeCounterexample(c, execution, O, undefined, budget).execution, ...(execution.path !== undefined ? { path: execution.path } : {}) };

  const comment = [
    `Found by dmafuzz fuzz in ${file} (trial ${f.trial}) on`,
    `  ${describePlatform(platform)}`,
    ...placed.notes.map((n) => `  ${n}`),
    ...(cut ? ['(shrinking cut short by the time box or a signal: maybe not minimal)'] : []),
  ].join('\n');
  const litmus = printLitmus(program, { expect: 'bug', comment });
  // What the user will run: the printed text, parsed back, under check's own defaults.
  const again = parseLitmus(litmus).program;
  // (out of time: say --replay, which reproduces it for certain)
  const reproducesWithCheck = inTime() && checkAllPaths(compilePaths(again, makePlatform(again.platform))[0]).verdict === 'bug';
  return {
    file, test: parsed.program.name, trial: f.trial, foundOn: platformKey(f.platform), platform, platformText: describePlatform(platform), placement, placementNotes: placed.notes,
    litmus, execution, reproducesWithCheck, ...(cut ? { shrinkCut: true } : {}),
  };
}
