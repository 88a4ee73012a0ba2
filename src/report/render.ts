// How `dmafuzz check` prints a checked file, and the JSON object --json prints: two renderings of
// its one report (src/report/report.ts). The text: one line when no counterexample was found, the
// full explanation for a bug. The JSON: the report's fields, with the search's numbers at the top
// level where CI scripts have always read them.

import { diffLines } from './fix-diff.js';
import { formatFinalStates } from '../oracle/final-states.js';
import type { Checked } from '../run/check-file.js';
import type { CounterexampleReport } from './counterexample.js';
import type { Culprit } from './culprit.js';
import { findingLines } from './finding-text.js';
import { shortenBytes, shownPair } from './long-bytes.js';
import { oneLine } from './one-line.js';
import { checkReport, type CheckReport, type ReplayInfo } from './report.js';

/** The text of a checked file (its report built and rendered). */
export function renderText(o: Checked, replay?: ReplayInfo): string {
  return reportText(checkReport(o, replay));
}

/** The --json object of a checked file (its report built and rendered). */
export function renderJson(o: Checked, replay?: ReplayInfo): object {
  return reportJson(checkReport(o, replay));
}

/** What `dmafuzz check` prints for a report. */
export function reportText(rep: CheckReport): string {
  const s = rep.search;
  const file = oneLine(rep.file);
  const expectation = rep.expect === undefined ? '' : rep.expect === rep.verdict ? ` [expected ${rep.expect}]` : ` [DIFFERS from 'expect ${rep.expect}']`;
  const c = rep.contract;
  const out: string[] = [];
  if (rep.counterexample) {
    out.push(`BUG   ${file} (${rep.test}): counterexample found ${s.foundBy}${expectation}`, ...explanationLines(rep.counterexample, '  ', rep.culprit && culpritText(file, rep.culprit)));
  } else if (c?.errors) {
    out.push(`BUG   ${file} (${rep.test}): ${c.errors} contract error${c.errors === 1 ? '' : 's'}; no counterexample in ${s.text}${expectation}`);
  } else {
    const what = s.verdict === 'ok' ? 'no counterexample' : s.allCut ? 'inconclusive: every execution reached the loop bound and was cut, so none was judged (raise --unroll, or bound the loop)' : 'inconclusive: the ideal-witness search was cut off';
    out.push(`${s.verdict.padEnd(5)} ${file} (${rep.test}): ${what} in ${s.text}${expectation}`);
    if (s.returnsAt) {
      const where = s.returnsAt.line === undefined ? '' : ` (${file}:${s.returnsAt.line}:${s.returnsAt.col})`;
      out.push(`  every execution returns at ${s.returnsAt.actor}'s dma_mapping_error() check${where}: the kernel fails that map on this platform, so nothing past it was checked`);
    }
  }
  if (rep.states) out.push('', ...formatFinalStates(rep.states).map((l) => `  ${l}`));
  if (c?.findings.length) {
    out.push('', `  contract (${c.complete ? 'every interleaving' : `${c.states} states, not every interleaving`}):`);
    for (const f of c.findings) out.push(...findingLines(file, f).map((l) => `    ${shortenBytes(l)}`));
  }
  if (rep.fix) {
    out.push('', '  suggested fix (re-checked: ok, no error finding):');
    for (const step of rep.fix.steps) out.push(`    - ${step}`);
    // Flush left, so the diff can be cut and pasted into `git apply` or `patch -p1` as it is.
    out.push(`    (a diff of ${rep.fix.path}: apply it ${rep.fix.applyIn === '.' ? 'from the directory dmafuzz ran in' : `in ${rep.fix.applyIn}`} with \`git apply\` or \`patch -p1\`)`, ...diffLines(rep.fix.diff));
  }
  if (rep.noFix) out.push('', `  no suggested fix: ${rep.noFix}`);
  if (rep.replay && rep.counterexample) {
    out.push('', '  replay:', `    ${rep.replay.command}`);
    if (rep.replay.saved) out.push(`    dmafuzz check ${file} --replay ${rep.replay.saved}`);
    out.push(`    execution: ${JSON.stringify(rep.counterexample.execution)}`);
  }
  return out.join('\n');
}

/**
 * The --json object: the report, with the search's numbers at the top level as they always were
 * (executions, exhaustive, method, bound, maxEvents, seed, paths, cut) and `findings` a plain list.
 */
export function reportJson(rep: CheckReport): object {
  const { verdict: _searchVerdict, text, foundBy, replayed: _replayed, ...numbers } = rep.search;
  const { findings = [], ...counts } = rep.contract ?? {};
  return {
    file: rep.file,
    test: rep.test,
    verdict: rep.verdict,
    ...numbers,
    ...(rep.expect ? { expect: rep.expect, asExpected: rep.expect === rep.verdict } : {}),
    ...(rep.counterexample ? { counterexample: rep.counterexample } : {}),
    findings,
    ...(rep.fix ? { fix: rep.fix } : {}),
    ...(rep.noFix ? { noFix: rep.noFix } : {}),
    ...(rep.states ? { states: rep.states } : {}), // CPU-only tests: herd7's final states and observation
    ...(rep.replay ? { replay: rep.replay } : {}),
    // What the text says in words, as data: the title, the one-line why, the culprit step, the findings' counts.
    title: rep.title,
    ...(rep.why ? { why: rep.why } : {}),
    ...(rep.culprit ? { culprit: rep.culprit } : {}),
    ...(rep.contract ? { contract: counts } : {}),
    search: text,
    ...(foundBy ? { foundBy } : {}),
    ...(rep.reproduce ? { reproduce: rep.reproduce } : {}),
  };
}

/** The body of every counterexample report: platform, program, what happened, observations, lines. */
/** culprit: the line naming the step to blame (culpritText), said right after the why. */
export function explanationLines(rep: CounterexampleReport, indent: string, culprit?: string): string[] {
  const out = [`platform: ${rep.platform}`, '', rep.path ? 'program (the path this execution takes: loops unrolled, each branch taken as its assume() says):' : 'program:'];
  out.push(...rep.program.trimEnd().split('\n').map((l) => `  ${l}`.trimEnd()));
  out.push('', 'what happened, in order (kernel and hardware actions indented):');
  const width = Math.max(8, ...rep.events.map((e) => e.actor.length));
  rep.events.forEach((e, i) => {
    out.push(`${String(i + 1).padStart(3)}  ${e.actor.padEnd(width)}  ${e.text}${e.ahead ? `   <- ${e.ahead}` : ''}`);
    for (const f of e.effects) out.push(`     ${' '.repeat(width)}    ${f}`);
  });
  if (rep.cause.length) {
    out.push('', 'why:');
    rep.cause.forEach((story, i) => {
      // a long read's bytes where they differ from the ideal's (src/report/long-bytes.ts)
      const bytes = rep.causes[i]?.bytes;
      out.push(...wrap(shortenBytes(story, bytes ? [bytes.got, bytes.ideal] : []), 96).map((l, j) => (j ? '    ' : '  ') + l));
    });
  }
  if (culprit) out.push('', culprit);
  out.push('', 'observations no execution of the ideal (coherent, in-order) platform can produce:');
  for (const d of rep.observations) {
    // a 4 KiB memcpy: the bytes where arm64's and the ideal's differ, not all of them (src/report/long-bytes.ts)
    const shown = shownPair(d.arm64, d.ideal);
    out.push(`  ${d.what}`, `    arm64: ${shown.arm64}`, `    ideal: ${shown.ideal}   (same interleaving)`, ...(shown.differ ? [`    ${shown.differ}`] : []));
  }
  if (rep.lines.length) {
    out.push('', 'cache lines at the end:');
    for (const l of rep.lines) out.push(`  ${l.line}  ${l.state}`);
  }
  return out.map((l) => (l ? indent + l : l));
}


/**
 * `culprit: rx.litmus:18:5: step 9, cpu0 \`dma_sync_single_for_cpu(...);\` — did not invalidate
 * line 0x1000`: the step to blame and, for an op, where it is written, so an editor jumps to it.
 */
export function culpritText(file: string, c: Culprit): string {
  const at = c.line !== undefined ? `${file}:${c.line}:${c.col}: ` : '';
  const what = c.lane.startsWith('line ') ? c.text : `${c.lane} \`${c.text}\``;
  return `culprit: ${at}step ${c.step + 1}, ${what} — ${c.role}`;
}

/** Break a sentence into lines of at most `width` characters, at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(' ')) {
    if (cur && cur.length + 1 + word.length > width) {
      lines.push(cur);
      cur = word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  if (cur) lines.push(cur);
  return lines;
}
