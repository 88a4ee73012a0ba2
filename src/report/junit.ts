// JUnit XML of a `dmafuzz fuzz FILES` run, for CI dashboards: one <testsuite> per litmus file;
// in it one <testcase> per distinct failure found (named by the test and what went wrong) and
// one failing <testcase> per contract error the run found with no counterexample (a dma-debug WARN, an
// order the device can observe), or one passing <testcase> for the file when nothing was found on
// trials that ran to the end of the box, an <error> one when a signal cancelled the run first, or
// one skipped (an `expect bug` file, or one no trial reached); waived findings are listed in the suite's <system-out>. A <failure>'s
// message is the one-line "why"; its body has the explanation, the culprit, the contract findings, the fix
// and the command that reproduces it. The platform pairs explored are the suite's <properties>,
// not testcases (one bug found on 800 platforms is one failure, not 800). Times are the workers'
// real time spent on the file (trials and shrinking) or on finding and shrinking the failure.
// Every failure is a rendering of its report (src/report/report.ts, built once by failure-report.ts).
// Attributes follow the JUnit schema CI servers read (Jenkins' junit-10.xsd; tests/fixtures/junit.xsd).

import { diffLines } from './fix-diff.js';
import type { LocatedFinding } from '../check/file-findings.js';
import type { FuzzSummary } from '../fuzz/fuzz-files.js';
import { findingText } from './finding-text.js';
import { fileTrials } from './run-outcome.js';
import { culpritText, explanationLines } from './render.js';
import type { FailureReport } from './report.js';

export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
    // characters XML 1.0 cannot hold at all
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

const attrs = (a: Record<string, string | number>) => Object.entries(a).map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`).join('');
const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** The text of a <failure>: everything a developer needs without opening the HTML page. */
export function failureBody(r: FailureReport): string {
  const f = r.found;
  const out = [
    r.why ?? '',
    '',
    `reproduce: ${r.reproduce}`,
    `found in ${f.file} (trial ${f.trial}) on ${f.platformText}${f.placementNotes.length ? `; ${f.placementNotes.join('; ')}` : ''}${f.alsoFoundOn.length ? `; the same failure on ${f.alsoFoundOn.length} other platform${f.alsoFoundOn.length === 1 ? '' : 's'}` : ''}`,
  ];
  if (r.counterexample?.cause.length) out.push('', 'why:', ...r.counterexample.cause.map((c) => `  ${c}`));
  if (r.culprit) out.push('', culpritText(r.file, r.culprit));
  if (r.contract) {
    out.push('', r.contract.findings.length ? 'contract findings:' : 'contract findings: none');
    for (const x of r.contract.findings) {
      out.push(`  ${x.waived ? '[waived] ' : ''}${findingText(r.file, x)}`);
      if (x.note) out.push(`    note: ${x.note}`);
      if (x.waived) out.push(`    waived by the ${x.waived.by}: ${x.waived.reason}`);
      if (x.witness) {
        out.push(`    witness (${x.witness.kind}):`, ...x.witness.text.split('\n').map((l) => `      ${l}`));
        if (x.witness.replay) out.push(`    replay: ${x.witness.replay}`);
      }
    }
    if (r.ownFix) out.push('', `suggested fix of your file ${r.ownFix.file} (as \`${r.ownFix.command}\` gives it; re-checked: ok, no error finding; apply with patch -p1 or git apply in ${r.ownFix.fix.applyIn}):`, ...r.ownFix.fix.steps.map((s) => `  - ${s}`), ...diffLines(r.ownFix.fix.diff).map((l) => `  ${l}`));
    if (r.fix) out.push('', `suggested fix of the saved test ${r.file} (re-checked: ok, no error finding):`, ...r.fix.steps.map((s) => `  - ${s}`), ...diffLines(r.fix.diff).map((l) => `  ${l}`));
    else if (r.noFix) out.push('', `no suggested fix: ${r.noFix}`);
  }
  if (r.counterexample) out.push('', 'counterexample:', ...explanationLines(r.counterexample, '  '));
  out.push('', 'minimal litmus test:', ...f.litmus.trimEnd().split('\n').map((l) => `  ${l}`));
  return out.join('\n');
}

/** A contract finding of the run: where, what, its witness or waiver, and how to reproduce it. */
function findingBody(file: string, x: LocatedFinding): string {
  const out = [`${x.waived ? '[waived] ' : ''}${findingText(file, x)}`];
  if (x.waived) out.push(`waived by the ${x.waived.by}: ${x.waived.reason}`);
  if (x.witness) out.push(`witness (${x.witness.kind}):`, ...x.witness.text.split('\n').map((l) => `  ${l}`));
  if (x.witness?.replay) out.push(`reproduce: ${x.witness.replay}`);
  return out.join('\n');
}

/** reports: the run's failures' reports (src/report/failure-report.ts). */
export function junitXml(s: FuzzSummary, reports: readonly FailureReport[]): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  let tests = 0, failures = 0, errors = 0, skipped = 0;
  for (const f of s.files) {
    const mine = reports.filter((r) => r.found?.file === f.file);
    const ms = f.cases.reduce((n, c) => n + c.ms, 0);
    // A contract error found with no counterexample (a dma-debug WARN, an order the device can
    // observe) fails the run too: its own testcase, counted as the console and index.html count it.
    const contract = f.contract ?? [];
    const failed = mine.length + contract.length;
    // Nothing found is a pass only when the file was tried and the run was not cancelled: a
    // cancelled run is an error testcase, a file no trial reached a skipped one (docs/fuzzing.md).
    const trials = fileTrials(f);
    const cancelled = !f.skipped && !failed && s.stoppedBy === 'signal';
    const untried = !f.skipped && !failed && !cancelled && trials === 0;
    const suiteTests = f.skipped || !failed ? 1 : failed;
    const suiteSkipped = f.skipped || untried ? 1 : 0;
    tests += suiteTests;
    failures += failed;
    errors += cancelled ? 1 : 0;
    skipped += suiteSkipped;
    out.push(`  <testsuite${attrs({ name: f.file, tests: suiteTests, failures: failed, errors: cancelled ? 1 : 0, skipped: suiteSkipped, time: seconds(ms), timestamp: s.startedAt.slice(0, 19) })}>`);
    const props: [string, string | number][] = [
      ['test', f.test ?? ''], ['seed', s.seed], ['shard', `${s.shard.index + 1}/${s.shard.count}`], ['stopped by', s.stoppedBy],
      ['platforms covered', `${f.cases.length} of ${f.platforms}`],
      ['trials', f.cases.reduce((n, c) => n + c.trials, 0)], ['executions', f.cases.reduce((n, c) => n + c.executions, 0)],
      ...f.cases.map((c): [string, string] => [`platform ${c.platform}`, `${c.trials} trial${c.trials === 1 ? '' : 's'}, ${c.executions} executions, ${c.bugs} failing${c.inconclusive ? `, ${c.inconclusive} inconclusive` : ''}${c.invalid ? `, ${c.invalid} invalid` : ''}`]),
    ];
    out.push('    <properties>', ...props.map(([name, value]) => `      <property${attrs({ name, value })}/>`), '    </properties>');
    const name = f.test ?? f.file;
    if (f.skipped) out.push(`    <testcase${attrs({ name, classname: f.file, time: '0' })}><skipped${attrs({ message: f.skipped })}/></testcase>`);
    else if (cancelled) {
      const why = `the run was cancelled by a signal after ${trials} trial${trials === 1 ? '' : 's'} of this file (${f.cases.length} of ${f.platforms} platforms): nothing found so far, which is not a pass`;
      out.push(`    <testcase${attrs({ name: `${name}: run cancelled after ${trials} trial${trials === 1 ? '' : 's'}`, classname: f.file, time: seconds(ms) })}><error${attrs({ message: why, type: 'cancelled' })}/></testcase>`);
    } else if (untried) out.push(`    <testcase${attrs({ name, classname: f.file, time: '0' })}><skipped${attrs({ message: 'not tested: no trial of this file ran before the run ended' })}/></testcase>`);
    else if (!failed) out.push(`    <testcase${attrs({ name: `${name}: no DMA bug on ${f.cases.length} of ${f.platforms} platforms`, classname: f.file, time: seconds(ms) })}/>`);
    for (const r of mine) {
      out.push(`    <testcase${attrs({ name: `${r.title} [${r.found.key}]`, classname: f.file, time: seconds(r.found.ms) })}>`);
      const type = r.counterexample?.causes[0] ? `dma/${r.counterexample.causes[0].kind}` : 'dma';
      out.push(`      <failure${attrs({ message: r.why ?? '', type })}>${xmlEscape(failureBody(r))}</failure>`);
      out.push('    </testcase>');
    }
    for (const x of contract) {
      out.push(`    <testcase${attrs({ name: `${name}: ${x.rule} at line ${x.line ?? 0}:${x.col ?? 0}`, classname: f.file, time: '0' })}>`);
      out.push(`      <failure${attrs({ message: x.message, type: `dma/${x.rule}` })}>${xmlEscape(findingBody(f.file, x))}</failure>`);
      out.push('    </testcase>');
    }
    if (f.waived?.length) out.push(`    <system-out>${xmlEscape(['waived findings (never a failure):', ...f.waived.flatMap((x) => findingBody(f.file, x).split('\n').map((l) => `  ${l}`))].join('\n'))}</system-out>`);
    out.push('  </testsuite>');
  }
  out.splice(1, 0, `<testsuites${attrs({ name: 'dmafuzz fuzz', tests, failures, errors, skipped, time: seconds(s.elapsedMs) })}>`);
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
