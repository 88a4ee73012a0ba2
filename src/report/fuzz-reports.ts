// --report DIR of `dmafuzz fuzz FILES`: summary.json, junit.xml, an HTML page per failure with
// its timeline, and index.html. Written whole under a hidden temporary name and renamed into place
// (src/report/write-whole.ts), so a report is never half-written.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FuzzSummary } from '../fuzz/fuzz-files.js';
import { analyzeFailure, type AnalyzedFailure, type CheckShrunk } from './failure-analysis.js';
import { failurePageHtml } from './failure-page.js';
import { indexHtml } from './index-page.js';
import { junitXml } from './junit.js';
import { writeWhole } from './write-whole.js';

export interface ReportOptions {
  /** `dmafuzz check` of each shrunk test, for its contract findings and fix (the CLI passes src/run/check-file.ts). */
  checkShrunk?: CheckShrunk;
}

export function summaryJson(s: FuzzSummary, analyzed: readonly AnalyzedFailure[] = []): object {
  return {
    dmafuzz: 'fuzz-summary/1',
    seed: s.seed, shard: `${s.shard.index + 1}/${s.shard.count}`, workers: s.workers, startedAt: s.startedAt, elapsedMs: s.elapsedMs, stoppedBy: s.stoppedBy,
    trials: s.trials, executions: s.executions,
    files: s.files,
    failures: s.failures.map((f) => ({
      ...whyOf(analyzed.find((a) => a.failure === f)),
      file: f.file, test: f.test, trial: f.trial, foundOn: f.foundOn, platform: f.platform, platformText: f.platformText,
      placement: f.placement, placementNotes: f.placementNotes, key: f.key, reproducesWithCheck: f.reproducesWithCheck,
      ...(f.saved ? { saved: f.saved } : {}), litmus: f.litmus, ms: Math.round(f.ms),
    })),
  };
}

/** Write every report; returns the paths written. */
export function writeReports(dir: string, s: FuzzSummary, o: ReportOptions = {}): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const put = (name: string, text: string) => {
    writeWhole(join(dir, name), text, { replace: true });
    written.push(join(dir, name));
  };
  const analyzed: AnalyzedFailure[] = s.failures.map((f) => analyzeFailure(f, o.checkShrunk));
  put('summary.json', JSON.stringify(summaryJson(s, analyzed), null, 2) + '\n');
  put('junit.xml', junitXml(s, analyzed));
  const pages: { analyzed: AnalyzedFailure; href: string }[] = [];
  for (const a of analyzed) {
    const href = `failure-${a.failure.test.replace(/[^A-Za-z0-9_.+-]/g, '_')}-${a.failure.key}.html`;
    put(href, failurePageHtml(a));
    pages.push({ analyzed: a, href });
  }
  put('index.html', indexHtml(s, pages));
  return written;
}

/** What the JSON summary says of a failure's analysis: the why, the findings' rules, the fix. */
function whyOf(a: AnalyzedFailure | undefined): object {
  if (!a) return {};
  return {
    title: a.title, why: a.why, reproduce: a.reproduce,
    ...(a.report ? { cause: a.report.cause } : {}),
    ...(a.check ? { findings: a.check.findings, ...(a.check.fix ? { fix: a.check.fix } : {}), ...(a.check.noFix ? { noFix: a.check.noFix } : {}) } : {}),
  };
}
