// The fuzz loop: fast-check draws (platform, driver, execution) cases from a target, the oracle
// judges each, and the first counterexample is shrunk in three phases — by fast-check over the
// generator's choices and the execution together, by shrinkScenario() over the driver spec with a
// fresh execution search per candidate, then by minimize() over the concrete program — and
// returned with everything needed to replay it (seed, path, and the counterexample as data).

import fc from 'fast-check';
import { judgeRun } from '../oracle/oracle.js';
import type { ModelFault } from '../platform/platform.js';
import { sizeOf, type Counterexample, type CounterexampleSize } from './counterexample.js';
import { minimize } from './minimize.js';
import { shrinkScenario } from './shrink-scenario.js';
import { buildCase, executionsOf, fuzzTarget, runCase, type FuzzCase } from './targets.js';

export interface FuzzOptions {
  seed: number;
  /** Cases (programs, each with up to EXECUTIONS_PER_PROGRAM executions) to try. */
  runs: number;
  faults?: readonly ModelFault[];
  /** fast-check replay path: re-run exactly the case at this path. */
  path?: string;
  /** Ideal states the oracle's witness search may visit per judgement. */
  searchBudget?: number;
  maxSteps?: number;
  /** Run the second shrinking phase (default true). */
  minimize?: boolean;
  /** Stop after this many milliseconds (nightly time boxes). */
  timeLimitMs?: number;
}

export interface FuzzFailure {
  target: string;
  seed: number;
  path: string;
  faults?: ModelFault[];
  /** The case as fast-check shrank it. */
  shrunk: Counterexample;
  /** The same after the second phase: the litmus test to read. */
  minimal: Counterexample;
  size: CounterexampleSize;
}

export interface FuzzReport {
  target: string;
  seed: number;
  /** Programs (generated cases) fast-check ran, shrinking excluded. */
  programs: number;
  /** Executions judged, shrinking included. */
  executions: number;
  inconclusive: number;
  /** Executions judged up to and including the first counterexample. */
  runsToFind?: number;
  failure?: FuzzFailure;
}

export function fuzz(targetName: string, o: FuzzOptions): FuzzReport {
  const target = fuzzTarget(targetName, o.maxSteps);
  let executions = 0;
  let inconclusive = 0;
  let runsToFind: number | undefined;
  const property = fc.property(target.cases, (k: FuzzCase) => {
    const built = buildCase(k.scenario, o.faults);
    for (const steps of executionsOf(k)) {
      executions++;
      const m = runCase(built, steps);
      const v = judgeRun(m.compiled, m.model, { searchBudget: o.searchBudget });
      if (v.verdict === 'inconclusive') inconclusive++;
      if (v.verdict !== 'bug') continue;
      runsToFind ??= executions;
      return false;
    }
    return true;
  });
  const details = fc.check(property, {
    seed: o.seed,
    numRuns: o.runs,
    ...(o.path !== undefined ? { path: o.path } : {}),
    ...(o.timeLimitMs !== undefined ? { interruptAfterTimeLimit: o.timeLimitMs, markInterruptAsFailure: false } : {}),
  });
  const report: FuzzReport = { target: targetName, seed: o.seed, programs: details.numRuns, executions, inconclusive, ...(runsToFind !== undefined ? { runsToFind } : {}) };
  if (!details.failed) return report;
  const k = details.counterexample?.[0];
  if (!k) throw details.errorInstance ?? new Error(`fuzz ${targetName}: fast-check failed without a counterexample`);
  const built = buildCase(k.scenario, o.faults);
  const m = executionsOf(k).map((steps) => runCase(built, steps)).find((r) => judgeRun(r.compiled, r.model, { searchBudget: o.searchBudget }).verdict === 'bug');
  if (!m) throw details.errorInstance ?? new Error(`fuzz ${targetName}: the shrunk case is no longer a counterexample`);
  let minimal = m.counterexample;
  if (o.minimize !== false) {
    const searched = shrinkScenario(k.scenario, m, { seed: o.seed, faults: o.faults, searchBudget: o.searchBudget, maxSteps: o.maxSteps });
    const f = searched.found;
    minimal = minimize(f.counterexample, { marks: f.marks, protect: f.protect, searchBudget: o.searchBudget }).counterexample;
  }
  report.failure = {
    target: targetName,
    seed: o.seed,
    path: details.counterexamplePath ?? '',
    ...(o.faults?.length ? { faults: [...o.faults] } : {}),
    shrunk: m.counterexample,
    minimal,
    size: sizeOf(minimal),
  };
  return report;
}

/** The lines that tell a reader how to get this failure back. */
export function howToReplay(f: Pick<FuzzFailure, 'target' | 'seed' | 'path' | 'faults'>, file?: string): string {
  const faults = f.faults?.length ? `, faults: ${JSON.stringify(f.faults)}` : '';
  const faultArgs = f.faults?.length ? ` --faults ${f.faults.join(',')}` : '';
  const lines = [
    `replay: target ${f.target}, seed ${f.seed}, path ${f.path}${f.faults?.length ? `, model faults ${f.faults.join(',')}` : ''}`,
    `  in code:   replay({ target: '${f.target}', seed: ${f.seed}, path: '${f.path}'${faults} })`,
    `  in shell:  dmafuzz replay --target ${f.target} --seed ${f.seed} --path ${f.path}${faultArgs}`,
  ];
  if (file) lines.push(`  saved:     ${file}   (dmafuzz replay ${file})`);
  return lines.join('\n');
}
