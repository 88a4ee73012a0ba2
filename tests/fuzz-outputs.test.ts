// What `dmafuzz fuzz` writes and where, from the nightly-CI user's side: output paths checked by
// doing (created, a probe file written) before any work, write failures that never spin or lose
// a found bug. In process, fixed seeds, a file whose bug shows on trial 0.

import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { writableDir } from '../src/cli/output-dir.js';
import { fuzzFiles } from '../src/fuzz/fuzz-files.js';
import { makeDir } from '../src/report/make-dir.js';
import { saveToCorpus } from '../src/fuzz/corpus.js';
import { replay } from '../src/selftest/replay.js';
import { parseDuration } from '../src/cli/fuzz-files-command.js';
import { junitXml } from '../src/report/junit.js';
import { foundText, runOutcome } from '../src/report/run-outcome.js';
import { indexHtml } from '../src/report/index-page.js';
import { summaryJson } from '../src/report/fuzz-reports.js';
import { builtBin, dmafuzzInProcess } from './cli-harness.js';
import { applyPatch } from 'diff';
import { readFileSync } from 'node:fs';
import { failureReport } from '../src/report/failure-report.js';
import { checkOwnFile, checkShrunk } from '../src/run/check-shrunk.js';
import { checkLitmusFile } from '../src/run/check-file.js';

/** A TX bug on every platform: the header is written after the map, never cleaned. */
export const TX_BUGGY = `DMA my-tx-buggy
// buggy: writes the header after mapping
{ kmalloc buf[100]; mmio DOORBELL; }
cpu cpu0 {
  h = dma_map_single(dev, buf, 100, DMA_TO_DEVICE);
  if (dma_mapping_error(dev, h)) return -ENOMEM;
  *(u32 *)buf = 0x12345678;
  writel(1, DOORBELL);
  wait_for_irq(irq);
  dma_unmap_single(dev, h, 100, DMA_TO_DEVICE);
}
device dev { wait_doorbell(DOORBELL, 1); r = dma_read(h, 4); raise_irq(irq); }
`;

/** The same driver, correct: the header is written before the map. */
export const TX_OK = TX_BUGGY.replace('DMA my-tx-buggy', 'DMA my-tx').replace(
  '  h = dma_map_single(dev, buf, 100, DMA_TO_DEVICE);\n  if (dma_mapping_error(dev, h)) return -ENOMEM;\n  *(u32 *)buf = 0x12345678;\n',
  '  *(u32 *)buf = 0x12345678;\n  h = dma_map_single(dev, buf, 100, DMA_TO_DEVICE);\n  if (dma_mapping_error(dev, h)) return -ENOMEM;\n');

export function tmp(name: string): string {
  return mkdtempSync(join(tmpdir(), `dmafuzz-${name}-`));
}

const linux = existsSync('/proc/self') && existsSync('/sys/kernel');

describe('output paths are checked by creating them and writing a probe', () => {
  test.runIf(linux)('/proc and /sys paths are one line naming the option (Node\'s recursive mkdir spins forever on /proc)', () => {
    expect(() => writableDir('--corpus', '/proc/nope')).toThrow(/^--corpus \/proc\/nope: cannot create the directory: .*\(ENOENT\)$/);
    expect(() => writableDir('--report', '/proc/nope/deeper')).toThrow(/^--report \/proc\/nope\/deeper: cannot create the directory: .*\(ENOENT\)$/);
    expect(() => writableDir('--report', '/sys/nope')).toThrow(/^--report \/sys\/nope: cannot create the directory: .*\((EPERM|EACCES)\)$/);
    expect(() => makeDir('/proc/nope')).toThrow(/ENOENT/);
  });

  test('a good path is created, and the probe leaves nothing behind', () => {
    const dir = join(tmp('outdir'), 'a', 'b');
    writableDir('--corpus', dir);
    expect(readdirSync(dir)).toEqual([]);
    writableDir('--corpus', dir); // again: already there
    expect(readdirSync(dir)).toEqual([]);
  });

  test('a file where the directory should be is still named as such', () => {
    const dir = tmp('outfile');
    writeFileSync(join(dir, 'f'), 'x');
    expect(() => writableDir('--report', join(dir, 'f'))).toThrow(/: not a directory$/);
    expect(() => writableDir('--report', join(dir, 'f', 'r'))).toThrow(/f is not a directory$/);
  });

  test('a corpus that stops taking files mid-run: the failure is still reported, with why it was not saved', async () => {
    const dir = tmp('corpus-gone');
    writeFileSync(join(dir, 'tx.litmus'), TX_BUGGY);
    writeFileSync(join(dir, 'corpus'), 'a file took its place after the check\n');
    const s = await fuzzFiles({ files: [join(dir, 'tx.litmus')], timeMs: 60_000, seed: 7, maxTrials: 1, maxFailures: 1, inline: true, corpus: join(dir, 'corpus') });
    expect(s.failures).toHaveLength(1);
    expect(s.failures[0].saved).toBeUndefined();
    expect(s.failures[0].saveError).toMatch(/^--corpus .*corpus: could not save it: a file, not a directory, is there \(EEXIST\)$/);
  });
});

describe('a run that tested nothing never reads green', () => {
  test('a zero time box is refused like 0 is', async () => {
    for (const t of ['0s', '0m', '0h0m', '0h', '0']) expect(() => parseDuration(t), t).toThrow(/^--time takes a duration/);
    expect(parseDuration('1s')).toBe(1000);
    const dir = tmp('zero');
    writeFileSync(join(dir, 'tx.litmus'), TX_BUGGY);
    const r = await dmafuzzInProcess(dir, ['fuzz', 'tx.litmus', '--time', '0s', '--corpus', 'c']);
    expect(r).toEqual({ code: 2, out: '', err: "dmafuzz: --time takes a duration above zero like 8h, 90s, 2m or 1h30m, not '0s'\n" });
    expect((await dmafuzzInProcess(dir, ['fuzz', 'tx.litmus', '--max-trials', '0'])).code).toBe(2);
  });

  test('cancelled after a trial with nothing found: an error testcase in JUnit, no passing one', async () => {
    const dir = tmp('cancel');
    writeFileSync(join(dir, 'tx.litmus'), TX_OK);
    const abort = new AbortController();
    const s = await fuzzFiles({ files: [join(dir, 'tx.litmus')], timeMs: 600_000, seed: 7, inline: true, signal: abort.signal, onTrial: () => abort.abort() });
    expect(s.stoppedBy).toBe('signal');
    expect(s.trials).toBe(1);
    expect(runOutcome(s).status).toBe('interrupted');
    const xml = junitXml(s, []);
    expect(xml).toMatch(/<testsuites name="dmafuzz fuzz" tests="1" failures="0" errors="1" skipped="0"/);
    expect(xml).toMatch(/<testcase name="my-tx: run cancelled after 1 trial" [^>]*><error message="the run was cancelled by a signal after 1 trial of this file \(1 of \d+ platforms\): nothing found so far, which is not a pass" type="cancelled"\/><\/testcase>/);
    expect(xml).not.toMatch(/no DMA bug/);
  });

  test('no trial reached the file: a skipped testcase, and the run is not ok', async () => {
    const dir = tmp('untried');
    writeFileSync(join(dir, 'tx.litmus'), TX_OK);
    let t = 0;
    const s = await fuzzFiles({ files: [join(dir, 'tx.litmus')], timeMs: 1000, seed: 7, inline: true, clock: () => (t += 5000) });
    expect(s.trials).toBe(0);
    expect(runOutcome(s)).toMatchObject({ status: 'untried', untried: [join(dir, 'tx.litmus')] });
    const xml = junitXml(s, []);
    expect(xml).toMatch(/<testsuites name="dmafuzz fuzz" tests="1" failures="0" errors="0" skipped="1"/);
    expect(xml).toContain('<skipped message="not tested: no trial of this file ran before the run ended"/>');
  });

  test('every file skipped (a directory of expect-bug tests): no trial ran, and the run is not ok', async () => {
    const dir = tmp('all-skipped');
    writeFileSync(join(dir, 'known.litmus'), TX_OK.replace(/^expect ok/m, 'expect bug').replace(/^(DMA [^\n]*\n)(?!expect)/, '$1expect bug\n'));
    const s = await fuzzFiles({ files: [join(dir, 'known.litmus')], timeMs: 1000, seed: 7, inline: true });
    expect(s.files[0].skipped).toMatch(/expect bug/);
    expect(s.trials).toBe(0);
    expect(runOutcome(s).status).toBe('untried');
  });

  test('a box that ran to its end with nothing found is still a pass', async () => {
    const dir = tmp('pass');
    writeFileSync(join(dir, 'tx.litmus'), TX_OK);
    const s = await fuzzFiles({ files: [join(dir, 'tx.litmus')], timeMs: 600_000, seed: 7, inline: true, maxTrials: 1 });
    expect(runOutcome(s).status).toBe('ok');
    expect(junitXml(s, [])).toMatch(/<testcase name="my-tx: no DMA bug on 1 of \d+ platforms"[^>]*\/>/);
  });
});

describe('the suggested fix of a fuzz failure applies to the file it names', () => {
  test('the saved corpus test: its diff applies (header included) and its steps name the saved lines', async () => {
    const dir = tmp('fixdiff');
    writeFileSync(join(dir, 'tx.litmus'), TX_BUGGY);
    const s = await fuzzFiles({ files: [join(dir, 'tx.litmus')], timeMs: 60_000, seed: 7, maxTrials: 1, maxFailures: 1, inline: true, corpus: join(dir, 'corpus') });
    const f = s.failures[0];
    const r = failureReport(f, checkShrunk);
    const saved = readFileSync(f.saved!.litmus, 'utf8');
    expect(saved).toMatch(/^DMA my-tx-buggy\n\/\/ Found by dmafuzz fuzz/);
    expect(r.fix!.diff).toMatch(new RegExp(`^--- a/.*${f.saved!.litmus.split('/').pop()!.replace(/[.]/g, '\\.')}\n`));
    const fixed = applyPatch(saved, r.fix!.diff);
    expect(fixed).not.toBe(false);
    // The step's line is the store's line in the saved file, as check of that file says.
    const store = saved.split('\n').findIndex((l) => l.includes('*(u32 *)buf = 0x12345678;')) + 1;
    expect(r.fix!.steps.join(' ')).toContain(`line ${store} `);
    expect(r.culprit?.line).toBe(store);
    writeFileSync(join(dir, 'fixed.litmus'), fixed as string);
    const again = checkLitmusFile(join(dir, 'fixed.litmus'), { fix: false });
    expect(again.kind === 'checked' && again.result.verdict).toBe('ok');
    expect(again.kind === 'checked' && again.contract?.findings.filter((x) => x.severity === 'error')).toEqual([]);
  });

  test('the user\'s own file, when the failing test is it on another platform: a diff of that file, as check --platform gives it', async () => {
    const dir = tmp('ownfix');
    const user = join(dir, 'tx.litmus');
    writeFileSync(user, TX_BUGGY);
    const s = await fuzzFiles({ files: [user], timeMs: 60_000, seed: 7, maxTrials: 1, maxFailures: 1, inline: true, corpus: join(dir, 'corpus') });
    const r = failureReport(s.failures[0], checkShrunk, checkOwnFile);
    expect(r.ownFix?.file).toBe(user);
    expect(r.ownFix?.command).toMatch(new RegExp(`^dmafuzz check ${user.replace(/[.]/g, '\\.')}( --platform \\w+=\\S+)*$`));
    expect(r.ownFix!.fix.diff).toMatch(/^--- a\/tx\.litmus\n\+\+\+ b\/tx\.litmus\n/);
    expect(r.ownFix!.fix.applyIn).toBe(dir);
    const fixed = applyPatch(TX_BUGGY, r.ownFix!.fix.diff);
    expect(fixed).not.toBe(false);
    writeFileSync(join(dir, 'fixed.litmus'), fixed as string);
    const again = checkLitmusFile(join(dir, 'fixed.litmus'), { fix: false, platform: s.failures[0].platform });
    expect(again.kind === 'checked' && again.verdict).toBe('ok');
    // The reports say which file each diff is for.
    const xml = junitXml(s, [r]);
    expect(xml).toContain(`suggested fix of your file ${user} (as`);
    expect(xml).toContain(`suggested fix of the saved test ${s.failures[0].saved!.litmus} (`);
  });

  test('a test that is not the user\'s program unchanged (an op cut, a buffer placed) gets the saved test\'s fix only', async () => {
    const dir = tmp('ownfix-shrunk');
    const user = join(dir, 'tx.litmus');
    writeFileSync(user, TX_BUGGY);
    const s = await fuzzFiles({ files: [user], timeMs: 60_000, seed: 7, maxTrials: 1, maxFailures: 1, inline: true });
    const shrunk = s.failures[0].litmus;
    expect(checkOwnFile(user, shrunk)).toBeDefined();
    const cut = shrunk.replace('  if (dma_mapping_error(dev, h)) return -ENOMEM;\n', '');
    expect(cut).not.toBe(shrunk);
    expect(checkOwnFile(user, cut)).toBeUndefined();
    const placed = shrunk.replace('kmalloc buf[100];', 'kmalloc buf[100] at 0x1040;');
    expect(placed).not.toBe(shrunk);
    expect(checkOwnFile(user, placed)).toBeUndefined();
  });
});

describe('the corpus: only the same test counts as already saved; nothing a user saved is overwritten', () => {
  test('an entry the user fixed, or an unrelated file under the name, is left alone and the failure saved under the next name', async () => {
    const dir = tmp('corpus-taken');
    writeFileSync(join(dir, 'tx.litmus'), TX_BUGGY);
    const s = await fuzzFiles({ files: [join(dir, 'tx.litmus')], timeMs: 60_000, seed: 7, maxTrials: 1, maxFailures: 1, inline: true });
    const f = s.failures[0];
    const corpus = join(dir, 'corpus');
    const first = saveToCorpus(corpus, f);
    expect(first.known).toBeUndefined();
    expect(saveToCorpus(corpus, f)).toEqual({ ...first, known: true });
    // Another night's header (trial, file) is a comment: still the same entry.
    expect(saveToCorpus(corpus, { ...f, litmus: f.litmus.replace(/\(trial \d+\)/, '(trial 99)') })).toEqual({ ...first, known: true });
    // The user applied the fix to the entry (docs: commit fixed entries); the bug comes back.
    const fixed = readFileSync(first.litmus, 'utf8').replace('  writel(1, DOORBELL);', '  dma_sync_single_for_device(dev, h, 100, DMA_TO_DEVICE);\n  writel(1, DOORBELL);');
    writeFileSync(first.litmus, fixed);
    const again = saveToCorpus(corpus, f);
    expect(again.known).toBeUndefined();
    expect(again.litmus).toBe(first.litmus.replace(/\.litmus$/, '-2.litmus'));
    expect(readFileSync(again.litmus, 'utf8')).toBe(f.litmus);
    expect(readFileSync(again.replay, 'utf8')).toContain(again.litmus);
    expect(readFileSync(first.litmus, 'utf8')).toBe(fixed);
    // An unrelated file where the replay data would go.
    const other = join(dir, 'other');
    makeDir(other);
    writeFileSync(join(other, first.replay.split('/').pop()!), '{"mine": true}\n');
    const third = saveToCorpus(other, f);
    expect(third.known).toBeUndefined();
    expect(third.replay).toMatch(/-2\.json$/);
    expect(readFileSync(join(other, first.replay.split('/').pop()!), 'utf8')).toBe('{"mine": true}\n');
  });
});

describe('every rendering of a run counts the same things', () => {
  const SCEN = join(import.meta.dirname, '../scenarios/drivers');

  test('contract errors with no counterexample: the console, summary.json, junit.xml and index.html agree', async () => {
    const dir = tmp('contract');
    const file = join(dir, 'qla.litmus'); // as a user fuzzes it: not marked `expect bug`
    writeFileSync(file, readFileSync(join(SCEN, 'qla2xxx-free-size.litmus'), 'utf8').replace(/^expect bug\n/m, ''));
    const s = await fuzzFiles({ files: [file], timeMs: 60_000, seed: 1, maxTrials: 1, inline: true });
    const o = runOutcome(s);
    expect(o).toMatchObject({ failures: 0, contractErrors: 1, status: 'bug' });
    expect(foundText(o)).toBe('0 failures and 1 contract error');
    const html = indexHtml(s, []);
    expect(html).toContain('<title>dmafuzz fuzz: 0 failures and 1 contract error</title>');
    expect(html).toContain('<h1>dmafuzz fuzz: 0 failures and 1 contract error</h1>');
    expect(html).toContain('<h2>Contract errors (1)</h2>');
    expect(html).not.toContain('none found');
    expect(junitXml(s, [])).toMatch(/<testsuites name="dmafuzz fuzz" tests="1" failures="1" errors="0"/);
    expect(summaryJson(s, [])).toMatchObject({ outcome: { failures: 0, contractErrors: 1, status: 'bug' } });
  });

  test('an exists condition the ideal platform reaches too: the title says so, as the why does', async () => {
    const dir = tmp('exists');
    const file = join(dir, 'exists.litmus');
    writeFileSync(file, readFileSync(join(SCEN, 'exists-field-before-done.litmus'), 'utf8').replace(/^expect bug$/m, 'expect ok'));
    const s = await fuzzFiles({ files: [file], timeMs: 60_000, seed: 1, maxTrials: 1, maxFailures: 1, inline: true });
    const r = failureReport(s.failures[0]);
    expect(r.why).toMatch(/holds on the ideal platform too: a race on any machine/);
    expect(r.title).toBe('exists-field-before-done: the exists condition holds on the ideal platform too (a race on any machine)');
    expect(junitXml(s, [r])).toContain(`<testcase name="${r.title} [`);
  });
});

describe('check --json: the fix diff written out as it is applies', () => {
  test('fix.diff ends with a newline; git apply and patch -p1 take it as it is', async () => {
    const dir = tmp('jsondiff');
    writeFileSync(join(dir, 'tx.litmus'), TX_BUGGY);
    const r = await dmafuzzInProcess(dir, ['check', 'tx.litmus', '--json', '--save-failures', 'none']);
    expect(r.code).toBe(1);
    const diff = (JSON.parse(r.out) as { fix: { diff: string } }).fix.diff;
    expect(diff.endsWith('\n')).toBe(true);
    expect(diff.endsWith('\n\n')).toBe(false);
    writeFileSync(join(dir, 'fix.diff'), diff);
    execFileSync('sh', ['-ec', 'patch -p1 --dry-run --quiet -F0 -i fix.diff; git apply --check fix.diff'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  });
});

describe('replay X.json: the test next to the JSON, not the one it records', () => {
  test('a copied corpus replays its own .litmus, and says so when the recorded one differs', async () => {
    const dir = tmp('replay-copy');
    writeFileSync(join(dir, 'tx.litmus'), TX_BUGGY);
    const s = await fuzzFiles({ files: [join(dir, 'tx.litmus')], timeMs: 60_000, seed: 7, maxTrials: 1, maxFailures: 1, inline: true, corpus: join(dir, 'a') });
    const entry = s.failures[0].saved!;
    const name = entry.litmus.split('/').pop()!.replace(/\.litmus$/, '');
    makeDir(join(dir, 'b'));
    for (const ext of ['.litmus', '.json']) writeFileSync(join(dir, 'b', name + ext), readFileSync(join(dir, 'a', name + ext)));
    const same = replay(join(dir, 'b', `${name}.json`));
    expect(same.verdict.verdict).toBe('bug');
    expect(same.text).not.toMatch(/^note:/);
    // The original entry is fixed; the copy still holds the bug.
    writeFileSync(entry.litmus, readFileSync(entry.litmus, 'utf8').replace('  *(u32 *)buf = 0x12345678;\n', ''));
    const copied = replay(join(dir, 'b', `${name}.json`));
    expect(copied.verdict.verdict).toBe('bug');
    expect(copied.text.split('\n')[0]).toBe(`note: replaying ${join(dir, 'b', `${name}.litmus`)} (next to ${join(dir, 'b', `${name}.json`)}); ${entry.litmus}, the file it records, differs`);
  });
});

describe('command-line details', () => {
  test('a negative --time or --seed is one clean line; replay --help and fuzz --help (with --waive) print usage', async () => {
    const dir = tmp('cli');
    writeFileSync(join(dir, 'tx.litmus'), TX_BUGGY);
    const time = await dmafuzzInProcess(dir, ['fuzz', 'tx.litmus', '--time', '-5s']);
    expect(time).toEqual({ code: 2, out: '', err: "dmafuzz: --time takes a duration like 8h, 90s, 2m or 1h30m, not '-5s'\n" });
    const seed = await dmafuzzInProcess(dir, ['fuzz', 'tx.litmus', '--seed', '-1']);
    expect(seed).toEqual({ code: 2, out: '', err: "dmafuzz: --seed takes a whole number, not '-1'\n" });
    const help = await dmafuzzInProcess(dir, ['replay', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^usage: dmafuzz replay FILE\.json\n/);
    expect((await dmafuzzInProcess(dir, ['fuzz', '--help'])).out).toMatch(/\n {2}--waive RULE-ID {3}/);
  });

  test('counts are singular when one: 1 trial, 1 execution', async () => {
    const dir = tmp('plural');
    writeFileSync(join(dir, 'tx.litmus'), TX_OK);
    const r = await dmafuzzInProcess(dir, ['fuzz', 'tx.litmus', '--max-trials', '1', '--seed', '7', '--corpus', 'c']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok {4}0 failures in 1 trial, \d+ executions? \(/m);
  });

  test('a malformed file among good ones: one line naming it (file:line:col) before any work or output', async () => {
    const dir = tmp('malformed');
    makeDir(join(dir, 'drivers'));
    writeFileSync(join(dir, 'drivers', 'a-good.litmus'), TX_OK);
    writeFileSync(join(dir, 'drivers', 'b-bad.litmus'), TX_OK.replace('writel(1, DOORBELL);', 'writel(1, DOORBELL'));
    const r = await dmafuzzInProcess(dir, ['fuzz', 'drivers', '--time', '10m', '--corpus', 'c', '--report', 'r']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^drivers\/b-bad\.litmus:\d+:\d+: [^\n]+\n$/);
    expect(existsSync(join(dir, 'c')) || existsSync(join(dir, 'r'))).toBe(false); // nothing created
  });
});

describe('the real process', () => {
  test('stdout closed by its reader (| head): no crash, the failure is still saved and reported, exit 1', async () => {
    const bin = builtBin();
    const dir = tmp('epipe');
    writeFileSync(join(dir, 'tx.litmus'), TX_BUGGY);
    const child = spawn(process.execPath, [bin, 'fuzz', 'tx.litmus', '--time', '1m', '--seed', '7', '--max-trials', '1', '--corpus', 'c', '--report', 'r'], { cwd: dir });
    child.stdout.once('data', () => child.stdout.destroy()); // the reader goes away after the header
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(err).not.toMatch(/EPIPE|at .*\.js:\d+/);
    expect(code).toBe(1);
    expect(readdirSync(join(dir, 'c')).filter((f) => f.endsWith('.litmus'))).toHaveLength(1);
    expect(existsSync(join(dir, 'r', 'junit.xml'))).toBe(true);
  }, 240_000); // the test build: seconds alone, minutes on a shared machine
});
