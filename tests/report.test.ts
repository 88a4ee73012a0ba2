// One report per checked file or fuzz failure (src/report/report.ts), and every format a rendering
// of it: --json is the report's fields (the why, the culprit with its place in the file, the
// findings' counts), and for the same failing execution `dmafuzz check` and the fuzz run's JUnit,
// HTML page and summary.json name the same why and the same culprit step.

import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { FuzzSummary, SavedFailure } from '../src/fuzz/fuzz-files.js';
import { failurePageHtml } from '../src/report/failure-page.js';
import { failureReport } from '../src/report/failure-report.js';
import { summaryJson } from '../src/report/fuzz-reports.js';
import { junitXml, xmlEscape } from '../src/report/junit.js';
import { culpritText, reportJson, reportText } from '../src/report/render.js';
import { checkReport, type FailureReport } from '../src/report/report.js';
import { checkLitmusFile, type Checked } from '../src/run/check-file.js';
import { checkShrunk } from '../src/run/check-shrunk.js';
import { DEFAULT_PLATFORM } from '../src/platform/platform.js';

// The culprit, a dma_sync_single_for_cpu(DMA_TO_DEVICE), is written inside a for loop.
const FILE = 'tests/fixtures/rx-sync-wrong-direction-loop.litmus';
const checked = checkLitmusFile(FILE, { fix: false }) as Checked;
const report = checkReport(checked, { command: `dmafuzz check ${FILE}` });

/** The file's text at a culprit's line and column, blanks squeezed. */
function writtenAt(file: string, at: { line?: number; col?: number }): string {
  const line = readFileSync(file, 'utf8').split('\n')[at.line! - 1];
  return line.slice(at.col! - 1).replace(/\s+/g, ' ');
}

describe('the report of a checked file', () => {
  test('the culprit is the step the explanation blames, located at its op in the file (inside the loop, not at the for)', () => {
    expect(checked.verdict).toBe('bug');
    const c = report.culprit!;
    expect(c.role).toMatch(/did not invalidate line 0x[0-9a-f]+/);
    expect(c.text).toBe('dma_sync_single_for_cpu(dev, h, 64, DMA_TO_DEVICE);');
    expect(writtenAt(FILE, c).startsWith(c.text)).toBe(true);
    // The same step in the counterexample, as words and as its typed trace entry.
    const step = report.counterexample!.events[c.step];
    expect([step.actor, step.text, step.trace.actor]).toEqual([c.lane, c.text, c.lane]);
    expect(report.counterexample!.causes.some((x) => x.culprit.step === c.step && x.culprit.role === c.role)).toBe(true);
  });

  test('--json is the report: its why, culprit, counterexample and fix as built, the counts of its findings, and the fields CI scripts read', () => {
    const json = JSON.parse(JSON.stringify(reportJson(report))) as Record<string, unknown>;
    const same = JSON.parse(JSON.stringify(report)) as Record<string, unknown>;
    for (const k of ['file', 'test', 'verdict', 'expect', 'title', 'why', 'culprit', 'counterexample', 'fix', 'noFix', 'states', 'replay', 'reproduce'] as const) expect(json[k], k).toEqual(same[k]);
    expect(json.findings).toEqual(same.contract && (same.contract as { findings: unknown }).findings);
    const findings = checked.contract!.findings;
    expect(json.contract).toEqual({
      errors: findings.filter((f) => f.severity === 'error' && !f.waived).length,
      warnings: findings.filter((f) => f.severity === 'warning' && !f.waived).length,
      waived: findings.filter((f) => f.waived).length,
      states: checked.contract!.states, complete: checked.contract!.complete,
    });
    // docs/ci.md and docs/litmus.md: the search's numbers stay at the top level.
    for (const k of ['executions', 'exhaustive', 'method', 'bound', 'maxEvents', 'seed', 'paths', 'cut']) expect(json, k).toHaveProperty(k);
    expect(json.search).toBe(report.search!.text);
    // The text says the same search and the same explanation.
    const text = reportText(report);
    expect(text).toContain(`counterexample found ${report.search!.foundBy}`);
    for (const c of report.counterexample!.cause) expect(text.replace(/\s+/g, ' ')).toContain(c);
    // ... and the culprit, at its op's file:line:col.
    const c = report.culprit!;
    expect(text).toContain(`\n  culprit: ${FILE}:${c.line}:${c.col}: step ${c.step + 1}, cpu0 \`${c.text}\` — ${c.role}\n`);
  });

  test('a file with no counterexample and no error: no why, no culprit; ok in the text and in the JSON', () => {
    const ok = checkReport(checkLitmusFile('scenarios/drivers/rx-ring-two-slots.litmus') as Checked);
    expect([ok.verdict, ok.why, ok.culprit, ok.counterexample]).toEqual(['ok', undefined, undefined, undefined]);
    expect(reportText(ok)).toMatch(/^ok {4}scenarios\/drivers\/rx-ring-two-slots\.litmus /);
    // Its one finding is a warning (dma-debug's pending allocations: a snippet's buffers may stay mapped).
    expect(reportJson(ok)).toMatchObject({ verdict: 'ok', findings: [{ severity: 'warning' }], contract: { errors: 0, warnings: 1, waived: 0 } });
  });
});

describe('the report of a fuzz failure', () => {
  // The same execution as a shrunk fuzz failure would carry it.
  const failure: SavedFailure = {
    file: FILE, test: checked.name, trial: 3, foundOn: 'default', platform: DEFAULT_PLATFORM, platformText: 'the default platform',
    placement: [], placementNotes: [], litmus: readFileSync(FILE, 'utf8'), execution: checked.report!.execution, reproducesWithCheck: true,
    key: '0123456789ab', ms: 5, alsoFoundOn: [], saved: { litmus: FILE, replay: FILE.replace(/\.litmus$/, '.json') },
  };
  const r: FailureReport = failureReport(failure, checkShrunk);
  const summary: FuzzSummary = {
    seed: 1, shard: { index: 0, count: 1 }, workers: 1, startedAt: '2026-12-06T00:00:00.000Z', elapsedMs: 10, stoppedBy: 'trials', trials: 1, executions: 1,
    files: [{ file: FILE, test: checked.name, platforms: 1, cases: [] }], failures: [failure],
  };

  test('says what `dmafuzz check` says of the same execution: the why, the culprit, the findings', () => {
    expect(r.why).toBe(report.why);
    expect(r.culprit).toEqual(report.culprit);
    expect(r.contract?.findings.map((f) => f.rule)).toEqual(checked.contract!.findings.map((f) => f.rule));
    expect(r.reproduce).toBe(`dmafuzz check ${FILE}`);
  });

  test('JUnit, the HTML page and summary.json render that one report', () => {
    const xml = junitXml(summary, [r]);
    expect(xml).toContain(`<failure message="${xmlEscape(r.why!)}" type="dma/${r.counterexample!.causes[0].kind}">`);
    expect(xml).toContain(xmlEscape(`reproduce: ${r.reproduce}`));
    expect(xml).toContain(xmlEscape(culpritText(r.file, r.culprit!)));
    const html = failurePageHtml(r);
    expect(html).toContain(`<p id="why" class="why">${xmlEscape(r.why!)}</p>`);
    expect(html).toContain(`<a href="#culprit-step">step ${r.culprit!.step + 1}</a>, <b>${r.culprit!.lane}</b> <code>${xmlEscape(r.culprit!.text)}</code>`);
    // The link lands on the culprit's own row, and only there.
    expect(html.match(/id="culprit-step"/g)).toHaveLength(1);
    expect(html).toMatch(new RegExp(`id="culprit-step"><td class="step">${r.culprit!.step + 1}<`));
    const json = JSON.parse(JSON.stringify(summaryJson(summary, [r]))) as { failures: Record<string, unknown>[] };
    expect(json.failures[0]).toMatchObject({ why: r.why, culprit: r.culprit, reproduce: r.reproduce, title: r.title });
  });
});
