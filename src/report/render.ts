// How `dmafuzz check` prints a checked file: one line when no counterexample was found, the full
// explanation for a bug; and the JSON object --json prints.

import { hex } from '../exec/values.js';
import { formatFinalStates } from '../oracle/final-states.js';
import type { Checked, LocatedFinding } from '../run/check-file.js';
import type { CheckResult } from '../oracle/check.js';
import { countsAsError } from '../check/finding.js';
import type { CounterexampleReport } from './counterexample.js';

export interface ReplayInfo {
  command: string;
  saved?: string;
}

/** What was searched, in words: "42 executions (310 states), exhaustive: every interleaving ...". */
export function describeSearch(r: CheckResult, replayed = false): string {
  if (replayed) return 'the replayed execution';
  // Paths of branches and loops, and executions cut at the loop bound: said whenever there are any.
  const paths = r.paths > 1 ? `${r.paths} paths, ` : '';
  const cut = r.cut ? `; ${r.cut} execution${r.cut === 1 ? '' : 's'} cut at the loop bound (--unroll), not judged` : '';
  return paths + searched(r) + cut;
}

function searched(r: CheckResult): string {
  const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
  const bound = (events: number) =>
    `every interleaving and CPU reordering with up to ${n(events, 'fill')}/evictions of ${r.bound.outerLines ? `${n(r.bound.lines.length, 'L1 line')} and ${n(r.bound.outerLines.length, 'L2 line')}` : n(r.bound.lines.length, 'line')}`;
  const exhaustive = r.bound.events >= 0 ? `exhaustive: ${bound(r.bound.events)}` : '';
  if (r.randomExecutions === 0) return `${n(r.executions, 'execution')} (${r.states} states), ${exhaustive}`;
  const why = r.gaveUp === 'interleavings' ? 'too many interleavings to enumerate' : `more than ${r.states} states with ${n(r.bound.events + 1, 'event')}`;
  const random = `${r.randomExecutions} random executions (seed ${r.seed})`;
  return exhaustive ? `${n(r.executions - r.randomExecutions, 'execution')} (${exhaustive}) and ${random} beyond that bound (${why})` : `${random}, not exhaustive (${why})`;
}

function foundBy(r: CheckResult, replayed = false): string {
  if (replayed) return 'in the replayed execution';
  if (r.method === 'random') return `by random search (seed ${r.seed}) after ${r.randomExecutions} executions`;
  return `by exhaustive search with up to ${r.bound.events} fill${r.bound.events === 1 ? '' : 's'}/evictions after ${r.executions} execution${r.executions === 1 ? '' : 's'}`;
}

export function renderText(o: Checked, replay?: ReplayInfo): string {
  const r = o.result;
  const expectation = o.expect === undefined ? '' : o.expect === o.verdict ? ` [expected ${o.expect}]` : ` [DIFFERS from 'expect ${o.expect}']`;
  const errors = o.contract?.findings.filter(countsAsError) ?? [];
  const out: string[] = [];
  if (o.report) {
    out.push(`BUG   ${o.file} (${o.name}): counterexample found ${foundBy(r, o.replayed)}${expectation}`, ...explanationLines(o.report, '  '));
  } else if (errors.length) {
    out.push(`BUG   ${o.file} (${o.name}): ${errors.length} contract error${errors.length === 1 ? '' : 's'}; no counterexample in ${describeSearch(r, o.replayed)}${expectation}`);
  } else {
    const what = r.verdict === 'ok' ? 'no counterexample' : 'inconclusive: the ideal-witness search was cut off';
    out.push(`${r.verdict.padEnd(5)} ${o.file} (${o.name}): ${what} in ${describeSearch(r, o.replayed)}${expectation}`);
  }
  if (o.states) out.push('', ...formatFinalStates(o.states).map((l) => `  ${l}`));
  if (o.contract?.findings.length) {
    out.push('', `  contract (${o.contract.complete ? 'every interleaving' : `${o.contract.states} states, not every interleaving`}):`);
    for (const f of o.contract.findings) out.push(...findingLines(o.file, f).map((l) => `    ${l}`));
  }
  if (o.fix) {
    out.push('', '  suggested fix (re-checked: ok, no error finding):');
    for (const step of o.fix.steps) out.push(`    - ${step}`);
    // Flush left, so the diff can be cut and pasted into `git apply` or `patch -p1` as it is.
    out.push(`    (a diff of ${o.fix.path}: apply it ${o.fix.applyIn === '.' ? 'from the directory dmafuzz ran in' : `in ${o.fix.applyIn}`} with \`git apply\` or \`patch -p1\`)`, ...o.fix.diff.split('\n'));
  }
  if (o.noFix) out.push('', `  no suggested fix: ${o.noFix}`);
  if (replay && o.report) {
    out.push('', '  replay:', `    ${replay.command}`);
    if (replay.saved) out.push(`    dmafuzz check ${o.file} --replay ${replay.saved}`);
    out.push(`    execution: ${JSON.stringify(o.report.execution)}`);
  }
  return out.join('\n');
}

/**
 * `file:12:3: error: <message> (<rule>; <source>)`, or `cpu0 op 3: ...` for a program with no
 * file; then what makes it an error (its witness), or why it is not one, and any waiver.
 */
export function findingLines(file: string, f: LocatedFinding): string[] {
  const at = f.line !== undefined ? `${file}:${f.line}:${f.col}` : `${f.actor} op ${f.op + 1}`;
  const out = [`${at}: ${f.severity}${f.waived ? ' (waived)' : ''}: ${f.message} (${f.rule}; ${f.source})`];
  if (f.witness) out.push(`  witness (${f.witness.kind}): ${f.witness.text}`);
  if (f.witness?.replay) out.push(`  reproduce: ${f.witness.replay}`);
  if (f.note) out.push(`  not an error: ${f.note}`);
  if (f.waived) out.push(`  waived ${f.waived.by === 'file' ? 'in the file' : 'on the command line'}: ${f.waived.reason}`);
  return out;
}

/** The body of every counterexample report: platform, program, what happened, observations, lines. */
export function explanationLines(rep: CounterexampleReport, indent: string): string[] {
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
    for (const story of rep.cause) out.push(...wrap(story, 96).map((l, i) => (i ? '    ' : '  ') + l));
  }
  out.push('', 'observations no execution of the ideal (coherent, in-order) platform can produce:');
  for (const d of rep.observations) out.push(`  ${d.what}`, `    arm64: ${d.arm64}`, `    ideal: ${d.ideal}   (same interleaving)`);
  if (rep.lines.length) {
    out.push('', 'cache lines at the end:');
    for (const l of rep.lines) out.push(`  ${l.line}  ${l.state}`);
  }
  return out.map((l) => (l ? indent + l : l));
}

export function renderJson(o: Checked, replay?: ReplayInfo): object {
  const r = o.result;
  return {
    file: o.file,
    test: o.name,
    verdict: o.verdict,
    executions: r.executions,
    exhaustive: r.exhaustive,
    method: r.method,
    // The same bound the text states: the deepest level covered completely (-1: none), of maxEvents asked.
    bound: { events: r.bound.events, lines: r.bound.lines.map(hex), ...(r.bound.outerLines ? { outerLines: r.bound.outerLines.map(hex) } : {}) },
    maxEvents: r.maxEvents,
    seed: r.seed,
    paths: r.paths,
    cut: r.cut,
    ...(o.expect ? { expect: o.expect, asExpected: o.expect === o.verdict } : {}),
    ...(o.report ? { counterexample: o.report } : {}),
    findings: o.contract?.findings ?? [],
    ...(o.fix ? { fix: o.fix } : {}),
    ...(o.noFix ? { noFix: o.noFix } : {}),
    ...(o.states ? { states: o.states } : {}), // CPU-only tests: herd7's final states and observation
    ...(replay ? { replay } : {}),
  };
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
