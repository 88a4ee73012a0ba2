// One HTML page per fuzz failure: the minimal litmus test, the platform and placement, and the
// timeline (src/report/timeline.ts) as a table — one lane per CPU, device and cache line, one row
// per step; each line's state (absent, clean, dirty) with its bytes drawn as cells, stale bytes
// (cache ≠ memory) and victim bytes marked, and the step that destroyed the data highlighted.
// Self-contained: no script, no external resource.

import { xmlEscape as esc } from './junit.js';
import type { Timeline } from './timeline.js';

export interface FailurePage {
  title: string;
  file: string;
  platform: string;
  placement: string[];
  litmus: string;
  reproduce: string;
  timeline: Timeline;
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
pre { background: #f6f6f6; padding: .8em; overflow-x: auto; }
table.timeline { border-collapse: collapse; font: 12px/1.3 ui-monospace, monospace; }
.timeline th, .timeline td { border: 1px solid #ccc; padding: 3px 5px; vertical-align: top; }
.timeline th { background: #eee; position: sticky; top: 0; }
tr.destroyer td { background: #ffe0e0; }
tr.destroyer td.step::after { content: " ← destroys the data"; color: #b00; font-weight: bold; }
tr.victim-read td { background: #fff4c0; }
.op { white-space: pre; }
.effects { color: #666; white-space: pre; }
.state-absent { color: #999; }
.state-clean { color: #06c; }
.state-dirty { color: #c60; font-weight: bold; }
.bytes { display: flex; flex-wrap: wrap; width: 264px; margin-top: 2px; }
.bytes span { width: 6px; height: 9px; margin: 0 1px 1px 0; background: #ddd; display: inline-block; }
.bytes span.stale { background: #e8a33c; }
.bytes span.victim { outline: 1px solid #c00; }
.bytes span.victim.stale { background: #d22; }
.legend span { padding: 0 .4em; }
`;

function lineCell(st: Timeline['steps'][0]['lines'][0], lineSize: number): string {
  const stale = new Set(st.stale), victim = new Set(st.victim);
  const cells: string[] = [];
  for (let i = 0; i < lineSize; i++) {
    const cls = [stale.has(i) ? 'stale' : '', victim.has(i) ? 'victim' : ''].filter(Boolean).join(' ');
    cells.push(cls ? `<span class="${cls}" title="byte ${i}"></span>` : '<span></span>');
  }
  const staleText = st.stale.length ? ` · ${st.stale.length} stale byte${st.stale.length === 1 ? '' : 's'}` : '';
  const victimStale = st.stale.filter((i) => victim.has(i)).length;
  const victimText = victimStale ? ` · <b class="victim-stale">${victimStale} victim byte${victimStale === 1 ? '' : 's'} stale</b>` : '';
  return `<span class="state-${st.state}">${st.state}</span>${staleText}${victimText}<div class="bytes">${cells.join('')}</div>`;
}

export function failurePageHtml(p: FailurePage): string {
  const t = p.timeline;
  const lanes = t.actors.map((a) => `<th>${esc(a.kind)} ${esc(a.name)}</th>`).join('') + t.lines.map((l) => `<th>line 0x${l.toString(16)}</th>`).join('');
  const rows = t.steps.map((s, i) => {
    const cls = [s.destroyer ? 'destroyer' : '', s.victimRead ? 'victim-read' : ''].filter(Boolean).join(' ');
    const actorCells = t.actors.map((a) => (a.name === s.lane
      ? `<td><div class="op">${esc(s.text)}${s.victimRead ? ' ← reads the victim bytes' : ''}</div>${s.effects.length ? `<div class="effects">${esc(s.effects.join('\n'))}</div>` : ''}</td>`
      : '<td></td>'));
    const lineCells = t.lines.map((l, li) => {
      const event = s.lane === `line 0x${l.toString(16)}` ? `<div class="op">${esc(s.text)}</div>` : '';
      return `<td>${event}${lineCell(s.lines[li], t.lineSize)}</td>`;
    });
    return `<tr${cls ? ` class="${cls}"` : ''}${s.destroyer ? ' id="destroyer"' : ''}><td class="step">${i + 1}</td>${actorCells.join('')}${lineCells.join('')}</tr>`;
  });
  const v = t.victim;
  const victim = v
    ? `<p id="victim">Victim: <b>${esc(v.what)}</b> read <code>${esc(v.arm64)}</code> on arm64, but every ideal execution reads <code>${esc(v.ideal)}</code> — bytes 0x${v.addr.toString(16)}..0x${(v.addr + v.size - 1).toString(16)} (${v.size} bytes).</p>`
    : '<p id="victim">Victim: an observation no ideal execution can make (see the report of dmafuzz check).</p>';
  const destroyer = t.steps.findIndex((s) => s.destroyer);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(p.title)}</title><style>${STYLE}</style></head>
<body>
<h1>${esc(p.title)}</h1>
<p>From <code>${esc(p.file)}</code> on <b>${esc(p.platform)}</b>${p.placement.length ? `; ${p.placement.map(esc).join('; ')}` : ''}.</p>
<p>Reproduce: <code>${esc(p.reproduce)}</code></p>
${victim}
${destroyer >= 0 ? `<p id="destroying-event">Destroyed at step ${destroyer + 1}: <b>${esc(t.steps[destroyer].lane)}</b> <code>${esc(t.steps[destroyer].text)}</code>${t.steps[destroyer].effects.length ? ` (${esc(t.steps[destroyer].effects.join('; '))})` : ''}</p>` : ''}
<p class="legend">Line bytes: <span style="background:#ddd">cache = memory</span> <span style="background:#e8a33c">stale (cache ≠ memory)</span> <span style="outline:1px solid #c00">victim</span> <span style="background:#d22;color:#fff">victim and stale</span></p>
<table class="timeline"><thead><tr><th>step</th>${lanes}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
<h2>Minimal litmus test</h2>
<pre>${esc(p.litmus)}</pre>
</body></html>
`;
}

export function indexHtml(title: string, summaryLines: string[], failures: { href: string; label: string }[]): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head>
<body>
<h1>${esc(title)}</h1>
${summaryLines.map((l) => `<p>${esc(l)}</p>`).join('\n')}
<h2>Failures (${failures.length})</h2>
<ul id="failures">
${failures.map((f) => `<li><a href="${esc(f.href)}">${esc(f.label)}</a></li>`).join('\n')}
</ul>
<p><a href="summary.json">summary.json</a> · <a href="junit.xml">junit.xml</a></p>
</body></html>
`;
}
