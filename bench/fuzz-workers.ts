// npm run bench:fuzz — `dmafuzz fuzz FILES` throughput with 1 and 2 workers (executions/s, trials/s)
// on the built-in scenarios that are ok (every *.litmus of scenarios/ that says `expect ok`,
// scenarios/platforms/ included: its failures are shrunk inside the measurement, as in a real
// night), and the process's peak RSS (worker threads share the process). A benchmark: it prints,
// never fails on a number. BENCH_FUZZ_SECONDS sets the time box per run (default 60).
// CPU seconds per wall second show whether the machine gave the process its cores.

import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fuzzFiles } from '../src/fuzz/fuzz-files.js';
import { litmusFiles } from '../src/run/find-files.js';

const SECONDS = Number(process.env.BENCH_FUZZ_SECONDS ?? 60);
/** BENCH_FUZZ_TRIALS=N: the same N trials for both runs instead of a time box (compares CPU efficiency). */
const TRIALS = process.env.BENCH_FUZZ_TRIALS ? Number(process.env.BENCH_FUZZ_TRIALS) : undefined;
const root = resolve(import.meta.dirname, '../..');
const files = litmusFiles([join(root, 'scenarios')]);

let peak = 0;
const sample = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 200);
const rows: { workers: number; execs: number; trials: number; seconds: number; cpu: number }[] = [];
for (const workers of [1, 2]) {
  const cpu0 = process.cpuUsage();
  const s = await fuzzFiles({ files, timeMs: TRIALS ? 3_600_000 : SECONDS * 1000, seed: 1, workers, corpus: undefined, ...(TRIALS ? { maxTrials: TRIALS } : {}) });
  const cpu = process.cpuUsage(cpu0); // all threads of the process
  rows.push({ workers, execs: s.executions / (s.elapsedMs / 1000), trials: s.trials / (s.elapsedMs / 1000), seconds: s.elapsedMs / 1000, cpu: (cpu.user + cpu.system) / 1e6 });
}
clearInterval(sample);
console.log(`dmafuzz fuzz scenarios/ (${files.length} files), seed 1, ${TRIALS ? `${TRIALS} trials` : `${SECONDS} s`} per run, ${availableParallelism()} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log('| workers | executions/s | trials/s | ratio (executions/s) | CPU seconds per wall second | executions per CPU second |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.workers} | ${r.execs.toFixed(0)} | ${r.trials.toFixed(1)} | ${(r.execs / rows[0].execs).toFixed(2)}× | ${(r.cpu / r.seconds).toFixed(2)} | ${((r.execs * r.seconds) / r.cpu).toFixed(0)} |`);
}
console.log(`peak RSS of the process (main + worker threads): ${(peak / 2 ** 20).toFixed(0)} MB`);
