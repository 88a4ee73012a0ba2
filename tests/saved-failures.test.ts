// One saved-failure format (src/run/failure-file.ts): what `dmafuzz check` saves, what the fuzz
// corpus saves and what `dmafuzz selftest` saves are the same format, and `dmafuzz replay`,
// `dmafuzz check --replay` and the corpus read each of them — tests with loops, branches and
// `exists` included. Files users saved in the older shapes still read. The same failure saved
// twice is one file; a different file under its name is never overwritten. `check
// --save-failures DIR|none` sends them elsewhere or nowhere; hidden temporary files are not tests.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkLitmusFile, loadLitmus } from '../src/run/check-file.js';
import { litmusFiles } from '../src/run/find-files.js';
import { main } from '../src/cli/main.js';
import { readReplay } from '../src/run/replay-file.js';
import { FAILURE_FORMAT, readFailureFile, saveFailure } from '../src/run/failure-file.js';
import { failureRecord } from '../src/selftest/failure-record.js';
import { fuzz } from '../src/selftest/fuzz.js';
import { replay } from '../src/selftest/replay.js';
import { parseLitmus } from '../src/litmus/parse.js';
import { saveToCorpus } from '../src/fuzz/corpus.js';
import { shrinkFailure } from '../src/fuzz/shrink.js';
import { runTrial } from '../src/fuzz/trial.js';
import { judgeExecution } from '../src/oracle/oracle.js';
import { makePlatform } from '../src/platform/platform.js';

const ROOT = resolve(import.meta.dirname, '..');
const scenario = (p: string) => readFileSync(join(ROOT, 'scenarios', p), 'utf8');
const tmp = (what: string) => mkdtempSync(join(tmpdir(), `dmafuzz-${what}-`));

/** `dmafuzz ARGS` in process: exit status and stdout. */
function dmafuzz(...argv: string[]) {
  const out: string[] = [], err: string[] = [];
  const code = main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) }) as number;
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const savedPath = (text: string) => /--replay (\S+\.json)/.exec(text)?.[1];

describe('check saves the one format, and every reader reads it', () => {
  // straight-line, a loop with a branch, and an `exists` condition
  test.each(['beginner-missing-sync.litmus', 'drivers/rx-ring-two-slots-no-rmb.litmus', 'drivers/exists-arm64-only.litmus'])('%s', (name) => {
    const dir = tmp('check');
    const file = join(dir, 'bug.litmus');
    writeFileSync(file, scenario(name));
    const r = dmafuzz('check', file, '--save-failures', join(dir, 'saved'));
    expect(r.code).toBe(1);
    const saved = savedPath(r.out)!;
    expect(saved.startsWith(join(dir, 'saved'))).toBe(true);
    expect(readFailureFile(saved).format).toBe(FAILURE_FORMAT);
    // dmafuzz replay
    expect(replay(saved).verdict.verdict).toBe('bug');
    expect(dmafuzz('replay', saved).code).toBe(1);
    // dmafuzz check --replay
    expect(dmafuzz('check', file, '--replay', saved).code).toBe(1);
  });
});

describe('the corpus saves the one format', () => {
  test('a fuzz failure in the corpus: check --replay and replay read its .json; found again, it is the same entry', () => {
    const parsed = parseLitmus(scenario('platforms/rx-field-cwg128.litmus'));
    const { version: _v, faults: _f, ...platform } = makePlatform({ cwg: 128, swiotlb: 'absent' });
    const r = runTrial([parsed], { index: 0, file: 0, platform, placement: [], seed: 1 }, new Map());
    const shrunk = shrinkFailure('rx-field-cwg128.litmus', parsed, r.failure!);
    const dir = tmp('corpus');
    const entry = saveToCorpus(dir, shrunk);
    expect(entry.known).toBeUndefined();
    expect(readFailureFile(entry.replay)).toMatchObject({ format: FAILURE_FORMAT, file: entry.litmus, command: expect.stringContaining(entry.litmus) });
    expect(replay(entry.replay).verdict.verdict).toBe('bug');
    expect(dmafuzz('check', entry.litmus, '--replay', entry.replay).code).toBe(1);
    // a second night: the entry and its command, not nothing
    expect(saveToCorpus(dir, shrunk)).toEqual({ ...entry, known: true });
    expect(readdirSync(dir).sort()).toEqual([entry.litmus, entry.replay].map((p) => p.slice(dir.length + 1)).sort());
  }, 120_000);
});

describe('selftest saves the one format', () => {
  test('a generated failure round-trips through its file', () => {
    const f = fuzz('bug-class:2', { seed: 1, runs: 100 }).failure!;
    const file = saveFailure(failureRecord(f), tmp('self'));
    expect(readFailureFile(file).format).toBe(FAILURE_FORMAT);
    expect(replay(file).counterexample).toEqual(f.minimal);
  });
});

describe('files saved by older versions still read', () => {
  test.each(readdirSync(join(ROOT, 'tests/corpus')).filter((f) => f.endsWith('.json')))('old corpus entry %s: replay and check --replay', (name) => {
    const json = join(ROOT, 'tests/corpus', name);
    expect(JSON.parse(readFileSync(json, 'utf8')).dmafuzz).toBe('counterexample'); // the old shape
    expect(replay(json).verdict.verdict).toBe('bug');
    const litmus = json.replace(/\.json$/, '.litmus');
    const loaded = loadLitmus(litmus, readFileSync(litmus, 'utf8'));
    if ('kind' in loaded) throw new Error(loaded.message);
    expect(judgeExecution(loaded.compiled, readReplay(json, loaded.parsed.program)).verdict).toBe('bug');
  });

  test('an old check file ({"dmafuzz": "counterexample"}, no program) and an old selftest file (dmafuzz-failure/1)', () => {
    const dir = tmp('old');
    const file = join(dir, 'bug.litmus');
    writeFileSync(file, scenario('beginner-missing-sync.litmus'));
    const c = checkLitmusFile(file);
    if (c.kind !== 'checked') throw new Error('does not check');
    const oldCheck = join(dir, 'old-check.json');
    writeFileSync(oldCheck, JSON.stringify({ dmafuzz: 'counterexample', file, test: c.name, command: `dmafuzz check ${file}`, execution: c.report!.execution }));
    expect(replay(oldCheck).verdict.verdict).toBe('bug');
    expect(dmafuzz('check', file, '--replay', oldCheck).code).toBe(1);

    const f = fuzz('bug-class:2', { seed: 1, runs: 100 }).failure!;
    const { format: _n, test: _t, ...rest } = failureRecord(f);
    const oldSelftest = join(dir, 'old-selftest.json');
    writeFileSync(oldSelftest, JSON.stringify({ format: 'dmafuzz-failure/1', ...rest }, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v)));
    expect(replay(oldSelftest).counterexample).toEqual(f.minimal);
  });

  // made by the code before the one format (tests/fixtures/saved/README.md)
  const SAVED = join(ROOT, 'tests/fixtures/saved');

  test('an old check file (fixture): dmafuzz replay, check --replay, and replay() in code', () => {
    const json = join(SAVED, 'check-0.1.json');
    expect(JSON.parse(readFileSync(json, 'utf8'))).toMatchObject({ dmafuzz: 'counterexample', file: 'drivers/rx-ring-two-slots-no-rmb.litmus' });
    expect(replay(json).verdict.verdict).toBe('bug');
    expect(dmafuzz('replay', json).code).toBe(1);
    const r = dmafuzz('check', join(SAVED, 'rx-ring-two-slots-no-rmb.litmus'), '--replay', json);
    expect(r.code).toBe(1);
    expect(r.out).toContain('counterexample found in the replayed execution');
  });

  test.each(['selftest-bug-class-4-failure-1.json', 'selftest-bug-class-9-failure-1.json'])('an old selftest file (fixture %s): dmafuzz replay and replay() in code', (name) => {
    const json = join(SAVED, name);
    expect(JSON.parse(readFileSync(json, 'utf8')).format).toBe('dmafuzz-failure/1');
    const r = replay(json);
    expect(r.verdict.verdict).toBe('bug');
    expect(readFailureFile(json).found).toMatchObject({ target: expect.stringMatching(/^bug-class:/), seed: expect.any(Number) });
    expect(dmafuzz('replay', json).code).toBe(1);
  });

  test('a saved failure of another test: --replay says so in one line', () => {
    const r = dmafuzz('check', join(ROOT, 'scenarios/beginner-missing-sync.litmus'), '--replay', join(SAVED, 'check-0.1.json'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^dmafuzz: --replay \S+check-0\.1\.json: not a saved counterexample of 'beginner-missing-sync' \(it is of 'rx-ring-two-slots-no-rmb'\)$/);
  });

  test('not a saved failure: one line saying what was expected', () => {
    const dir = tmp('bad');
    writeFileSync(join(dir, 'x.json'), '{"format": "something-else", "execution": {"steps": []}}');
    const r = dmafuzz('replay', join(dir, 'x.json'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/x\.json: not a saved failure \(expected "format": "dmafuzz-counterexample\/1"/);
  });
});

describe('where check saves: --save-failures DIR | none; one file per failure', () => {
  const text = scenario('beginner-missing-sync.litmus');

  test('DIR: saved there; the same failure saved twice is one file', () => {
    const dir = tmp('save');
    writeFileSync(join(dir, 'bug.litmus'), text);
    const a = savedPath(dmafuzz('check', join(dir, 'bug.litmus'), '--save-failures', join(dir, 'out')).out);
    const b = savedPath(dmafuzz('check', join(dir, 'bug.litmus'), '--save-failures', join(dir, 'out')).out);
    expect(a).toBe(b);
    expect(readdirSync(join(dir, 'out'))).toHaveLength(1);
  });

  test('none: nothing saved, and the output says how to reproduce without a file', () => {
    const dir = tmp('none');
    writeFileSync(join(dir, 'bug.litmus'), text);
    const r = dmafuzz('check', join(dir, 'bug.litmus'), '--save-failures', 'none');
    expect(r.code).toBe(1);
    expect(savedPath(r.out)).toBeUndefined();
    expect(r.out).toMatch(/dmafuzz check \S+bug\.litmus/);
    expect(readdirSync(dir)).toEqual(['bug.litmus']);
  });

  test('a different file already under the name is kept, the failure takes the next name', () => {
    const dir = tmp('keep');
    const f = fuzz('bug-class:2', { seed: 1, runs: 100 }).failure!;
    const first = saveFailure(failureRecord(f), dir);
    writeFileSync(first, 'the user\'s own notes\n');
    const second = saveFailure(failureRecord(f), dir);
    expect(second).not.toBe(first);
    expect(readFileSync(first, 'utf8')).toBe('the user\'s own notes\n');
    expect(saveFailure(failureRecord(f), dir)).toBe(second);
  });

  test('a DIR that cannot be a directory is refused before any file is checked: one line naming the option', () => {
    const dir = tmp('notdir');
    writeFileSync(join(dir, 'bug.litmus'), text);
    writeFileSync(join(dir, 'plain'), 'x');
    const r = dmafuzz('check', join(dir, 'bug.litmus'), '--save-failures', join(dir, 'plain'));
    expect(r).toEqual({ code: 2, out: '', err: `dmafuzz: --save-failures ${join(dir, 'plain')}: not a directory` });
  });

  test('--save-failures is an option of check only, and needs a value', () => {
    expect(dmafuzz('--save-failures', 'x').err).toMatch(/--save-failures applies to 'dmafuzz check FILE'/);
    expect(dmafuzz('check', 'x.litmus', '--save-failures=').code).toBe(2);
  });
});

describe('hidden temporary files are not tests', () => {
  test('check DIR skips .tmp-* and other hidden entries a killed writer left', () => {
    const dir = tmp('hidden');
    mkdirSync(join(dir, 'c'));
    writeFileSync(join(dir, 'c', 'a.litmus'), 'x');
    writeFileSync(join(dir, 'c', '.tmp-123-abc-a.litmus'), 'half');
    writeFileSync(join(dir, 'c', '.a.litmus.tmp-123-abc'), 'half');
    expect(litmusFiles([join(dir, 'c')])).toEqual([join(dir, 'c', 'a.litmus')]);
  });
});
