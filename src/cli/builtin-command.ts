// `dmafuzz` with no arguments: check every built-in scenario — scenarios/*.litmus and the
// TypeScript scenarios of scenarios/index.ts — and compare each verdict with its expectation.

import { existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TS_SCENARIOS } from '../../scenarios/index.js';
import { compile } from '../exec/compile.js';
import { makePlatform } from '../platform/platform.js';
import type { CliOptions } from './args.js';
import { checkLitmusFile, checkProgramAs, formatInputError, type FileOutcome } from '../run/check-file.js';
import type { Io } from './check-command.js';
import { litmusFiles } from '../run/find-files.js';

export interface BuiltinRow {
  scenario: string;
  expect: string;
  verdict: string;
  asExpected: boolean;
  executions: number;
  search: string;
  ms: number;
}

/** The package root: the directory holding package.json, above this file in src/ or dist/src/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the dmafuzz package root');
    dir = up;
  }
  return dir;
}

export function runBuiltinScenarios(o: Pick<CliOptions, 'runs' | 'seed' | 'maxEvents' | 'maxStates'>): BuiltinRow[] {
  const root = packageRoot();
  const opts = { runs: o.runs, seed: o.seed, maxEvents: o.maxEvents, maxStates: o.maxStates, fix: false };
  const rows: BuiltinRow[] = [];
  const add = (scenario: string, expect: string | undefined, outcome: FileOutcome, ms: number) => {
    if (outcome.kind === 'error') {
      rows.push({ scenario, expect: expect ?? '-', verdict: 'error', asExpected: false, executions: 0, search: formatInputError(outcome), ms });
      return;
    }
    const r = outcome.result;
    rows.push({ scenario, expect: expect ?? 'none', verdict: outcome.verdict, asExpected: expect === outcome.verdict, executions: r.executions, search: r.exhaustive ? 'exhaustive' : r.method === 'exhaustive' ? 'exhaustive (bug)' : 'random', ms });
  };
  // scenarios/arm-model/ is the herd7 table: its `expect` lines are aarch64.cat's verdicts on the
  // hardware alone, checked by tests/arm-model.test.ts; the contract checker rightly flags some
  // rows (an smp_wmb() relied on for the device), so they are not built-in driver scenarios.
  for (const file of litmusFiles([join(root, 'scenarios')]).filter((f) => !f.includes(`${sep}arm-model${sep}`))) {
    const t = performance.now();
    const outcome = checkLitmusFile(file, opts);
    add(relative(root, file), outcome.kind === 'checked' ? outcome.expect : undefined, outcome, performance.now() - t);
  }
  for (const s of TS_SCENARIOS) {
    const t = performance.now();
    const c = compile(s.program, makePlatform(s.program.platform));
    add(s.id, s.expect, checkProgramAs(s.id, c, s.expect, opts), performance.now() - t);
  }
  return rows;
}

export function builtinCommand(o: CliOptions, io: Io): number {
  return printBuiltinRows(runBuiltinScenarios(o), o.json, io);
}

/** The table (or a JSON object per row) and the exit status; tests print rows they already have. */
export function printBuiltinRows(rows: BuiltinRow[], json: boolean, io: Io): number {
  if (json) {
    for (const r of rows) io.out(JSON.stringify(r));
  } else {
    const w = Math.max(...rows.map((r) => r.scenario.length));
    io.out(`${'scenario'.padEnd(w)}  expect  verdict       executions  search`);
    for (const r of rows) {
      const mark = r.asExpected ? '' : '   <-- differs from the expectation';
      io.out(`${r.scenario.padEnd(w)}  ${r.expect.padEnd(6)}  ${r.verdict.padEnd(12)}  ${String(r.executions).padStart(10)}  ${r.search}${mark}`);
    }
    const bad = rows.filter((r) => !r.asExpected).length;
    io.out(`\n${rows.length} scenarios: ${rows.length - bad} as expected${bad ? `, ${bad} differ` : ''}`);
  }
  return rows.every((r) => r.asExpected) ? 0 : 1;
}

