// What the whole-file check costs beyond the value check (issue 20), on ordering tests the size
// of herd7's. Two tables, run by `npm run bench` (with --write, into BENCHMARKS.md):
//   - the small ordering tests (scenarios/arm-model): per test, in steady state (after one pass
//     over every file), the median of RUNS (11) runs after a warm-up of the whole-file check (`dmafuzz
//     check`'s checkLitmusFile: read, parse, compile, value check, explanation, contract, fix
//     search, final states) against the value check of the same file alone (read, parse, compile,
//     checkPaths: the same work but the contract, the fix and the explanation), and against the
//     search alone (checkPaths on the test freshly compiled, compiling not timed: the stricter
//     comparison, as the whole-file check reads and compiles its file and this does not);
//   - the battery: the same files and herd7's LKMM tests (tests/fixtures/lkmm) checked once each,
//     one after another in one fresh process as `herd7 *.litmus` would, whole file against value
//     check alone (each in its own process, so both pay the same warm-up); herd7 takes about
//     11 ms a test for these shapes.
// A benchmark, not a test: no number fails anything.
//
//   node dist/bench/check-cost.js [--write] [--cpu]          (--cpu: CPU time, for a busy machine)
//   node dist/bench/check-cost.js --battery whole|value [--cpu]   (one battery run, JSON)

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLitmusFile, loadLitmus } from '../src/run/check-file.js';
import { checkPaths } from '../src/oracle/check.js';
import { litmusFiles } from '../src/run/find-files.js';
import { readLitmusFile } from '../src/litmus/read-file.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const SMALL = [resolve(ROOT, 'scenarios/arm-model')];
const BATTERY = [resolve(ROOT, 'scenarios/arm-model'), resolve(ROOT, 'tests/fixtures/lkmm')];
const HERD7_MS = 11;

const CPU = process.argv.includes('--cpu');
/** Milliseconds: the clock, or with --cpu this process's CPU time (a loaded machine stretches the clock, not the work). */
const now = CPU ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : () => Number(process.hrtime.bigint()) / 1e6;

/** Runs per test and measurement: the machine's speed drifts by tens of percent over seconds; an odd count, so the median is a run. */
const RUNS = 11;

const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

/** The compiled paths of a file (read, parsed, compiled), or undefined when it does not load (then it is left out). */
function pathsOf(file: string) {
  const loaded = loadLitmus(file, readLitmusFile(file));
  return 'kind' in loaded ? undefined : loaded.compiled.allPaths ?? [loaded.compiled];
}

function smallTests(): string {
  const files = litmusFiles(SMALL);
  const medianFresh = <T>(make: () => T, f: (x: T) => void) => {
    f(make());
    const t: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const x = make();
      const s = now();
      f(x);
      t.push(now() - s);
    }
    return q(t, 0.5);
  };
  const median = (f: () => void) => {
    f();
    const t: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const s = now();
      f();
      t.push(now() - s);
    }
    return q(t, 0.5);
  };
  // One pass over every file of both first: V8 optimises each check's code only after its first
  // few dozen calls, and without this the first files would be charged that one-time warm-up as
  // their own cost (the first test's value check took 47 ms cold, 13 ms warm).
  for (const f of files) {
    const paths = pathsOf(f);
    if (paths) { checkPaths(paths); checkLitmusFile(f); }
  }
  const value: number[] = [], file: number[] = [], whole: number[] = [], ratio: number[] = [], fileRatio: number[] = [];
  for (const f of files) {
    if (!pathsOf(f)) continue;
    // Each run on the test freshly compiled (outside the clock), as every check of a file is: what
    // a check works out once per compiled program (footprints, relevant lines, the kernel's
    // decisions) is part of its cost, not left over from the run before.
    const v = medianFresh(() => pathsOf(f)!, (paths) => checkPaths(paths));
    const vf = median(() => checkPaths(pathsOf(f)!));
    const w = median(() => checkLitmusFile(f));
    value.push(v);
    file.push(vf);
    whole.push(w);
    ratio.push(w / v);
    fileRatio.push(w / vf);
  }
  const row = (what: string, xs: number[]) => `| ${what} | ${q(xs, 0.5).toFixed(1)} ms | ${q(xs, 0.9).toFixed(1)} ms | ${Math.max(...xs).toFixed(1)} ms |`;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return [
    `Small ordering tests: the ${value.length} files of scenarios/arm-model; per test the median of ${RUNS} runs in steady state, after one pass over every file and a warm-up of the test (${CPU ? 'CPU time' : 'wall time'}).`,
    '',
    '| work per test | median | 90th percentile | max |',
    '|---|---:|---:|---:|',
    row('search alone (checkPaths on the freshly compiled test)', value),
    row('value check of the file alone (read, parse, compile, checkPaths)', file),
    row('whole-file check (read, parse, compile, value check, explanation, contract, fix search, final states)', whole),
    '',
    `Whole file / value check of the file alone: ${(sum(whole) / sum(file)).toFixed(2)}× in total, per test median ${q(fileRatio, 0.5).toFixed(2)}× (max ${Math.max(...fileRatio).toFixed(1)}×); the goal is at most 2×.`,
    `Whole file / search alone (stricter: only the whole file is read and compiled on the clock): ${(sum(whole) / sum(value)).toFixed(2)}× in total, per test median ${q(ratio, 0.5).toFixed(2)}× (max ${Math.max(...ratio).toFixed(1)}×).`,
  ].join('\n');
}

/** One battery run in this process: every file once, in order; JSON { files, ms }. */
function battery(what: 'whole' | 'value'): { files: number; ms: number; failed: number } {
  const files = litmusFiles(BATTERY);
  let n = 0, failed = 0;
  const s = now();
  for (const f of files) {
    try {
      if (what === 'whole') checkLitmusFile(f);
      else {
        const paths = pathsOf(f); // parse and compile are part of a herd7 run too, so they count here
        if (paths) checkPaths(paths);
      }
    } catch {
      failed++; // an internal error: counted, so the table says so, and the battery goes on
    }
    n++;
  }
  return { files: n, ms: now() - s, failed };
}

function batteryTable(): string {
  const run = (what: string) => JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--battery', what, ...(CPU ? ['--cpu'] : [])], { encoding: 'utf8' })) as { files: number; ms: number; failed: number };
  const value = run('value'), whole = run('whole');
  const per = (r: { files: number; ms: number }) => r.ms / r.files;
  return [
    `Battery: the ${whole.files} files of scenarios/arm-model and tests/fixtures/lkmm (herd7's LKMM tests), each checked once, in order, in one fresh process (${CPU ? 'CPU time' : 'wall time'}, start-up of node excluded).`,
    '',
    '| one process, every file once | total | per test | against herd7 (~11 ms a test) |',
    '|---|---:|---:|---:|',
    `| value check alone (parse, compile, checkPaths) | ${(value.ms / 1000).toFixed(2)} s | ${per(value).toFixed(1)} ms | ${(per(value) / HERD7_MS).toFixed(1)}× |`,
    `| whole-file check (\`dmafuzz check\`) | ${(whole.ms / 1000).toFixed(2)} s | ${per(whole).toFixed(1)} ms | ${(per(whole) / HERD7_MS).toFixed(1)}× |`,
    '',
    `Whole file / value check alone: ${(whole.ms / value.ms).toFixed(2)}×.${whole.failed + value.failed ? ` Internal errors: ${whole.failed} whole-file, ${value.failed} value checks.` : ''}`,
  ].join('\n');
}

if (process.argv.includes('--battery')) {
  console.log(JSON.stringify(battery(process.argv[process.argv.indexOf('--battery') + 1] as 'whole' | 'value')));
} else {
  const tables = `${smallTests()}\n\n${batteryTable()}`;
  console.log(tables);
  if (process.argv.includes('--write')) {
    const file = 'BENCHMARKS.md';
    const text = readFileSync(file, 'utf8');
    const block = `<!-- check-cost:start -->\nCommand: \`npm run bench -- --write\` (this part: \`node dist/bench/check-cost.js --write\` after \`npm run build\`), ${new Date().toISOString().slice(0, 10)}\n\n${tables}\n<!-- check-cost:end -->`;
    writeFileSync(file, text.includes('<!-- check-cost:start -->') ? text.replace(/<!-- check-cost:start -->[\s\S]*<!-- check-cost:end -->/, block) : `${text.trimEnd()}\n\n${block}\n`);
  }
}
