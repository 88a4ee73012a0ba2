// npm run mutants -- --count 10000 [--seed 1] [--timeout 30] [--jobs 2] [--mem-cap-mb 2048]
//
// Runs N mutants of the built-in scenarios (bench/mutate.ts) through the real `dmafuzz check`
// process with its default options, each with a time limit, and counts how each one ended:
// a verdict (exit 0/1/3), one clean error line (exit 2), an internal error (exit 4), a timeout,
// or anything else (a signal, an abort, an error spanning several lines). Peak memory per run is
// /usr/bin/time's maximum resident set size. Each process also gets an address-space cap
// (prlimit --data) so one runaway mutant cannot take the shared machine down; hitting it shows
// up as a crash or exit 4, never silently. Every failure is saved with its reproducer under
// ./dmafuzz-mutants/. A measurement, not a test: it prints counts and exits 0.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { builtinLitmusTexts, mutantArbitrary, type Mutant } from './mutate.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'dist/src/cli/main.js');

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i < 0 ? undefined : Number(process.argv[i + 1]);
  if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new Error(`--${name} takes a whole number`);
  return v ?? fallback;
}

const count = option('count', 1000);
const seed = option('seed', 1);
const timeoutMs = option('timeout', 30) * 1000;
const jobs = Math.max(1, option('jobs', 2));
const memCapMb = option('mem-cap-mb', 2048);

type Outcome = 'verdict' | 'error line' | 'exit 4' | 'timeout' | 'multi-line error' | 'crash';
interface Run { i: number; mutant: Mutant; outcome: Outcome; code: number | null; signal: string | null; ms: number; maxRssKb?: number; err: string }

const haveTime = existsSync('/usr/bin/time');
const havePrlimit = spawnSync('prlimit', ['--version']).status === 0;

function runOne(i: number, mutant: Mutant, dir: string): Promise<Run> {
  const file = join(dir, `m${i}.litmus`);
  const timeFile = join(dir, `m${i}.time`);
  writeFileSync(file, mutant.bytes);
  let argv = [process.execPath, BIN, 'check', file];
  if (havePrlimit) argv = ['prlimit', `--data=${memCapMb * 1024 * 1024}`, ...argv];
  if (haveTime) argv = ['/usr/bin/time', '-f', '%M', '-o', timeFile, ...argv];
  const start = Date.now();
  return new Promise((done) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: dir, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { if (err.length < 4096) err += d.toString('utf8'); });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, timeoutMs);
    child.on('close', (code, exitSignal) => {
      let signal: string | null = exitSignal;
      clearTimeout(timer);
      const ms = Date.now() - start;
      let maxRssKb: number | undefined;
      if (haveTime && existsSync(timeFile)) {
        const m = /(\d+)\s*$/.exec(readFileSync(timeFile, 'utf8'));
        if (m) maxRssKb = Number(m[1]);
        // /usr/bin/time reports a child killed by a signal as "Command terminated by signal N"
        const sig = /terminated by signal (\d+)/.exec(readFileSync(timeFile, 'utf8'));
        if (sig) signal = `signal ${sig[1]}`;
      }
      const lines = err.trimEnd().split('\n').filter(Boolean);
      let outcome: Outcome;
      if (timedOut) outcome = 'timeout';
      else if (code === 4) outcome = 'exit 4';
      else if (code === 0 || code === 1 || code === 3) outcome = lines.length === 0 ? 'verdict' : 'multi-line error';
      else if (code === 2) outcome = lines.length === 1 && !/internal error/.test(lines[0]) ? 'error line' : 'multi-line error';
      else outcome = 'crash';
      rmSync(timeFile, { force: true });
      if (outcome === 'verdict' || outcome === 'error line') rmSync(file, { force: true });
      done({ i, mutant, outcome, code, signal: signal ?? null, ms, maxRssKb, err });
    });
  });
}

async function main(): Promise<void> {
  if (!existsSync(BIN)) throw new Error('build first: npm run build');
  const scenarios = builtinLitmusTexts(ROOT);
  const mutants = fc.sample(mutantArbitrary(scenarios), { seed, numRuns: count });
  const dir = mkdtempSync(join(tmpdir(), 'dmafuzz-mutants-'));
  const runs: Run[] = [];
  let next = 0;
  const t0 = Date.now();
  const worker = async () => {
    while (next < mutants.length) {
      const i = next++;
      const r = await runOne(i, mutants[i], dir);
      runs.push(r);
      if (runs.length % 250 === 0) console.error(`${runs.length}/${count} mutants, ${Math.round((Date.now() - t0) / 1000)} s`);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));

  const tally = new Map<Outcome, number>();
  for (const r of runs) tally.set(r.outcome, (tally.get(r.outcome) ?? 0) + 1);
  const rss = runs.map((r) => r.maxRssKb).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
  const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
  const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  const mb = (kb: number | undefined) => (kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(0)} MB`);

  console.log(`mutants: ${count} (seed ${seed}), real \`dmafuzz check FILE\` processes, timeout ${timeoutMs / 1000} s, ${jobs} at a time, ${havePrlimit ? `address-space cap ${memCapMb} MB` : 'no memory cap (prlimit missing)'}`);
  for (const o of ['verdict', 'error line', 'exit 4', 'timeout', 'multi-line error', 'crash'] as Outcome[]) console.log(`  ${o.padEnd(17)} ${tally.get(o) ?? 0}`);
  console.log(`  peak memory (max RSS): max ${mb(rss[rss.length - 1])}, p99 ${mb(q(rss, 0.99))}, median ${mb(q(rss, 0.5))}${haveTime ? '' : ' (no /usr/bin/time)'}`);
  console.log(`  wall time per mutant: median ${q(ms, 0.5)} ms, p99 ${q(ms, 0.99)} ms, max ${ms[ms.length - 1]} ms; total ${Math.round((Date.now() - t0) / 1000)} s`);
  const heavy = runs.filter((r) => (r.maxRssKb ?? 0) > 1024 * 1024);
  const bad = runs.filter((r) => !['verdict', 'error line'].includes(r.outcome) || (r.maxRssKb ?? 0) > 1024 * 1024).sort((a, b) => a.i - b.i);
  if (heavy.length) console.log(`  over 1 GB: ${heavy.length}`);
  if (bad.length) {
    const out = resolve('dmafuzz-mutants');
    mkdirSync(out, { recursive: true });
    for (const r of bad) {
      const base = join(out, `seed${seed}-m${r.i}`);
      writeFileSync(`${base}.litmus`, r.mutant.bytes);
      writeFileSync(`${base}.txt`, [`from ${r.mutant.from}: ${r.mutant.ops.join('; ')}`, `outcome ${r.outcome}, exit ${r.code}${r.signal ? `, ${r.signal}` : ''}, ${r.ms} ms, max RSS ${mb(r.maxRssKb)}`, `reproduce: dmafuzz check ${base}.litmus`, '--- stderr ---', r.err].join('\n'));
      console.log(`  m${r.i}: ${r.outcome}${r.code !== null ? ` (exit ${r.code})` : ''}, ${r.ms} ms, ${mb(r.maxRssKb)}: ${r.mutant.from}: ${r.mutant.ops.join('; ')} :: ${r.err.split('\n')[0].slice(0, 160)}`);
    }
    console.log(`  reproducers: ${out}/seed${seed}-m*.litmus`);
  }
  rmSync(dir, { recursive: true, force: true });
}

await main();
