// A fix applies to the user's own file: for every bug-class scenario and every litmus file that
// says `expect bug`, the suggested diff applies with `git apply` and `patch -p1` in a git work
// tree, from the directory the check ran in, keeps the file's comments and other lines, and the
// patched file checks ok with no error finding.

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { applyPatch } from 'diff';
import { afterAll, describe, expect, test } from 'vitest';
import { BUG_CLASSES } from '../scenarios/bug-classes.js';
import { loopback } from '../scenarios/loopback.js';
import { DEFAULT_FIX_BUDGET, findFix, suggestFix, type CompileText } from '../src/check/suggest-fix.js';
import { applyEdits, SourceText } from '../src/check/source-edit.js';
import { checkLitmusFile, checkProgramAs, formatInputError, type Checked } from '../src/run/check-file.js';
import { compile, compilePaths } from '../src/exec/compile.js';
import { parseLitmus } from '../src/litmus/parse.js';
import { printLitmus } from '../src/litmus/print.js';
import { DEFAULT_MAX_STATES } from '../src/oracle/exhaustive.js';
import { makePlatform } from '../src/platform/platform.js';
import { diffPath } from '../src/report/fix-diff.js';
import { renderJson, renderText } from '../src/report/render.js';

const compileText: CompileText = (p) => compilePaths(p.program, makePlatform(p.program.platform));

function checked(file: string, o: Parameters<typeof checkLitmusFile>[1] = {}): Checked {
  const r = checkLitmusFile(file, o);
  if (r.kind !== 'checked') throw new Error(formatInputError(r));
  return r;
}

const ok = (c: Checked) => c.verdict === 'ok' && !c.contract?.findings.some((f) => f.severity === 'error');

/** Every scenarios/**\/*.litmus that says `expect bug`. */
function bugFiles(dir = 'scenarios'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return bugFiles(p);
    return e.name.endsWith('.litmus') && /^expect bug\b/m.test(readFileSync(p, 'utf8')) ? [p] : [];
  }).sort();
}

/** Bug scenarios without a fix, and the reason the report must give. */
const NO_FIX: Record<string, RegExp> = {
  // Two FROM_DEVICE mappings in one cache line of one kmalloc buffer: the fix is one mapping of
  // the whole buffer (or two buffers), a restructuring no single candidate repair makes.
  'scenarios/contract/rx-header-payload-split.litmus': /^none of the \d+ candidate repairs .* re-checks ok$/,
  // The repairs that would fix these are not candidates yet: a 32-bit DMA mask for a 32-bit
  // descriptor field, an unmap added on the error path (mt76), an unmap removed from the path
  // where dma_map_sg() failed (nvme).
  'scenarios/drivers/fec-tx-bufaddr-u32-mask64.litmus': /^none of the \d+ candidate repairs .* re-checks ok$/,
  'scenarios/drivers/mt76-rx-skipped-unmap.litmus': /^none of the \d+ candidate repairs .* re-checks ok$/,
  'scenarios/drivers/nvme-unmap-after-failed-map-sg.litmus': /^none of the \d+ candidate repairs .* re-checks ok$/,
  // Writing the new handle into the descriptor after the second map (an added store) is not a candidate.
  'scenarios/platforms/smmu-lazy-stale-iova.litmus': /^none of the \d+ candidate repairs .* re-checks ok$/,
  // Programming the handle instead of the physical address (a changed stored value) is not a candidate.
  'scenarios/platforms/rpi4-dma-ranges-window.litmus': /^none of the \d+ candidate repairs .* re-checks ok$/,
  // Unmapping on the device's own completion (DD, an interrupt) instead of a flag the driver set is a
  // change of the condition, not a candidate repair.
  'scenarios/contract/unmap-on-queued-flag.litmus': /^none of the \d+ candidate repairs .* re-checks ok$/,
  'scenarios/drivers/tx-clean-without-dd.litmus': /^none of the \d+ candidate repairs .* re-checks ok$/,
  // The device must be told to use segment 0 only (the count dma_map_sg() returned): a change of what
  // the device does, not a repair of the driver's text.
  'scenarios/drivers/sg-count-iommu-merged-beyond.litmus': /^none of the \d+ candidate repairs .* re-checks ok$/,
};

/** The scenario's hand-written fixed form, if it has one that says `expect ok`. */
function fixedTwin(file: string): string | undefined {
  const names = [file.replace(/\.litmus$/, '-fixed.litmus'), file.replace(/-no-[a-z]+\.litmus$/, '.litmus'), file.replace(/-none\.litmus$/, '-dma_wmb.litmus')];
  return names.find((n) => n !== file && existsSync(n) && /^expect ok\b/m.test(readFileSync(n, 'utf8')));
}

/** A test's program, whatever its name. */
const programOf = (text: string) => ({ ...parseLitmus(text).program, name: '' });

/** Are a's lines, but those in `removed`, a subsequence of b's? */
function keepsLines(a: string, b: string, removed: string[]): boolean {
  const left = [...removed];
  const bl = b.split('\n');
  let j = 0;
  for (const l of a.split('\n')) {
    const k = left.indexOf(l);
    if (k >= 0) { left.splice(k, 1); continue; }
    while (j < bl.length && bl[j] !== l) j++;
    if (j === bl.length) return false;
    j++;
  }
  return true;
}

describe('a fix applies to the user\'s own file, and the patched file checks ok', () => {
  const root = mkdtempSync(join(tmpdir(), 'dmafuzz-fix-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const files = bugFiles();
  test('there are bug scenarios of every kind: top level, contract, drivers (with a handle in a descriptor), arm-model', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
    expect(files.filter(fixedTwin).length).toBeGreaterThanOrEqual(13);
    expect(files).toContain('scenarios/drivers/rx-ring-two-slots-no-rmb.litmus');
    expect(files.filter((f) => f.startsWith('scenarios/contract/')).length).toBeGreaterThanOrEqual(5);
  });

  for (const file of files) {
    test(file, () => {
      // The file at the same path in a git work tree of its own; the check runs at its top.
      const repo = join(root, file.replace(/[/.]/g, '_'));
      mkdirSync(join(repo, dirname(file)), { recursive: true });
      copyFileSync(file, join(repo, file));
      // (git init runs with the patch below: one process, not four, for each of ~100 files)
      const original = readFileSync(file, 'utf8');
      const here = process.cwd();
      process.chdir(repo);
      let o: Checked;
      try {
        o = checked(file);
      } finally {
        process.chdir(here);
      }
      expect(o.verdict).toBe('bug');
      if (NO_FIX[file]) {
        expect(o.fix).toBeUndefined();
        expect(o.noFix).toMatch(NO_FIX[file]);
        return;
      }
      expect(o.fix, `no fix: ${o.noFix}`).toBeDefined();
      const fix = o.fix!;
      expect(fix.diff.split('\n').slice(0, 2)).toEqual([`--- a/${file}`, `+++ b/${file}`]);
      writeFileSync(join(repo, 'fix.diff'), fix.diff); // as it is: it ends with its newline
      execFileSync('sh', ['-ec', 'git init -q; patch -p1 --dry-run --quiet -F0 -i fix.diff; git apply --check fix.diff; git apply fix.diff'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
      const patched = readFileSync(join(repo, file), 'utf8');
      expect(patched).not.toBe(original);
      // Comments and every line the diff does not remove survive, in order.
      const removed = fix.diff.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---')).map((l) => l.slice(1));
      expect(keepsLines(original, patched, removed)).toBe(true);
      for (const comment of original.match(/\/\/.*$/gm) ?? []) expect(patched).toContain(comment);
      // Where the scenario has a hand-written fixed form, the fix is that form's program.
      const twin = fixedTwin(file);
      if (twin) expect(programOf(patched), `the fix differs from ${twin}`).toEqual(programOf(readFileSync(twin, 'utf8')));
      process.chdir(repo);
      try {
        const again = checked(file, { fix: false });
        expect(ok(again), `the patched file checks ${again.verdict}`).toBe(true);
      } finally {
        process.chdir(here);
      }
    });
  }
});

describe('fix suggestions for every bug class (programs without a file: the printed text)', () => {
  for (const b of BUG_CLASSES) {
    test(b.id, () => {
      const text = printLitmus(b.buggy);
      const o = checkProgramAs('t.litmus', compile(b.buggy, makePlatform(b.buggy.platform)), 'bug');
      expect(o.fix, `no fix: ${o.noFix}`).toBeDefined();
      const patched = applyPatch(text, o.fix!.diff);
      expect(patched, 'the diff does not apply to the printed test').not.toBe(false);
      const p = parseLitmus(patched as string);
      const again = checkProgramAs('t.litmus', compilePaths(p.program, makePlatform(p.program.platform))[0], 'ok', { fix: false }, p.source);
      expect(ok(again)).toBe(true);
    });
  }
});

describe('edits of the user\'s text', () => {
  const text = [
    'DMA t',
    '{ kmalloc b[64]; mmio DB; }',
    'cpu c {',
    '\th = dma_map_single(dev, b, 64, DMA_FROM_DEVICE);   /* map */',
    '  if (h) writel(1, DB);',
    '  r0 = *(u32 *)b; r1 = *(u32 *)(b + 4);',
    '}',
    '',
  ].join('\n');
  const src = new SourceText(text);
  const at = (line: number, col: number) => src.statement({ line, col })!;

  test('a new statement takes its neighbour\'s indentation and keeps its comment where it is', () => {
    const map = at(4, 2);
    expect(src.insertAfter(map, 'x();')).toEqual({ at: map.lineEnd, end: map.lineEnd, text: '\n\tx();' });
    expect(src.insertBefore(map, 'x();')).toEqual({ at: map.lineStart, end: map.lineStart, text: '\tx();\n' });
    const args = src.callArgs(map)!.args.map((a) => a.text);
    expect(args).toEqual(['dev', 'b', '64', 'DMA_FROM_DEVICE']);
  });

  test('a sync the fix adds names the device and size as the driver\'s map call does', () => {
    const t = ['DMA t', '#define RX_LEN 64', '{ kmalloc b[64]; mmio DB; }', 'cpu c {', '  h = dma_map_single(&pdev->dev, b, RX_LEN, DMA_FROM_DEVICE);', '  writel(1, DB);', '  wait_for_irq(irq);', '  r0 = *(u32 *)b;', '}',
      'device d { wait_doorbell(DB, 1); dma_write(h, 4, 7); raise_irq(irq); }', ''].join('\n');
    const fix = suggestFix(t, compileText);
    expect(fix?.text).toContain('\n  dma_sync_single_for_cpu(&pdev->dev, h, RX_LEN, DMA_FROM_DEVICE);\n  r0 = *(u32 *)b;');
  });

  test('a write to a buffer the CPU already took back (synced for the CPU) gets only the missing dma_sync_single_for_device()', () => {
    const t = ['DMA t', '{ kmalloc b[64]; mmio DB; }', 'cpu c {', '  h = dma_map_single(dev, b, 64, DMA_BIDIRECTIONAL);', '  if (dma_mapping_error(dev, h)) return -ENOMEM;', '  dma_sync_single_for_cpu(dev, h, 64, DMA_BIDIRECTIONAL);', '  *(u32 *)b = 5;', '  writel(1, DB);', '}',
      'device d { wait_doorbell(DB, 1); x = dma_read(h, 4); }', ''].join('\n');
    const fix = suggestFix(t, compileText);
    expect(fix?.steps).toEqual(['call dma_sync_single_for_device(h) after the write at line 7']);
    expect(fix?.text).toBe(t.replace('  *(u32 *)b = 5;\n', '  *(u32 *)b = 5;\n  dma_sync_single_for_device(dev, h, 64, DMA_BIDIRECTIONAL);\n'));
  });

  test('two statements on one line: the edit stays inline; the body of an if without braces gets none', () => {
    const second = at(6, 19);
    expect(src.insertBefore(second, 'x();')).toEqual({ at: second.start, end: second.start, text: 'x(); ' });
    const body = at(5, 10);
    expect(body.braceless).toBe(true);
    expect(src.insertBefore(body, 'x();')).toBeUndefined();
    expect(src.insertAfter(body, 'x();')).toBeUndefined();
  });

  test('the body of an if or else without braces, on a line of its own, gets braces in kernel style', () => {
    const t = ['DMA t', '{ kmalloc b[64]; mmio DB; }', 'cpu c {', '  if (x)', '    writel(1, DB);   /* go */', '  else', '\twritel(2, DB);', '}', ''].join('\n');
    const s = new SourceText(t);
    const body = s.statement({ line: 5, col: 5 })!;
    expect(body.braceless).toBe(true);
    expect(applyEdits(t, [s.insertBefore(body, 'wmb();')!])).toBe(t.replace('  if (x)\n    writel(1, DB);   /* go */\n', '  if (x) {\n    wmb();\n    writel(1, DB);   /* go */\n  }\n'));
    expect(applyEdits(t, s.bracket(body, 'a();', 'b();')!)).toBe(t.replace('    writel(1, DB);   /* go */\n', '    a();\n    writel(1, DB);   /* go */\n    b();\n').replace('  if (x)\n', '  if (x) {\n').replace('  else', '  }\n  else'));
    const other = s.statement({ line: 7, col: 2 })!;
    expect(applyEdits(t, [s.insertAfter(other, 'c();')!])).toBe(t.replace('  else\n\twritel(2, DB);\n', '  else {\n\twritel(2, DB);\n\tc();\n  }\n'));
    // Two edits of one body conflict: together they are refused, never garbled.
    expect(applyEdits(t, [s.insertBefore(body, 'a();')!, s.insertAfter(body, 'b();')!])).toBeUndefined();
  });

  test('a CRLF file keeps its line endings, and its fix applies with git apply', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmafuzz-crlf-'));
    try {
      const crlf = readFileSync('scenarios/drivers/rx-ring-two-slots-no-rmb.litmus', 'utf8').replace(/\n/g, '\r\n');
      writeFileSync(join(dir, 'rx.litmus'), crlf);
      execFileSync('git', ['init', '-q'], { cwd: dir });
      execFileSync('git', ['config', 'core.autocrlf', 'false'], { cwd: dir });
      const o = checked(join(dir, 'rx.litmus'));
      expect(o.fix?.applyIn).toBe(dir);
      writeFileSync(join(dir, 'fix.diff'), o.fix!.diff);
      execFileSync('git', ['apply', 'fix.diff'], { cwd: dir });
      const patched = readFileSync(join(dir, 'rx.litmus'), 'utf8');
      expect(patched).toMatch(/\r\n {4}dma_rmb\(\);\r\n/);
      expect(patched.split('\r\n').slice(0, -1).every((l) => !l.includes('\n'))).toBe(true);
      expect(ok(checked(join(dir, 'rx.litmus'), { fix: false }))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the diff names the file relative to where dmafuzz ran; a file outside it by its own name, in its directory', () => {
    expect(diffPath('drivers/rx.litmus', '/home/u/src')).toEqual({ path: 'drivers/rx.litmus', applyIn: '.' });
    expect(diffPath('/home/u/src/drivers/rx.litmus', '/home/u/src')).toEqual({ path: 'drivers/rx.litmus', applyIn: '.' });
    expect(diffPath('../rx.litmus', '/home/u/src')).toEqual({ path: 'rx.litmus', applyIn: '/home/u' });
  });
});

// The fix search is bounded by work (states and witness nodes), never by the clock, so its answer
// does not depend on the machine or its load.
describe('the fix search is bounded by work', () => {
  const twoSteps = loopback('loopback-fill-after-map', { threads: 2, sizes: [64, 256], flaw: 'fill-after-map' });
  const text = printLitmus(twoSteps);

  test('its budget is spent in place, and the same budget gives the same answer', () => {
    const a = { ...DEFAULT_FIX_BUDGET };
    const b = { ...DEFAULT_FIX_BUDGET };
    const first = suggestFix(text, compileText, { budget: a });
    expect(first?.steps).toHaveLength(2);
    expect(suggestFix(text, compileText, { budget: b })).toEqual(first);
    expect(a).toEqual(b);
    expect(a.states).toBeLessThan(DEFAULT_FIX_BUDGET.states);
  });

  test('a budget too small for the repair gives no suggestion, within one candidate of the budget', () => {
    const budget = { states: 300, nodes: DEFAULT_FIX_BUDGET.nodes };
    expect(suggestFix(text, compileText, { budget })).toBeUndefined();
    expect(budget.states).toBeLessThanOrEqual(0);
    // one candidate: its contract search plus one model search per event level (0..2)
    expect(-budget.states).toBeLessThan(4 * DEFAULT_MAX_STATES);
    const o = findFix(text, twoSteps, compileText, { budget: { states: 300, nodes: DEFAULT_FIX_BUDGET.nodes }, finished: true });
    expect(o).toEqual({ noFix: expect.stringMatching(/^the fix search spent its budget .* after \d+ candidate repairs/) });
  });

  test('no fix is searched for when the check of the test itself ran out of states', () => {
    const c = compile(twoSteps, makePlatform(twoSteps.platform));
    const valueSearch = checkProgramAs('t.litmus', c, 'bug', { maxStates: 5 });
    expect([valueSearch.result.method, valueSearch.result.bound.events]).toEqual(['random', -1]);
    expect(valueSearch.fix).toBeUndefined();
    expect(valueSearch.noFix).toMatch(/ran out of states/);
    const contractSearch = checkProgramAs('t.litmus', c, 'bug', { maxStates: 20 });
    expect([contractSearch.result.method, contractSearch.contract?.complete]).toEqual(['exhaustive', false]);
    expect(contractSearch.fix).toBeUndefined();
    // the test's own check fits, its repaired version's does not: a repair only proved by random runs is no fix
    const tight = checkProgramAs('t.litmus', c, 'bug', { maxStates: 100 });
    expect(tight.fix).toBeUndefined();
    expect(tight.noFix).toMatch(/^the re-check of a candidate repair .* ran out of states/);
    const full = checkProgramAs('t.litmus', c, 'bug', { maxStates: 1000 });
    expect(full.fix).toBeDefined();
    expect(full.noFix).toBeUndefined();
  });

  test('only a repair whose patched text re-checks ok is shown', () => {
    const ring = readFileSync('scenarios/drivers/rx-ring-two-slots-no-rmb.litmus', 'utf8');
    expect(suggestFix(ring, compileText)?.steps).toEqual(['insert dma_rmb() before line 17']);
    // A re-check that looks at the original instead of the patched text finds every candidate
    // still broken: no suggestion, never a guess.
    const stale: CompileText = () => compileText(parseLitmus(ring));
    expect(suggestFix(ring, stale)).toBeUndefined();
  });

  test('a bug without a fix says why, in the text and the JSON', () => {
    const big = ['DMA big', '{ stack b[64]; }', 'cpu c {', ...Array.from({ length: 61 }, () => '  r0 = *(u32 *)b;'), '  h = dma_map_single(dev, b, 64, DMA_FROM_DEVICE);', '}', ''].join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'dmafuzz-nofix-'));
    try {
      writeFileSync(join(dir, 'big.litmus'), big);
      const cases = [
        ['scenarios/contract/rx-header-payload-split.litmus', /none of the \d+ candidate repairs/],
        [join(dir, 'big.litmus'), /more than 60 statements/],
        // an LKMM test whose name the repairs cannot read as kernel C (was an internal error)
        ['tests/fixtures/lkmm/2+2W+poonceonces.litmus', /no candidate repair .* applies to this test/],
      ] as const;
      for (const [file, why] of cases) {
        const o = checked(file);
        expect([o.verdict, o.fix]).toEqual(['bug', undefined]);
        expect(renderText(o)).toMatch(new RegExp(`no suggested fix: .*${why.source}`));
        expect(renderJson(o)).toHaveProperty('noFix', expect.stringMatching(why));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the text report prints the diff flush left, with where to apply it', () => {
    const o = checked('scenarios/drivers/rx-ring-two-slots-no-rmb.litmus');
    const text = renderText(o);
    expect(text).toContain(`\n--- a/${relative('.', 'scenarios/drivers/rx-ring-two-slots-no-rmb.litmus')}\n`);
    expect(text).toMatch(/apply it from the directory dmafuzz ran in with `git apply` or `patch -p1`/);
    expect(text).toContain('\n+    dma_rmb();\n');
  });
});
