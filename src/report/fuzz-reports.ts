// --report DIR of `dmafuzz fuzz FILES`: summary.json, junit.xml, an HTML page per failure with
// its timeline, and index.html: each failure's report (src/report/report.ts) built once, then
// rendered by each. Written whole under a hidden temporary name and renamed into place
// (src/report/write-whole.ts), so a report is never half-written.

import { makeDir } from './make-dir.js';
import { join } from 'node:path';
import type { FuzzSummary } from '../fuzz/fuzz-files.js';
import { failureReport, type CheckOwnFile, type CheckShrunk } from './failure-report.js';
import { failurePageHtml } from './failure-page.js';
import { indexHtml } from './index-page.js';
import { junitXml } from './junit.js';
import { runOutcome } from './run-outcome.js';
import type { FailureReport } from './report.js';
import { writeWhole } from './write-whole.js';

export interface ReportOptions {
  /** `dmafuzz check` of each shrunk test, for its contract findings and fix (the CLI passes src/run/check-file.ts). */
  checkShrunk?: CheckShrunk;
  /** `dmafuzz check FILE --platform ...` of the user's file, for its own fix (src/run/check-shrunk.ts). */
  checkOwnFile?: CheckOwnFile;
}

/** reports: the report of each of s.failures, in order. */
export function summaryJson(s: FuzzSummary, reports: readonly FailureReport[] = []): object {
  return {
    dmafuzz: 'fuzz-summary/1',
    seed: s.seed, shard: `${s.shard.index + 1}/${s.shard.count}`, workers: s.workers, startedAt: s.startedAt, elapsedMs: s.elapsedMs, stoppedBy: s.stoppedBy,
    trials: s.trials, executions: s.executions,
    // What the console's last line, junit.xml and index.html count (src/report/run-outcome.ts).
    outcome: runOutcome(s),
    files: s.files,
    failures: s.failures.map((f, i) => ({
      ...whyOf(reports[i]),
      file: f.file, test: f.test, trial: f.trial, foundOn: f.foundOn, platform: f.platform, platformText: f.platformText,
      placement: f.placement, placementNotes: f.placementNotes, key: f.key, reproducesWithCheck: f.reproducesWithCheck,
      ...(f.saved ? { saved: f.saved } : {}), litmus: f.litmus, ms: Math.round(f.ms),
    })),
  };
}

/** Write every report; returns the paths written. */
export function writeReports(dir: string, s: FuzzSummary, o: ReportOptions = {}): string[] {
  makeDir(dir);
  const written: string[] = [];
  const put = (name: string, text: string) => {
    writeWhole(join(dir, name), text, { replace: true });
    written.push(join(dir, name));
  };
  const reports = s.failures.map((f) => failureReport(f, o.checkShrunk, o.checkOwnFile));
  put('summary.json', JSON.stringify(summaryJson(s, reports), null, 2) + '\n');
  put('junit.xml', junitXml(s, reports));
  const pages: { report: FailureReport; href: string }[] = [];
  for (const r of reports) {
    const href = `failure-${r.test.replace(/[^A-Za-z0-9_.+-]/g, '_')}-${r.found.key}.html`;
    put(href, failurePageHtml(r));
    pages.push({ report: r, href });
  }
  put('index.html', indexHtml(s, pages));
  return written;
}

/** What the JSON summary says of a failure's report: the why, the culprit, the findings, the fix. */
function whyOf(r: FailureReport | undefined): object {
  if (!r) return {};
  return {
    title: r.title, why: r.why, reproduce: r.reproduce,
    ...(r.counterexample ? { cause: r.counterexample.cause } : {}),
    // fix: a diff of the saved test (fix.path); ownFix: of the user's fuzzed file, when it applies there.
    ...(r.contract ? { findings: r.contract.findings, ...(r.fix ? { fix: r.fix } : {}), ...(r.noFix ? { noFix: r.noFix } : {}) } : {}),
    ...(r.ownFix ? { ownFix: r.ownFix } : {}),
    ...(r.culprit ? { culprit: r.culprit } : {}),
  };
}
