// What the fuzzer can be pointed at, by name, so that a seed and a path are enough to replay:
//   'well-behaved'   drivers that follow the DMA-API discipline — any counterexample is a failure;
//   'well-behaved:large'  the same with 3–4 transfers (about 30 ops), for long runs and benchmarks;
//   'bug-class:K'    drivers with one bug of kind K (BUG_KINDS) injected — the fuzzer must find it.

import fc from 'fast-check';
import { buildDriver, type Marks } from '../gen/build-driver.js';
import { BUG_KINDS, bugScenarioArb, wellBehavedScenarioArb, type BugKind, type Scenario } from '../gen/bug-scenarios.js';
import { rawExecutionArb, resolveAndRun, type RawStep } from '../gen/execution-arb.js';
import type { Machine } from '../exec/machine.js';
import { compile, type Compiled } from '../exec/compile.js';
import { makePlatform, type ModelFault, type PlatformConfig } from '../platform/platform.js';
import type { Counterexample } from './counterexample.js';
import type { Program } from '../program/types.js';

/**
 * One generated case: a scenario (platform + driver) and executions of it. Building and compiling
 * a driver costs more than running it, so each program is run under several executions.
 */
export interface FuzzCase { scenario: Scenario; steps: RawStep[]; more?: RawStep[][] }

/** Executions per generated program, at most. */
export const EXECUTIONS_PER_PROGRAM = 8;

export const executionsOf = (k: FuzzCase): RawStep[][] => [k.steps, ...(k.more ?? [])];

export interface Target {
  name: string;
  /** What every generated case should be: 'ok' (no counterexample exists) or 'bug' (one does). */
  expect: 'ok' | 'bug';
  cases: fc.Arbitrary<FuzzCase>;
}

export const TARGET_NAMES: readonly string[] = ['well-behaved', 'well-behaved:large', ...BUG_KINDS.map((k) => `bug-class:${k}`)];

export function bugKindOf(name: string): BugKind | undefined {
  const kind = name.startsWith('bug-class:') ? name.slice('bug-class:'.length) : undefined;
  return (BUG_KINDS as readonly string[]).includes(kind ?? '') ? (kind as BugKind) : undefined;
}

export function fuzzTarget(name: string, maxSteps = 40): Target {
  const cls = bugKindOf(name);
  if (!name.startsWith('well-behaved') && cls === undefined || !TARGET_NAMES.includes(name)) {
    throw new Error(`unknown fuzz target '${name}' (known: ${TARGET_NAMES.join(', ')})`);
  }
  const scenarios = cls !== undefined ? bugScenarioArb(cls) : name === 'well-behaved:large' ? wellBehavedScenarioArb(4, 3) : wellBehavedScenarioArb();
  return {
    name,
    expect: cls === undefined ? 'ok' : 'bug',
    cases: fc.record({
      scenario: scenarios,
      steps: rawExecutionArb(maxSteps),
      more: fc.array(rawExecutionArb(maxSteps), { maxLength: EXECUTIONS_PER_PROGRAM - 1, size: 'max' }),
    }),
  };
}

export interface Materialized {
  counterexample: Counterexample;
  compiled: Compiled;
  /** The arm64 run of the execution, made while resolving it (judgeRun takes it as is). */
  model: Machine;
  marks: Marks;
  protect: (keyof PlatformConfig)[];
}

/** A scenario built and compiled once, ready to run executions. */
export interface Built { scenario: Scenario; program: Program; compiled: Compiled; marks: Marks; faults?: readonly ModelFault[] }

export function buildCase(scenario: Scenario, faults?: readonly ModelFault[]): Built {
  const { program, marks } = buildDriver(scenario.spec, scenario.platform);
  const platform = makePlatform(scenario.platform);
  const compiled = compile(program, faults?.length ? { ...platform, faults } : platform);
  return { scenario, program, compiled, marks, ...(faults?.length ? { faults } : {}) };
}

/** One execution of a built case, as plain data, with the model run that resolved it. */
export function runCase(b: Built, steps: readonly RawStep[]): Materialized {
  const { execution, model } = resolveAndRun(b.compiled, steps);
  const counterexample: Counterexample = { platform: b.scenario.platform, ...(b.faults?.length ? { faults: [...b.faults] } : {}), program: b.program, execution };
  return { counterexample, compiled: b.compiled, model, marks: b.marks, protect: b.scenario.protect };
}

/** A generated case's first execution as plain data. */
export function materialize(k: FuzzCase, faults?: readonly ModelFault[]): Materialized {
  return runCase(buildCase(k.scenario, faults), k.steps);
}
