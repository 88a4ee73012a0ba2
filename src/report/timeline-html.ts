// The timeline of a failure (src/report/timeline.ts) as an HTML table, for the failure page: one
// lane per CPU, device and cache line (the lines the explanation is about first), one row per
// step; each line's state (absent, clean, dirty) with its bytes drawn as cells, stale bytes
// (cache ≠ memory) and victim bytes marked; the culprit step, the write the read should have
// seen and the read itself highlighted, a reordering drawn as two arrows between the rows it
// swaps; hardware events on other lines folded behind a checkbox (CSS only: no script).

import { xmlEscape as esc } from './junit.js';
import type { Timeline, TimelineStep } from './timeline.js';

export const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
pre { background: #f6f6f6; padding: .8em; overflow-x: auto; }
table.timeline { border-collapse: collapse; font: 12px/1.3 ui-monospace, monospace; }
.timeline th, .timeline td { border: 1px solid #ccc; padding: 3px 5px; vertical-align: top; }
.timeline th { background: #eee; position: sticky; top: 0; }
tr.destroyer td, tr.culprit td { background: #ffe0e0; }
tr.victim-read td { background: #fff4c0; }
tr.write td { background: #e6f4e6; }
td.step { white-space: nowrap; }
.role { color: #b00; font-weight: bold; white-space: normal; }
.note-write { color: #060; }
.reorder { color: #a0a; font-weight: bold; white-space: normal; }
tr.overtaken td, tr.overtook td { border-left: 3px solid #a0a; }
#show-all:not(:checked) ~ table tr.quiet { display: none; }
#show-all:checked ~ table tr.folded { display: none; }
tr.folded td { color: #888; font-style: italic; }
.why { font-size: 17px; font-weight: 600; background: #fff4f4; border-left: 4px solid #c00; padding: .5em .8em; }
#culprit { font-size: 15px; }
.finding.error { color: #900; }
.finding .waived { color: #777; }
section { margin-bottom: 1em; }
h2 { font-size: 16px; margin: 1em 0 .4em; }
.diff .add { color: #060; } .diff .del { color: #900; }
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

/** What a step did, as one line of text: its lane and op or event. */
export function stepLabel(s: TimelineStep): string {
  return `${s.lane}: ${s.text}`;
}

/** culprit: the step the report blames (src/report/culprit.ts), the row its "Culprit" link lands on. */
export function timelineHtml(t: Timeline, culprit?: number): string {
  const lanes = t.actors.map((a) => `<th>${esc(a.kind)} ${esc(a.name)}</th>`).join('')
    + t.lines.map((l) => `<th${t.keyLines.includes(l) ? ' class="key"' : ''}>line 0x${l.toString(16)}</th>`).join('');
  const width = 1 + t.actors.length + t.lines.length;
  const rows: string[] = [];
  let folded = 0;
  const flush = () => {
    if (folded) rows.push(`<tr class="folded"><td class="step">…</td><td colspan="${width - 1}">${folded} hardware event${folded === 1 ? '' : 's'} on other lines (tick “show every step” to see them)</td></tr>`);
    folded = 0;
  };
  t.steps.forEach((s, i) => {
    if (s.quiet) folded++;
    else flush();
    const cls = [s.culprit ? 'culprit' : '', s.destroyer ? 'destroyer' : '', s.victimRead ? 'victim-read' : '', s.write ? 'write' : '',
      s.overtook !== undefined ? 'overtook' : '', s.overtakenBy !== undefined ? 'overtaken' : '', s.quiet ? 'quiet' : ''].filter(Boolean).join(' ');
    const notes = [
      s.culprit ? `<div class="role">← culprit: ${esc(s.culprit)}</div>` : '',
      s.destroyer ? '<div class="role">← last change to the victim bytes before the read</div>' : '',
      s.overtook !== undefined ? `<div class="reorder">↑ performed before step ${s.overtook + 1} (<code>${esc(t.steps[s.overtook].text)}</code>), which comes first in program order</div>` : '',
      s.overtakenBy !== undefined ? `<div class="reorder">↓ first in program order, performed after step ${s.overtakenBy + 1}</div>` : '',
      s.write ? '<div class="note-write">wrote the bytes the read should have seen</div>' : '',
      s.victimRead ? '<div class="role">← reads the victim bytes</div>' : '',
    ].join('');
    const actorCells = t.actors.map((a) => (a.name === s.lane
      ? `<td><div class="op">${esc(s.text)}</div>${notes}${s.effects.length ? `<div class="effects">${esc(s.effects.join('\n'))}</div>` : ''}</td>`
      : '<td></td>'));
    const lineCells = t.lines.map((l, li) => {
      const event = s.lane === `line 0x${l.toString(16)}` ? `<div class="op">${esc(s.text)}</div>${notes}` : '';
      return `<td>${event}${lineCell(s.lines[li], t.lineSize)}</td>`;
    });
    const id = i === culprit ? ' id="culprit-step"' : '';
    rows.push(`<tr${cls ? ` class="${cls}"` : ''}${id}><td class="step">${i + 1}</td>${actorCells.join('')}${lineCells.join('')}</tr>`);
  });
  flush();
  const quiet = t.steps.filter((s) => s.quiet).length;
  return `<p class="legend">Line bytes: <span style="background:#ddd">cache = memory</span> <span style="background:#e8a33c">stale (cache ≠ memory)</span> <span style="outline:1px solid #c00">victim</span> <span style="background:#d22;color:#fff">victim and stale</span></p>
${quiet ? `<input type="checkbox" id="show-all"> <label for="show-all">show every step (${quiet} hardware event${quiet === 1 ? '' : 's'} on other lines folded)</label>` : ''}
<table class="timeline"><thead><tr><th>step</th>${lanes}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`;
}
