// npm run bench — how fast the model, the oracle and the fuzzer run, against a bare fast-check
// baseline. A benchmark, not a test: it prints a table (and writes it into BENCHMARKS.md with
// --write) and never fails on a number.

import { execFileSync, execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { fuzz } from '../src/selftest/fuzz.js';
import { fuzzTarget, materialize, type Materialized } from '../src/selftest/targets.js';
import { judgeExecution } from '../src/oracle/oracle.js';
import { runModel } from '../src/model/machines.js';
import { cacheBaselineCommands } from './cache-baseline.js';
import { runBatch } from '../src/fuzz/batch.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

interface Row { what: string; perSecond: number; unit: string; note: string }

/** Run `once` repeatedly for about SECONDS and return calls per second (after a warm-up). */
function rate(once: () => number): number {
  for (let t = Date.now(); Date.now() - t < 300; ) once();
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(SECONDS * 1e9);
  while (process.hrtime.bigint() < end) n += once();
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

const opsOf = (m: Materialized) => m.counterexample.program.actors.reduce((n, a) => n + a.ops.length, 0);

// A fixed corpus of ~30-op well-behaved drivers with their executions.
const corpus = fc.sample(fuzzTarget('well-behaved:large').cases, { seed: 42, numRuns: 3000 })
  .map((k) => materialize(k))
  .filter((m) => { const n = opsOf(m); return n >= 25 && n <= 35; })
  .slice(0, 1000);
const meanOps = corpus.reduce((n, m) => n + opsOf(m), 0) / corpus.length;
const meanSteps = corpus.reduce((n, m) => n + m.counterexample.execution.steps.length, 0) / corpus.length;

let i = 0;
const rows: Row[] = [];
const next = () => corpus[i++ % corpus.length];
rows.push({ what: 'arm64 model alone', perSecond: rate(() => { const m = next(); runModel(m.compiled, m.counterexample.execution); return 1; }), unit: 'executions/s', note: `pre-generated, ${meanOps.toFixed(1)} ops, ${meanSteps.toFixed(1)} chosen steps` });
rows.push({ what: 'model + oracle (judgeExecution)', perSecond: rate(() => { const m = next(); judgeExecution(m.compiled, m.counterexample.execution); return 1; }), unit: 'executions/s', note: 'same corpus; ideal run of the same interleaving, witness search when it differs' });

let seed = 1;
const e2e = (target: string) => () => fuzz(target, { seed: seed++, runs: 200 }).executions;
rows.push({ what: 'fuzzer end to end, ~30-op drivers', perSecond: rate(e2e('well-behaved:large')), unit: 'executions/s', note: 'generate platform+driver+execution, build, compile, resolve, judge' });
rows.push({ what: 'fuzzer end to end, mixed drivers', perSecond: rate(e2e('well-behaved')), unit: 'executions/s', note: '1–3 transfers, the npm test / nightly target' });

// `dmafuzz fuzz` on the real-size RX test (issue 20: at least 1,000 trials a minute per worker):
// the first FUZZ_TRIALS trials of seed 1, timed whole on this thread as one worker runs them —
// parsing and the check search of the file's own platform (src/fuzz/trial.ts fileSearch, a few seconds here) included.
const RX = 'scenarios/drivers/napi-rx-page-pool.litmus';
const FUZZ_TRIALS = 500;
{
  const text = readFileSync(join(resolve(import.meta.dirname, '../..'), RX), 'utf8');
  const start = process.hrtime.bigint();
  const r = runBatch({ kind: 'trials', files: [[RX, text]], runSeed: 1, matrix: {}, trials: [...Array(FUZZ_TRIALS).keys()], deadline: Infinity, known: [] });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const executions = r.trials.reduce((n, t) => n + t.executions, 0);
  rows.push({ what: 'fuzz trials, napi-rx-page-pool.litmus', perSecond: r.trials.length / seconds, unit: 'trials/s', note: `${Math.round((60 * r.trials.length) / seconds).toLocaleString('en-US')} a minute on one worker; trials 0–${FUZZ_TRIALS - 1} of seed 1, ${Math.round(executions / r.trials.length)} executions each` });
}

const baseline = cacheBaselineCommands(60); // fc.commands draws 0..max commands: 30 on average
let bseed = 1;
rows.push({ what: 'baseline: bare fc.commands, 4-line WB cache', perSecond: rate(() => { fc.assert(baseline, { seed: bseed++, numRuns: 100 }); return 100; }), unit: 'executions/s', note: '30 commands on average (0–60): CPU write/read, clean, invalidate, device write vs flat memory' });

const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown';
const machine = `${cpus().length} cores (nproc ${execSync('nproc').toString().trim()}), ${cpu}, node ${process.version}`;
const table = [
  '| measurement | per second (1 core) | notes |',
  '|---|---:|---|',
  ...rows.map((r) => `| ${r.what} | ${Math.round(r.perSecond).toLocaleString('en-US')} ${r.unit} | ${r.note} |`),
].join('\n');
console.log(`machine: ${machine}\n\n${table}`);

if (process.argv.includes('--write')) {
  const file = 'BENCHMARKS.md';
  const text = readFileSync(file, 'utf8');
  const block = `<!-- bench:start -->\nCommand: \`npm run bench -- --write\` (BENCH_SECONDS=${SECONDS} per row), ${new Date().toISOString().slice(0, 10)}\n\nMachine: ${machine}\n\n${table}\n<!-- bench:end -->`;
  writeFileSync(file, text.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, block));
}

// The exhaustive check at the size of real drivers (issue 11): bench/scale.ts, each size in its
// own process; with --write it fills its own block of BENCHMARKS.md.
execFileSync(process.execPath, [fileURLToPath(new URL('./scale.js', import.meta.url)), ...process.argv.slice(2)], { stdio: 'inherit' });

// The whole-file check against the value check alone, on ordering tests the size of herd7's
// (issue 20): bench/check-cost.ts, in its own process; with --write it fills its own block.
execFileSync(process.execPath, [fileURLToPath(new URL('./check-cost.js', import.meta.url)), ...process.argv.slice(2)], { stdio: 'inherit' });
