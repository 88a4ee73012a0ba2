// --report DIR of `dmafuzz fuzz FILES`: summary.json, junit.xml, an HTML page per failure with
// its timeline, and index.html. Written whole under a temporary name and renamed into place, so
// a report is never half-written.

import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../exec/compile.js';
import { parseLitmus } from '../litmus/parse.js';
import type { FuzzSummary, SavedFailure } from '../nightly/fuzz-files.js';
import { judgeExecution } from '../oracle/oracle.js';
import { makePlatform } from '../platform/platform.js';
import { junitXml } from './junit.js';
import { buildTimeline } from './timeline.js';
import { failurePageHtml, indexHtml } from './timeline-html.js';

function writeWhole(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** The page of one failure, or undefined if its execution no longer replays (never expected). */
export function failurePage(f: SavedFailure): string | undefined {
  const program = parseLitmus(f.litmus).program;
  const c = compile(program, makePlatform(program.platform));
  const v = judgeExecution(c, f.execution);
  if (v.verdict !== 'bug') return undefined;
  const reproduce = f.saved ? `dmafuzz check ${f.saved.litmus}${f.reproducesWithCheck ? '' : ` --replay ${f.saved.replay}`}` : 'dmafuzz check (the test below, saved as a .litmus file)';
  return failurePageHtml({
    title: `${f.test}: DMA bug on ${f.platformText}`, file: f.file, platform: f.platformText, placement: f.placementNotes,
    litmus: f.litmus, reproduce, timeline: buildTimeline(c, f.execution, v),
  });
}

export function summaryJson(s: FuzzSummary): object {
  return {
    dmafuzz: 'fuzz-summary/1',
    seed: s.seed, shard: `${s.shard.index + 1}/${s.shard.count}`, workers: s.workers, startedAt: s.startedAt, elapsedMs: s.elapsedMs, stoppedBy: s.stoppedBy,
    trials: s.trials, executions: s.executions,
    files: s.files,
    failures: s.failures.map((f) => ({
      file: f.file, test: f.test, trial: f.trial, foundOn: f.foundOn, platform: f.platform, platformText: f.platformText,
      placement: f.placement, placementNotes: f.placementNotes, key: f.key, reproducesWithCheck: f.reproducesWithCheck,
      ...(f.saved ? { saved: f.saved } : {}), litmus: f.litmus,
    })),
  };
}

/** Write every report; returns the paths written. */
export function writeReports(dir: string, s: FuzzSummary): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const put = (name: string, text: string) => {
    writeWhole(join(dir, name), text);
    written.push(join(dir, name));
  };
  put('summary.json', JSON.stringify(summaryJson(s), null, 2) + '\n');
  put('junit.xml', junitXml(s));
  const links: { href: string; label: string }[] = [];
  for (const f of s.failures) {
    const page = failurePage(f);
    if (!page) continue;
    const name = `failure-${f.test.replace(/[^A-Za-z0-9_.+-]/g, '_')}-${f.key}.html`;
    put(name, page);
    links.push({ href: name, label: `${f.file}: ${f.test} on ${f.platformText}` });
  }
  const rate = s.elapsedMs ? Math.round((s.executions * 1000) / s.elapsedMs) : 0;
  put('index.html', indexHtml(`dmafuzz fuzz: ${s.failures.length} failure${s.failures.length === 1 ? '' : 's'}`, [
    `seed ${s.seed}, shard ${s.shard.index + 1}/${s.shard.count}, ${s.workers} worker(s), started ${s.startedAt}, ${(s.elapsedMs / 1000).toFixed(1)} s, stopped by ${s.stoppedBy}`,
    `${s.trials} trials, ${s.executions} executions (${rate}/s), ${s.files.length} files, ${s.files.reduce((n, f) => n + f.cases.length, 0)} file × platform pairs`,
  ], links));
  return written;
}
