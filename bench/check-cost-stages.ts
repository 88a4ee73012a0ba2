// Where a whole-file check spends its time, stage by stage (issue 20): the stages of
// src/run/check-file.ts checkProgramAs called one by one, timed, on every file given (default:
// scenarios/arm-model). A measurement, not a test.
//
//   node dist/bench/check-cost-stages.js [--runs N] [FILE|DIR ...]

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLitmusFile, compileParsed, loadLitmus } from '../src/run/check-file.js';
import { checkPaths } from '../src/oracle/check.js';
import { explainCounterexample } from '../src/report/counterexample.js';
import { fileFindings } from '../src/check/file-findings.js';
import { verdictOf } from '../src/check/verdict.js';
import { findFix } from '../src/check/suggest-fix.js';
import { finalStates } from '../src/oracle/final-states.js';
import { PathMemo } from '../src/check/path-memo.js';
import { litmusFiles } from '../src/run/find-files.js';
import type { ParsedLitmus } from '../src/litmus/parse.js';

const STAGES = ['load', 'value', 'explain', 'contract', 'fix', 'final'] as const;
type Stage = typeof STAGES[number];

// CPU time of this process (ms), not the clock: the machine is shared, and a loaded machine
// stretches wall time without changing the work done.
const now = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

function stagesOf(file: string): Record<Stage, number> & { verdict: string } {
  const t: Record<Stage, number> = { load: 0, value: 0, explain: 0, contract: 0, fix: 0, final: 0 };
  let s = now();
  const text = readFileSync(file, 'utf8');
  const loaded = loadLitmus(file, text);
  if ('kind' in loaded) throw new Error(`${file}: ${loaded.message}`);
  const c = loaded.compiled;
  const paths = c.allPaths ?? [c];
  t.load = now() - s; s = now();
  const memo = new PathMemo();
  const result = checkPaths(paths, {}, memo.recorder({}));
  t.value = now() - s; s = now();
  if (result.counterexample) explainCounterexample(paths[result.counterexample.execution.path ?? 0], result.counterexample.execution, result.counterexample.result);
  t.explain = now() - s; s = now();
  const search = { program: c.source ?? c.program, file, overrides: {}, unroll: undefined, own: { paths, result } };
  const findings = fileFindings(paths, { source: loaded.parsed.source, search, waivers: [], memo });
  t.contract = now() - s; s = now();
  const verdict = verdictOf(result.verdict, findings.list);
  if (verdict === 'bug') {
    const finished = findings.complete && (result.method === 'exhaustive' || result.bound.events >= 0);
    const compileText = (p: ParsedLitmus) => {
      const r = compileParsed(file, p, {}, {});
      return 'kind' in r ? undefined : r.allPaths ?? [r];
    };
    findFix(text, c.source ?? c.program, compileText, { finished, memo });
  }
  t.fix = now() - s; s = now();
  finalStates(paths);
  t.final = now() - s;
  return { ...t, verdict };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): void {
  const args = process.argv.slice(2);
  let runs = 5;
  const given: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--runs') runs = Number(args[++i]);
    else given.push(args[i]);
  }
  const files = litmusFiles(given.length ? given : [resolve(fileURLToPath(import.meta.url), '../../../scenarios/arm-model')]);
  const sum: Record<Stage | 'whole' | 'valueAlone', number> = { load: 0, value: 0, explain: 0, contract: 0, fix: 0, final: 0, whole: 0, valueAlone: 0 };
  const ratios: number[] = [];
  // Steady state: one pass over every file first, as bench/check-cost.ts does (V8 optimises code
  // only after its first calls; the first files would pay for it).
  for (const file of files) { checkLitmusFile(file); stagesOf(file); }
  console.log(`file | verdict | whole | value alone | ${STAGES.join(' | ')} (ms, median of ${runs})`);
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const fresh = () => {
      const loaded = loadLitmus(file, text);
      return 'kind' in loaded ? undefined : loaded.compiled.allPaths ?? [loaded.compiled];
    };
    if (!fresh()) continue;
    const time = (f: () => void) => { if (runs > 1) f(); const xs: number[] = []; for (let i = 0; i < runs; i++) { const s = now(); f(); xs.push(now() - s); } return median(xs); };
    // The value check alone on the test freshly compiled each run (compiling not timed), as bench/check-cost.ts measures it.
    const valueAlone = median(Array.from({ length: runs + 1 }, () => { const p = fresh()!; const s = now(); checkPaths(p); return now() - s; }).slice(runs > 1 ? 1 : 0));
    const whole = time(() => checkLitmusFile(file));
    const per: Record<Stage, number[]> = { load: [], value: [], explain: [], contract: [], fix: [], final: [] };
    let verdict = '';
    for (let i = runs > 1 ? 0 : 1; i <= runs; i++) {
      const r = stagesOf(file);
      verdict = r.verdict;
      if (i > 0) for (const st of STAGES) per[st].push(r[st]);
    }
    const m = Object.fromEntries(STAGES.map((st) => [st, median(per[st])])) as Record<Stage, number>;
    for (const st of STAGES) sum[st] += m[st];
    sum.whole += whole;
    sum.valueAlone += valueAlone;
    ratios.push(whole / valueAlone);
    console.log(`${file.replace(/.*\//, '')} | ${verdict} | ${whole.toFixed(2)} | ${valueAlone.toFixed(2)} | ${STAGES.map((st) => m[st].toFixed(2)).join(' | ')}`);
  }
  console.log(`\n${files.length} files; sums (ms): whole ${sum.whole.toFixed(1)}, value alone ${sum.valueAlone.toFixed(1)}, ${STAGES.map((st) => `${st} ${sum[st].toFixed(1)}`).join(', ')}`);
  console.log(`whole / value alone: median ${median(ratios).toFixed(2)}, sum ratio ${(sum.whole / sum.valueAlone).toFixed(2)}`);
}

main();

