// npm run report-check [-- --time 20s] [--known-bugs] [FILE|DIR ...] — the nightly's check of the
// fuzz reports: each litmus file (default: every file of scenarios/, scenarios/drivers/ included)
// is fuzzed alone, as a CI job would, with `dmafuzz fuzz FILE --time T --report R`, and then
//   - the exit status is 0 (nothing found) or 1 (a bug found), never 4 (internal error) or other;
//   - junit.xml is valid against the JUnit schema (xmllint) and has one testcase per distinct
//     failure, or one for the file;
//   - every HTML page passes the checks of a reader in headless Chromium (bench/report-dom.ts):
//     the why, the culprit and the reproduce command on the first screen, cache maintenance
//     folded, a reordering drawn, no "Destroyed"; the index lists every failure and file.
// --known-bugs also fuzzes each `expect bug` file with that line removed (fuzz skips them
// otherwise), so the reports of every bug class are checked too. Prints one line per file and
// a summary; exits 1 if any file has a problem. Too slow for npm test (20 s a file by default):
// tests/cli-fuzz-files.test.ts runs the same checks on a few files, 2 trials each.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { litmusFiles } from '../src/run/find-files.js';
import { failurePageProblems, findChromium, indexPageProblems, openBrowser, type Browser } from './report-dom.js';

// The checkout: bench/ from source (tests), dist/bench/ when built.
const ROOT = existsSync(join(import.meta.dirname, '../package.json')) ? resolve(import.meta.dirname, '..') : resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'dist/src/cli/main.js');

export interface FileResult { file: string; exit: number | null; seconds: number; failures: number; testcases: number; pages: number; problems: string[] }

/** How `dmafuzz fuzz ...args` ran: its exit status and what it printed. */
export interface FuzzRun { code: number | null; out: string; err: string }
export type RunFuzz = (args: string[]) => FuzzRun | Promise<FuzzRun>;

/** `dmafuzz fuzz ...args` as a process of the build, as a CI job runs it. */
const fuzzProcess = (bin: string): RunFuzz => (args) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 15 * 60_000 });
  return { code: r.status, out: r.stdout, err: r.signal ? `killed by ${r.signal}` : r.stderr };
};

/**
 * Fuzz one file into its own report directory and check everything a reader would see, the
 * pages in `browser`. `maxTrials` bounds the run by trials as well as by time (tests: the same
 * work on a loaded machine); `run` runs dmafuzz (default: a process of the build; tests: main()
 * in their own process).
 */
export async function checkFileReports(file: string, o: { time: string; work: string; seed?: number; browser: Browser; run?: RunFuzz; maxTrials?: number }): Promise<FileResult> {
  const out = join(o.work, basename(file).replace(/\.litmus$/, ''));
  mkdirSync(out, { recursive: true });
  const started = Date.now();
  const r = await (o.run ?? fuzzProcess(BIN))(['fuzz', file, '--time', o.time, '--seed', String(o.seed ?? 1), '--report', join(out, 'r'), '--corpus', join(out, 'c'), ...(o.maxTrials ? ['--max-trials', String(o.maxTrials)] : [])]);
  const seconds = (Date.now() - started) / 1000;
  const problems: string[] = [];
  if (r.code !== 0 && r.code !== 1) problems.push(`exit ${r.code}: ${(r.err || r.out).trim().split('\n').slice(-2).join(' | ')}`);
  let failures = 0, testcases = 0, pages = 0;
  const report = join(out, 'r');
  try {
    const summary = JSON.parse(readFileSync(join(report, 'summary.json'), 'utf8'));
    failures = summary.failures.length;
    const lint = spawnSync('xmllint', ['--noout', '--schema', join(ROOT, 'tests/fixtures/junit.xsd'), join(report, 'junit.xml')], { encoding: 'utf8' });
    if (lint.status !== 0) problems.push(`junit.xml: ${lint.error ? 'xmllint is missing (apt-get install libxml2-utils)' : lint.stderr.trim().split('\n')[0]}`);
    const xml = readFileSync(join(report, 'junit.xml'), 'utf8');
    testcases = (xml.match(/<testcase /g) ?? []).length;
    // Per file: one testcase per counterexample and one per contract error with no counterexample; else one.
    const failing = summary.files.map((f: { file: string; contract?: unknown[] }) => summary.failures.filter((x: { file: string }) => x.file === f.file).length + (f.contract?.length ?? 0));
    const expected = failing.reduce((n: number, k: number) => n + Math.max(1, k), 0);
    const failingCases = failing.reduce((n: number, k: number) => n + k, 0);
    if (testcases !== expected) problems.push(`junit.xml: ${testcases} testcases, expected ${expected} (one per failure or contract error, or one per file)`);
    if ((xml.match(/<failure /g) ?? []).length !== failingCases) problems.push(`junit.xml: ${(xml.match(/<failure /g) ?? []).length} <failure>s for ${failingCases} failures and contract errors`);
    for (const f of summary.failures) {
      const page = readdirSync(report).find((p) => p.startsWith('failure-') && p.endsWith(`-${f.key}.html`));
      if (!page) {
        problems.push(`no page for failure ${f.key}`);
        continue;
      }
      pages++;
      for (const p of failurePageProblems(await o.browser.probe(join(report, page)), f)) problems.push(`${page}: ${p}`);
    }
    for (const p of indexPageProblems(await o.browser.probe(join(report, 'index.html')), summary.failures, summary.files.length)) problems.push(`index.html: ${p}`);
  } catch (e) {
    problems.push(`reports: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  return { file, exit: r.code, seconds, failures, testcases, pages, problems };
}

/** A copy of an `expect bug` file without that line, so fuzz does not skip it. */
export function asFuzzable(file: string, dir: string): string {
  const copy = join(dir, `${basename(file, '.litmus')}.known-bug.litmus`);
  writeFileSync(copy, readFileSync(file, 'utf8').replace(/^expect bug\s*$/m, ''));
  return copy;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  let time = '20s', knownBugs = false;
  const paths: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--time') time = args[++i];
    else if (args[i] === '--known-bugs') knownBugs = true;
    else paths.push(args[i]);
  }
  const chromium = findChromium();
  if (!chromium) {
    console.error('report-check: headless Chromium is missing (apt-get install chromium)');
    return 2;
  }
  const work = mkdtempSync(join(tmpdir(), 'dmafuzz-report-check-'));
  const files = litmusFiles(paths.length ? paths : [join(ROOT, 'scenarios')]);
  const bugCopies = join(work, 'known-bugs');
  mkdirSync(bugCopies);
  const todo = files.flatMap((f) => (/^expect bug\s*$/m.test(readFileSync(f, 'utf8')) ? (knownBugs ? [asFuzzable(f, bugCopies)] : [f]) : [f]));
  console.log(`report-check: ${todo.length} files, fuzz --time ${time} each, reports under ${work}`);
  const results: FileResult[] = [];
  const browser = await openBrowser(chromium);
  for (const f of todo) {
    const r = await checkFileReports(f, { time, work, browser });
    results.push(r);
    console.log(`${r.problems.length ? 'FAIL' : 'ok  '} exit ${r.exit} ${r.seconds.toFixed(1).padStart(6)} s  ${r.failures} failure(s), ${r.testcases} testcase(s), ${r.pages} page(s)  ${f.replace(`${ROOT}/`, '')}`);
    for (const p of r.problems) console.log(`       ${p}`);
  }
  await browser.close();
  const bad = results.filter((r) => r.problems.length);
  const exits = new Map<string, number>();
  for (const r of results) exits.set(String(r.exit), (exits.get(String(r.exit)) ?? 0) + 1);
  console.log(`report-check: ${results.length} files, ${bad.length} with problems; exit statuses ${[...exits].map(([k, n]) => `${k}: ${n}`).join(', ')}; ${results.reduce((n, r) => n + r.failures, 0)} failures, ${results.reduce((n, r) => n + r.pages, 0)} pages checked in Chromium`);
  return bad.length ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) process.exitCode = await main();
