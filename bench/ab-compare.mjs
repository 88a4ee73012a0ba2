// node bench/ab-compare.mjs BEFORE_DIST AFTER_DIST [rounds] — the rows of `npm run bench` for two
// builds of dmafuzz (each a `dist` directory made by `npm run build`), measured in alternating
// rounds and per CPU-second of this process rather than per wall-clock second, so that other
// work on a shared machine slows both builds alike. Prints the median of the rounds and the
// after/before ratio. A tool for comparing commits, not part of `npm run bench`.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [beforeDir, afterDir, roundsArg] = process.argv.slice(2);
if (!beforeDir || !afterDir) {
  console.error('usage: node bench/ab-compare.mjs BEFORE_DIST AFTER_DIST [rounds]');
  process.exit(2);
}
const ROUNDS = Number(roundsArg ?? 5);
const CPU_SECONDS = Number(process.env.BENCH_SECONDS ?? 1);

async function load(dir) {
  const url = (p) => pathToFileURL(resolve(dir, p)).href;
  const fc = (await import('fast-check')).default;
  const { fuzz } = await import(url('src/selftest/fuzz.js'));
  const { fuzzTarget, materialize } = await import(url('src/selftest/targets.js'));
  const { judgeExecution } = await import(url('src/oracle/oracle.js'));
  // src/model/machines.js since issue 20; src/oracle/run.js in older builds.
  const { runModel } = await import(url('src/model/machines.js')).catch(() => import(url('src/oracle/run.js')));
  const opsOf = (m) => m.counterexample.program.actors.reduce((n, a) => n + a.ops.length, 0);
  // The corpus of bench/bench.ts: ~30-op well-behaved drivers with their executions.
  const corpus = fc.sample(fuzzTarget('well-behaved:large').cases, { seed: 42, numRuns: 3000 })
    .map((k) => materialize(k)).filter((m) => { const n = opsOf(m); return n >= 25 && n <= 35; }).slice(0, 1000);
  const oneLevel = corpus.filter((m) => m.compiled.platform.lineSize === m.compiled.platform.cwg);
  const twoLevel = corpus.filter((m) => m.compiled.platform.lineSize !== m.compiled.platform.cwg);
  const cycle = (list, f) => { let i = 0; return () => { f(list[i++ % list.length]); return 1; }; };
  let seed = 1;
  return {
    'arm64 model alone': cycle(corpus, (m) => runModel(m.compiled, m.counterexample.execution)),
    [`  of which lineSize = cwg (${oneLevel.length} drivers)`]: cycle(oneLevel, (m) => runModel(m.compiled, m.counterexample.execution)),
    [`  of which cwg > lineSize (${twoLevel.length} drivers)`]: cycle(twoLevel, (m) => runModel(m.compiled, m.counterexample.execution)),
    'model + oracle (judgeExecution)': cycle(corpus, (m) => judgeExecution(m.compiled, m.counterexample.execution)),
    'fuzzer end to end, ~30-op drivers': () => fuzz('well-behaved:large', { seed: seed++, runs: 200 }).executions,
    'fuzzer end to end, mixed drivers': () => fuzz('well-behaved', { seed: seed++, runs: 200 }).executions,
  };
}

function cpuNow() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Calls per CPU-second of `once` over about CPU_SECONDS, after a short warm-up. */
function rate(once) {
  for (const t = cpuNow(); cpuNow() - t < 0.2; ) once();
  let n = 0;
  const start = cpuNow();
  while (cpuNow() - start < CPU_SECONDS) n += once();
  return n / (cpuNow() - start);
}

const builds = { before: await load(beforeDir), after: await load(afterDir) };
const rows = Object.keys(builds.before).map((k, i) => [k, Object.keys(builds.after)[i]]);
const results = rows.map(() => ({ before: [], after: [] }));
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 ? ['after', 'before'] : ['before', 'after'];
  rows.forEach(([kb, ka], i) => {
    for (const which of order) results[i][which].push(rate(builds[which][which === 'before' ? kb : ka]));
  });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => Math.round(x).toLocaleString('en-US');
console.log(`| measurement | before (per CPU-second) | after | after / before |`);
console.log(`|---|---:|---:|---:|`);
rows.forEach(([kb, ka], i) => {
  const b = median(results[i].before), a = median(results[i].after);
  console.log(`| ${ka === kb ? kb : `${kb} → ${ka}`} | ${fmt(b)} | ${fmt(a)} | ${(a / b).toFixed(2)} |`);
});
