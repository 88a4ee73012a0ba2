// JUnit XML of a `dmafuzz fuzz FILES` run, for CI dashboards: one <testsuite> per file, one
// <testcase> per file × platform tried, a <failure> for each shrunk counterexample found there.
// Attributes follow the JUnit schema CI servers read (testsuites/testsuite: name, tests,
// failures, errors, skipped, time; testcase: name, classname, time).

import type { FuzzSummary, SavedFailure } from '../nightly/fuzz-files.js';

export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
    // characters XML 1.0 cannot hold at all
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

const attrs = (a: Record<string, string | number>) => Object.entries(a).map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`).join('');
const seconds = (ms: number) => (ms / 1000).toFixed(3);

export function junitXml(s: FuzzSummary): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const suites = s.files.map((f) => {
    // Failures belong to the platform of the trial that found them: the shrunk platform may be simpler.
    const failuresOf = (platform: string): SavedFailure[] => s.failures.filter((x) => x.file === f.file && (x.foundOn === platform || x.alsoFoundOn.includes(platform)));
    const cases = f.cases.map((c) => ({ c, failures: failuresOf(c.platform) }));
    const failed = cases.filter((x) => x.failures.length).length;
    const time = f.cases.length ? s.elapsedMs / Math.max(1, s.files.length) : 0;
    const lines = [`  <testsuite${attrs({ name: f.file, tests: f.skipped ? 1 : cases.length, failures: failed, errors: 0, skipped: f.skipped ? 1 : 0, time: seconds(time), timestamp: s.startedAt.slice(0, 19) })}>`];
    if (f.skipped) lines.push(`    <testcase${attrs({ name: f.test ?? f.file, classname: f.file, time: '0' })}><skipped${attrs({ message: f.skipped })}/></testcase>`);
    for (const { c, failures } of cases) {
      const head = `    <testcase${attrs({ name: `${f.test} on ${c.platform}`, classname: f.file, time: seconds(time / Math.max(1, cases.length)) })}`;
      if (!failures.length) {
        lines.push(`${head}/>`);
        continue;
      }
      lines.push(`${head}>`);
      for (const x of failures) {
        lines.push(`      <failure${attrs({ message: `DMA bug on ${x.platformText}${x.saved ? `; reproduce: dmafuzz check ${x.saved.litmus}` : ''}`, type: 'dma-coherence' })}>${xmlEscape(x.litmus)}</failure>`);
      }
      lines.push('    </testcase>');
    }
    lines.push('  </testsuite>');
    return { lines, tests: f.skipped ? 1 : cases.length, failed, skipped: f.skipped ? 1 : 0 };
  });
  const total = suites.reduce((n, x) => n + x.tests, 0);
  const failures = suites.reduce((n, x) => n + x.failed, 0);
  out.push(`<testsuites${attrs({ name: 'dmafuzz fuzz', tests: total, failures, errors: 0, skipped: suites.reduce((n, x) => n + x.skipped, 0), time: seconds(s.elapsedMs) })}>`);
  for (const x of suites) out.push(...x.lines);
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
