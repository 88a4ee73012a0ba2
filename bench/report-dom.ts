// Reads a fuzz report's HTML the way a person sees it: the page is loaded in headless Chromium
// with a window of 1280 × 800, and a probe script (added to a copy of the page: the report itself
// has no script) collects from the rendered DOM what is visible on the first screen, which
// elements the page marks, and their text. The checks then say what a reader would miss.
// Used by tests/cli-fuzz-files.test.ts and bench/report-check.ts.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const WINDOW = { width: 1280, height: 800 };

export interface PageProbe {
  /** The text of every text node with a box inside the first screen, in document order. */
  firstScreen: string;
  /** Per id of interest: its text, and whether a part of it is on the first screen. */
  ids: Record<string, { text: string; onFirstScreen: boolean } | undefined>;
  /** How many elements match each selector of interest (only those rendered, display not none). */
  counts: Record<string, number>;
  viewport: { width: number; height: number };
}

const IDS = ['why', 'culprit', 'reproduce', 'findings', 'fix', 'explanation', 'observations', 'timeline', 'culprit-step', 'failures', 'coverage', 'files', 'run'];
const SELECTORS = ['tr.culprit', 'tr.destroyer', 'tr.victim-read', 'tr.write', 'tr.overtook', 'tr.overtaken', '.reorder', 'span.victim', 'span.stale', 'tr.quiet', 'tr.folded', '#failures li', '#files tbody tr', '.finding', 'table.timeline tbody tr'];

// Runs at the end of <body>: layout is done, styles applied.
const PROBE = `<script>
(() => {
  const vw = innerWidth, vh = innerHeight;
  const onScreen = (r) => r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < vh && r.right > 0 && r.left < vw;
  const textOnScreen = (root) => {
    const out = [];
    const w = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (w.nextNode()) {
      const n = w.currentNode;
      if (!n.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      if ([...range.getClientRects()].some(onScreen)) out.push(n.textContent.trim());
    }
    return out.join(' ');
  };
  const ids = {};
  for (const id of ${JSON.stringify(IDS)}) {
    const el = document.getElementById(id);
    ids[id] = el ? { text: el.textContent.replace(/\\s+/g, ' ').trim(), onFirstScreen: textOnScreen(el).length > 0 } : undefined;
  }
  const counts = {};
  for (const s of ${JSON.stringify(SELECTORS)}) counts[s] = [...document.querySelectorAll(s)].filter((e) => getComputedStyle(e).display !== 'none').length;
  const pre = document.createElement('pre');
  pre.id = 'probe-result';
  pre.textContent = JSON.stringify({ firstScreen: textOnScreen(document.body), ids, counts, viewport: { width: vw, height: vh } });
  document.body.appendChild(pre);
})();
</script>`;

export function findChromium(): string | undefined {
  return ['chromium', 'chromium-browser', 'google-chrome'].find((c) => spawnSync(c, ['--version']).status === 0);
}

/** A DevTools protocol message: a reply (with the id of its command) or an event. */
interface Message { id?: number; method?: string; sessionId?: string; result?: Reply; error?: { message: string } }
type Reply = Record<string, unknown>;

/** One headless Chromium for many pages: started once (about 2 s), then about 0.1–0.3 s a page. */
export interface Browser {
  /** Load the page and probe its rendered DOM. */
  probe(htmlFile: string): Promise<PageProbe>;
  close(): Promise<void>;
}

/**
 * Start headless Chromium, driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
 * it reads NUL-terminated JSON commands on fd 3 and writes replies and events on fd 4). Each
 * page is a copy of the report with the probe at the end of <body>, loaded in one tab of the
 * window size above, as `chromium --headless --dump-dom` would load it.
 */
export async function openBrowser(chromium: string): Promise<Browser> {
  const child = spawn(chromium, ['--headless', '--no-sandbox', '--disable-gpu', `--window-size=${WINDOW.width},${WINDOW.height}`, '--remote-debugging-pipe', 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr = (stderr + d).slice(-2000); });
  const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  const listeners = new Set<(m: Message) => void>();
  let exited: Error | undefined;
  const fail = (e: Error) => {
    exited ??= e;
    for (const p of pending.values()) p.reject(exited);
    pending.clear();
  };
  child.on('error', fail);
  child.on('exit', (code, signal) => fail(new Error(`Chromium exited (${code ?? signal}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`)));
  let buffered = '';
  (child.stdio[4] as Readable).setEncoding('utf8').on('data', (d: string) => {
    buffered += d;
    for (let end = buffered.indexOf('\0'); end >= 0; end = buffered.indexOf('\0')) {
      const m = JSON.parse(buffered.slice(0, end)) as Message;
      buffered = buffered.slice(end + 1);
      const p = m.id === undefined ? undefined : pending.get(m.id);
      if (p) {
        pending.delete(m.id!);
        if (m.error) p.reject(new Error(`Chromium: ${m.error.message}`));
        else p.resolve(m.result ?? {});
      } else for (const l of [...listeners]) l(m);
    }
  });
  const pipe = child.stdio[3] as Writable;
  let lastId = 0;
  const send = (method: string, params: object = {}, sessionId?: string): Promise<Reply> => new Promise((resolve, reject) => {
    if (exited) return reject(exited);
    const id = ++lastId;
    pending.set(id, { resolve, reject });
    pipe.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
  });
  const next = (match: (m: Message) => boolean): Promise<void> => new Promise((resolve) => {
    const l = (m: Message) => {
      if (!match(m)) return;
      listeners.delete(l);
      resolve();
    };
    listeners.add(l);
  });
  const close = async () => {
    if (exited) return;
    const gone = new Promise((r) => child.once('exit', r));
    // A browser that does not close when asked is killed after 5 s.
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await send('Browser.close').catch(() => {});
    await gone;
    clearTimeout(kill);
  };
  try {
    const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true }) as { sessionId: string };
    await send('Page.enable', {}, sessionId);
    const dir = mkdtempSync(join(tmpdir(), 'dmafuzz-probe-'));
    let pages = 0;
    return {
      async probe(htmlFile) {
        const copy = join(dir, `page-${++pages}.html`);
        writeFileSync(copy, readFileSync(htmlFile, 'utf8').replace('</body>', `${PROBE}\n</body>`));
        const loaded = next((m) => m.method === 'Page.loadEventFired' && m.sessionId === sessionId);
        const nav = await send('Page.navigate', { url: `file://${copy}` }, sessionId);
        if (nav.errorText) throw new Error(`${htmlFile}: Chromium could not load it: ${nav.errorText}`);
        await Promise.race([loaded, new Promise((_, reject) => setTimeout(() => reject(new Error(`${htmlFile}: not loaded in 60 s`)), 60_000).unref())]);
        const r = await send('Runtime.evaluate', { expression: "document.getElementById('probe-result')?.textContent ?? null", returnByValue: true }, sessionId);
        const json = (r.result as { value?: unknown } | undefined)?.value;
        if (typeof json !== 'string') throw new Error(`${htmlFile}: Chromium gave no probe result`);
        return JSON.parse(json) as PageProbe;
      },
      async close() {
        await close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** What the summary.json says of a failure, as the page checks need it. */
export interface FailureFacts { why: string; cause?: string[]; findings?: unknown[]; fix?: unknown; noFix?: string; litmus: string }

/** What a reader of a failure page would miss; empty when the page is right. */
export function failurePageProblems(p: PageProbe, f: FailureFacts): string[] {
  const problems: string[] = [];
  const why = p.ids.why;
  if (!why) problems.push('no #why');
  else {
    if (why.text !== f.why) problems.push(`#why says "${why.text}", summary.json says "${f.why}"`);
    if (!why.onFirstScreen) problems.push('the why is not on the first screen');
  }
  if (!p.ids.reproduce?.onFirstScreen) problems.push('the reproduce command is not on the first screen');
  // The culprit is named on the first screen, and its row is marked in the timeline.
  if (p.counts['tr.culprit'] + p.counts['tr.destroyer'] > 0) {
    if (!p.ids.culprit?.onFirstScreen) problems.push('a culprit step is marked but not named on the first screen');
  }
  if (p.ids.culprit && p.counts['tr.culprit'] + p.counts['tr.destroyer'] === 0) problems.push('#culprit names a step, but no row of the timeline is marked');
  // Cache maintenance folded: the first screen is not a list of dc instructions.
  const dc = (p.firstScreen.match(/\bdc c?i?vac, 0x/g) ?? []).length;
  if (dc > 3) problems.push(`${dc} single dc instructions on the first screen (cache maintenance not folded)`);
  // The device's legitimate write is never called the destroyer of the data it wrote.
  if (/Destroyed/.test(p.firstScreen)) problems.push('the page says "Destroyed"');
  // A reordering is drawn: both ends of it are marked.
  if (p.counts['tr.overtook'] !== p.counts['tr.overtaken']) problems.push('a reordering with one end unmarked');
  if (/performed (ahead of|before)/.test(f.cause?.join(' ') ?? '') && p.counts['tr.overtook'] === 0) problems.push('the explanation is a reordering, the timeline does not draw it');
  if (f.findings && !p.ids.findings) problems.push('no #findings section');
  if (f.findings?.length && p.counts['.finding'] !== f.findings.length) problems.push(`${f.findings.length} findings in summary.json, ${p.counts['.finding']} on the page`);
  if ((f.fix || f.noFix) && !p.ids.fix) problems.push('no #fix section');
  if (f.cause?.length && !p.ids.explanation) problems.push('no #explanation');
  if (!p.ids.timeline) problems.push('no #timeline');
  if (p.counts['span.victim'] === 0 && p.ids.timeline && /Victim bytes/.test(p.ids.observations?.text ?? '')) problems.push('victim bytes announced, none marked');
  return problems;
}

/** What a reader of index.html would miss. */
export function indexPageProblems(p: PageProbe, failures: { why: string }[], files: number): string[] {
  const problems: string[] = [];
  if (failures.length && p.counts['#failures li'] !== failures.length) problems.push(`${failures.length} failures, ${p.counts['#failures li']} listed`);
  for (const f of failures) if (!p.ids.failures?.text.includes(f.why)) problems.push(`the index does not give the why "${f.why.slice(0, 60)}..."`);
  if (!p.ids.failures?.onFirstScreen) problems.push('the failures are not on the first screen');
  if (!p.ids.coverage) problems.push('no #coverage');
  if (p.counts['#files tbody tr'] !== files) problems.push(`${files} files, ${p.counts['#files tbody tr']} rows`);
  return problems;
}
