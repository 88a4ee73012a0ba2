// index.html of a `dmafuzz fuzz --report DIR`: the run in one line, every failure with its
// one-line why and a link to its page, and per file the platforms explored (coverage of its
// matrix, trials, executions, failing platforms). Each failure as its report says it
// (src/report/report.ts).

import type { FuzzSummary } from '../fuzz/fuzz-files.js';
import { xmlEscape as esc } from './junit.js';
import { foundText, notAPass, runOutcome } from './run-outcome.js';
import type { FailureReport } from './report.js';
import { STYLE } from './timeline-html.js';

export function indexHtml(s: FuzzSummary, failures: readonly { report: FailureReport; href: string }[]): string {
  // The same counts as the console's last line and junit.xml (src/report/run-outcome.ts).
  const outcome = runOutcome(s);
  const notPass = notAPass(outcome, s.trials);
  const title = `dmafuzz fuzz: ${foundText(outcome)}${notPass ? ` — ${notPass}` : ''}`;
  const contractErrors = s.files.flatMap((f) => (f.contract ?? []).map((x) => `<li><code>${esc(`${f.file}:${x.line ?? 0}:${x.col ?? 0}: ${x.rule}`)}</code> ${esc(x.message)}${x.witness?.replay ? ` · reproduce: <code>${esc(x.witness.replay)}</code>` : ''}</li>`));
  const rate = s.elapsedMs ? Math.round((s.executions * 1000) / s.elapsedMs) : 0;
  const pairs = s.files.reduce((n, f) => n + f.cases.length, 0);
  const coverable = s.files.reduce((n, f) => n + f.platforms, 0);
  const list = failures.map(({ report: r, href }) => `<li><a href="${esc(href)}">${esc(r.title)}</a><div class="why-line">${esc(r.why ?? '')}</div><div>on ${esc(r.found.platformText)}${r.found.alsoFoundOn.length ? ` and ${r.found.alsoFoundOn.length} other platform${r.found.alsoFoundOn.length === 1 ? '' : 's'}` : ''} · reproduce: <code>${esc(r.reproduce)}</code></div></li>`);
  const rows = s.files.map((f) => {
    const trials = f.cases.reduce((n, c) => n + c.trials, 0), executions = f.cases.reduce((n, c) => n + c.executions, 0);
    const failing = f.cases.filter((c) => c.bugs).length;
    const found = s.failures.filter((x) => x.file === f.file).length;
    const detail = f.cases.length ? `<details><summary>${f.cases.length} platform${f.cases.length === 1 ? '' : 's'}</summary><ul>${f.cases.map((c) => `<li><code>${esc(c.platform)}</code>: ${c.trials} trials, ${c.executions} executions${c.bugs ? `, <b>${c.bugs} failing</b>` : ''}</li>`).join('')}</ul></details>` : '';
    const contract = f.contract ?? [];
    const findings = [...contract, ...(f.waived ?? [])].map((x) => `<li class="finding${x.waived ? ' waived' : ''}">${x.waived ? '[waived] ' : ''}<code>${esc(`${f.file}:${x.line ?? 0}:${x.col ?? 0}: ${x.rule}`)}</code> ${esc(x.message)}${x.waived ? ` — waived by the ${esc(x.waived.by)}: ${esc(x.waived.reason)}` : x.witness ? ` — witness (${esc(x.witness.kind)}): ${esc(x.witness.text)}${x.witness.replay ? `; reproduce: <code>${esc(x.witness.replay)}</code>` : ''}` : ''}</li>`).join('');
    const result = f.skipped ?? ([found ? `${found} failure${found === 1 ? '' : 's'}` : '', contract.length ? `${contract.length} contract error${contract.length === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ') || 'ok');
    return `<tr><td><code>${esc(f.file)}</code>${findings ? `<ul class="findings">${findings}</ul>` : ''}</td><td>${esc(result)}</td><td>${f.cases.length} of ${f.platforms}${detail}</td><td>${trials}</td><td>${executions}</td><td>${failing}</td></tr>`;
  });
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}
#failures li { margin-bottom: .6em; } .why-line { font-weight: 600; }
table.files { border-collapse: collapse; } .files td, .files th { border: 1px solid #ccc; padding: 3px 6px; vertical-align: top; text-align: left; }
</style></head>
<body>
<h1>${esc(title)}</h1>
<p id="run">seed ${s.seed}, shard ${s.shard.index + 1}/${s.shard.count}, ${s.workers} worker(s), started ${esc(s.startedAt)}, ${(s.elapsedMs / 1000).toFixed(1)} s, stopped by ${esc(s.stoppedBy)}; ${s.trials} trials, ${s.executions} executions (${rate}/s)</p>
<h2>Failures (${failures.length})</h2>
${failures.length ? `<ul id="failures">\n${list.join('\n')}\n</ul>` : `<p id="failures">${contractErrors.length ? 'no counterexample; the contract errors below make the run fail.' : notPass ? `none found so far: ${esc(notPass)}.` : 'none found in this run.'}</p>`}
${contractErrors.length ? `<h2>Contract errors (${contractErrors.length})</h2>\n<ul id="contract-errors">\n${contractErrors.join('\n')}\n</ul>` : ''}
<h2>Files and platforms</h2>
<p id="coverage">${pairs} of ${coverable} file × platform pairs explored (${coverable ? ((100 * pairs) / coverable).toFixed(1) : '0'} %).</p>
<table class="files" id="files"><thead><tr><th>file</th><th>result</th><th>platforms explored</th><th>trials</th><th>executions</th><th>failing platforms</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
<p><a href="summary.json">summary.json</a> · <a href="junit.xml">junit.xml</a></p>
</body></html>
`;
}
