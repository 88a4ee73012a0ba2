// Compile and judge a counterexample (src/run/counterexample.ts: the platform, the program and
// the execution as data), independent of the generators that found it.

import { compilePaths, type Compiled } from '../exec/compile.js';
import { pathOf } from '../oracle/check.js';
import { judgeExecution, type ExecutionVerdict, type OracleOptions } from '../oracle/oracle.js';
import { makePlatform } from '../platform/platform.js';
import { ProgramError } from '../program/program-error.js';
import type { Counterexample } from '../run/counterexample.js';

export type { Counterexample };

/** The compiled path the execution runs on (a test with branches, loops or `exists` has several). */
export function compileCounterexample(x: Counterexample): Compiled {
  const platform = makePlatform(x.platform);
  return pathOf(compilePaths(x.program, x.faults?.length ? { ...platform, faults: x.faults } : platform)[0], x.execution);
}

/** The oracle's verdict, or undefined when the program no longer compiles (a minimiser candidate). */
export function judgeCounterexample(x: Counterexample, o: OracleOptions = {}): ExecutionVerdict | undefined {
  let c: Compiled;
  try {
    c = compileCounterexample(x);
  } catch (e) {
    if (e instanceof ProgramError) return undefined;
    throw e;
  }
  return judgeExecution(c, x.execution, o);
}

export interface CounterexampleSize {
  /** Operations over all actors. */
  ops: number;
  /** Hardware events: speculative fills, evictions, and ops performed out of program order. */
  events: number;
  /** Every step of the execution, scheduling included. */
  steps: number;
}

export function sizeOf(x: Counterexample): CounterexampleSize {
  const ops = x.program.actors.reduce((n, a) => n + a.ops.length, 0);
  const events = x.execution.steps.filter((s) => !('run' in s) || (s.skip ?? 0) > 0).length;
  return { ops, events, steps: x.execution.steps.length };
}
