// One HTML page per fuzz failure, in the order a driver developer reads it: first the one-line
// why and the culprit step, how to reproduce, the whole explanation, the contract findings and
// the suggested fix; then what was observed and the timeline (src/report/timeline-html.ts);
// last the minimal litmus test and where it came from. Self-contained: no script, no external
// resource. A rendering of the failure's report (src/report/report.ts): every section reads it.

import { diffLines } from './fix-diff.js';
import type { LocatedFinding } from '../check/file-findings.js';
import { findingText } from './finding-text.js';
import { xmlEscape as esc } from './junit.js';
import type { FailureReport } from './report.js';
import { STYLE, timelineHtml } from './timeline-html.js';

function findingHtml(file: string, f: LocatedFinding): string {
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
  return diffLines(diff).map((l) => {
    const cls = l.startsWith('+') && !l.startsWith('+++') ? 'add' : l.startsWith('-') && !l.startsWith('---') ? 'del' : '';
    return cls ? `<span class="${cls}">${esc(l)}</span>` : esc(l);
  }).join('\n');
}

export function failurePageHtml(r: FailureReport): string {
  const f = r.found;
  const title = `${r.test}: DMA bug on ${f.platformText}`;
  const t = r.timeline;
  const culprit = r.culprit;
  const findings = r.contract?.findings ?? [];
  const sections: string[] = [];
  sections.push(`<h1>${esc(title)}</h1>`);
  sections.push(`<p id="why" class="why">${esc(r.why ?? '')}</p>`);
  if (culprit && t) {
    sections.push(`<p id="culprit">Culprit: <a href="#culprit-step">step ${culprit.step + 1}</a>, <b>${esc(culprit.lane)}</b> <code>${esc(culprit.text)}</code> — ${esc(culprit.role)}.</p>`);
  }
  sections.push(`<p id="reproduce">Reproduce: <code>${esc(r.reproduce)}</code></p>`);
  if (r.counterexample?.cause.length) sections.push(`<section id="explanation"><h2>Why</h2>${r.counterexample.cause.map((c) => `<p>${esc(c)}</p>`).join('\n')}</section>`);
  if (r.contract) {
    sections.push(findings.length
      ? `<section id="findings"><h2>Contract findings (${findings.length})</h2><ul>${findings.map((x) => findingHtml(r.file, x)).join('\n')}</ul></section>`
      : '<section id="findings"><h2>Contract findings</h2><p>none: every DMA API rule the contract checker knows holds on every path.</p></section>');
    if (r.fix) {
      const own = r.ownFix ? `<h3>Of your file <code>${esc(r.ownFix.file)}</code></h3><p>as <code>${esc(r.ownFix.command)}</code> gives it; apply with <code>patch -p1</code> or <code>git apply</code> in <code>${esc(r.ownFix.fix.applyIn)}</code></p><ul>${r.ownFix.fix.steps.map((s) => `<li>${esc(s)}</li>`).join('')}</ul><pre class="diff">${diffHtml(r.ownFix.fix.diff)}</pre><h3>Of the saved test <code>${esc(r.file)}</code></h3>` : `<p>Of the saved test <code>${esc(r.file)}</code>:</p>`;
      sections.push(`<section id="fix"><h2>Suggested fix (re-checked: ok, no error finding)</h2>${own}<ul>${r.fix.steps.map((s) => `<li>${esc(s)}</li>`).join('')}</ul><pre class="diff">${diffHtml(r.fix.diff)}</pre></section>`);
    } else if (r.noFix) {
      sections.push(`<section id="fix"><h2>No suggested fix</h2><p>${esc(r.noFix)}</p></section>`);
    }
  }
  if (r.counterexample) {
    const o = r.counterexample.observations;
    sections.push(`<section id="observations"><h2>What was observed</h2><ul>${o.map((d, i) => `<li${i ? '' : ' id="victim"'}><b>${esc(d.what)}</b>: <code>${esc(d.arm64)}</code> on arm64, but every ideal (coherent, in-order) execution gives <code>${esc(d.ideal)}</code></li>`).join('\n')}</ul>${
      t?.victim ? `<p>Victim bytes 0x${t.victim.addr.toString(16)}..0x${(t.victim.addr + t.victim.size - 1).toString(16)} (${t.victim.size} bytes), outlined in red in the line lanes below.</p>` : ''}</section>`);
  }
  if (t) sections.push(`<section id="timeline"><h2>Timeline</h2>\n${timelineHtml(t, culprit?.step)}</section>`);
  sections.push(`<section id="litmus"><h2>Minimal litmus test</h2><pre>${esc(f.litmus)}</pre>
<p>From <code>${esc(f.file)}</code> (trial ${f.trial}) on <b>${esc(f.platformText)}</b>${f.placementNotes.length ? `; ${f.placementNotes.map(esc).join('; ')}` : ''}.</p></section>`);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head>
<body>
${sections.join('\n')}
</body></html>
`;
}
