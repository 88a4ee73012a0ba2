// One HTML page per fuzz failure, in the order a driver developer reads it: first the one-line
// why and the culprit step, how to reproduce, the whole explanation, the contract findings and
// the suggested fix; then what was observed and the timeline (src/report/timeline-html.ts);
// last the minimal litmus test and where it came from. Self-contained: no script, no external
// resource.

import type { AnalyzedFailure, ReportFinding } from './failure-analysis.js';
import { xmlEscape as esc } from './junit.js';
import { STYLE, timelineHtml } from './timeline-html.js';

/** `file:12:3: error: message (rule; source)`, as `dmafuzz check` prints a finding. */
export function findingText(file: string, f: ReportFinding): string {
  const at = f.line !== undefined ? `${file}:${f.line}:${f.col}` : `${f.actor} op ${f.op + 1}`;
  return `${at}: ${f.severity}: ${f.message} (${f.rule}; ${f.source})`;
}

function findingHtml(file: string, f: ReportFinding): string {
  const parts = [`<li class="finding ${esc(f.severity)}">${f.waived ? '<span class="waived">[waived] </span>' : ''}<code>${esc(findingText(file, f))}</code>`];
  if (f.note) parts.push(`<div class="note">${esc(f.note)}</div>`);
  if (f.waived) parts.push(`<div class="waived">waived by the ${esc(f.waived.by)}: ${esc(f.waived.reason)}</div>`);
  if (f.witness) {
    parts.push(`<div class="witness">witness (${esc(f.witness.kind)}):</div><pre>${esc(f.witness.text)}</pre>`);
    if (f.witness.replay) parts.push(`<div>replay: <code>${esc(f.witness.replay)}</code></div>`);
  }
  return parts.join('') + '</li>';
}

function diffHtml(diff: string): string {
  return diff.split('\n').map((l) => {
    const cls = l.startsWith('+') && !l.startsWith('+++') ? 'add' : l.startsWith('-') && !l.startsWith('---') ? 'del' : '';
    return cls ? `<span class="${cls}">${esc(l)}</span>` : esc(l);
  }).join('\n');
}

export function failurePageHtml(a: AnalyzedFailure): string {
  const f = a.failure;
  const title = `${f.test}: DMA bug on ${f.platformText}`;
  const t = a.timeline;
  const culpritAt = t ? t.steps.findIndex((s) => s.culprit || s.destroyer) : -1;
  const culprit = t && culpritAt >= 0 ? t.steps[culpritAt] : undefined;
  const file = f.saved?.litmus ?? `${f.test}.litmus`;
  const findings = a.check?.findings ?? [];
  const sections: string[] = [];
  sections.push(`<h1>${esc(title)}</h1>`);
  sections.push(`<p id="why" class="why">${esc(a.why)}</p>`);
  if (culprit) {
    sections.push(`<p id="culprit">Culprit: <a href="#culprit-step">step ${culpritAt + 1}</a>, <b>${esc(culprit.lane)}</b> <code>${esc(culprit.text)}</code> — ${esc(culprit.culprit ?? 'the last change to the victim bytes before the read')}.</p>`);
  }
  sections.push(`<p id="reproduce">Reproduce: <code>${esc(a.reproduce)}</code></p>`);
  if (a.report?.cause.length) sections.push(`<section id="explanation"><h2>Why</h2>${a.report.cause.map((c) => `<p>${esc(c)}</p>`).join('\n')}</section>`);
  if (a.check) {
    sections.push(findings.length
      ? `<section id="findings"><h2>Contract findings (${findings.length})</h2><ul>${findings.map((x) => findingHtml(file, x)).join('\n')}</ul></section>`
      : '<section id="findings"><h2>Contract findings</h2><p>none: every DMA API rule the contract checker knows holds on every path.</p></section>');
    if (a.check.fix) {
      sections.push(`<section id="fix"><h2>Suggested fix (re-checked: ok, no error finding)</h2><ul>${a.check.fix.steps.map((s) => `<li>${esc(s)}</li>`).join('')}</ul><pre class="diff">${diffHtml(a.check.fix.diff)}</pre></section>`);
    } else if (a.check.noFix) {
      sections.push(`<section id="fix"><h2>No suggested fix</h2><p>${esc(a.check.noFix)}</p></section>`);
    }
  }
  if (a.report) {
    const o = a.report.observations;
    sections.push(`<section id="observations"><h2>What was observed</h2><ul>${o.map((d, i) => `<li${i ? '' : ' id="victim"'}><b>${esc(d.what)}</b>: <code>${esc(d.arm64)}</code> on arm64, but every ideal (coherent, in-order) execution gives <code>${esc(d.ideal)}</code></li>`).join('\n')}</ul>${
      t?.victim ? `<p>Victim bytes 0x${t.victim.addr.toString(16)}..0x${(t.victim.addr + t.victim.size - 1).toString(16)} (${t.victim.size} bytes), outlined in red in the line lanes below.</p>` : ''}</section>`);
  }
  if (t) sections.push(`<section id="timeline"><h2>Timeline</h2>\n${timelineHtml(t)}</section>`);
  sections.push(`<section id="litmus"><h2>Minimal litmus test</h2><pre>${esc(f.litmus)}</pre>
<p>From <code>${esc(f.file)}</code> (trial ${f.trial}) on <b>${esc(f.platformText)}</b>${f.placementNotes.length ? `; ${f.placementNotes.map(esc).join('; ')}` : ''}.</p></section>`);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head>
<body>
${sections.join('\n')}
</body></html>
`;
}
