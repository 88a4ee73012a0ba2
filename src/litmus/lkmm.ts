// Kernel memory-model litmus tests (tools/memory-model/litmus-tests: `C name`, an optional
// `{ }` init block, `P0(int *x, int *y) { ... }`, `exists (1:r0=1 /\ x=2)`, `~exists`, `forall`)
// read as CPU threads on the arm64 model. The text is rewritten into this format and parsed by
// the ordinary parser: `C name` → `DMA name`; each shared variable → a 4-byte `int` field of its
// own cache line; `*x` → `*(u32 *)x`; `int r0;` dropped; `Pn` → `cpu Pn`; `n:r` → `Pn:r`;
// `~exists (C)` → `forall (~(C))`, the same executions flagged. Every output character
// remembers its source position, so an error points into the file as written.

import { LitmusError } from './litmus-error.js';

/** Is this text a kernel `C` litmus test (its first word, after comments, is `C`)? */
export function isLkmm(src: string): boolean {
  // Most texts are this format (`DMA name`): one look at the first character after the
  // leading blanks and comments rules them out without rewriting the whole text.
  if (src[firstWordAt(src)] !== 'C') return false;
  return /^C[ \t]+\S/.test(stripComments(src).trimStart());
}

/** Where the text's first character outside blanks and stripComments()'s comments is. */
function firstWordAt(src: string): number {
  let i = 0;
  for (;;) {
    while (i < src.length && isSpace(src.charCodeAt(i))) i++;
    const close = src.startsWith('(*', i) ? '*)' : src.startsWith('/*', i) ? '*/' : undefined;
    const end = close ? src.indexOf(close, i + 2) : src.startsWith('//', i) ? src.indexOf('\n', i) : -1;
    if (end < 0) return i; // not a comment (an unclosed one is text too), or a // comment to the end
    i = close ? end + 2 : end;
  }
}

/** What /\s/ matches in the ASCII range (tab, newline, vertical tab, form feed, return, space), else the regex. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || (c > 127 && /\s/.test(String.fromCharCode(c)));
}

/** herd7's (* ... *) and C's comments, blanked with their newlines kept: offsets stay put. */
function stripComments(src: string): string {
  return src.replace(/\(\*[\s\S]*?\*\)|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (m) => m.replace(/[^\n]/g, ' '));
}

/** On arm64 these are smp_mb() (include/asm-generic/barrier.h: arm64 defines none of them). */
const FULL_BARRIERS = ['smp_mb__before_atomic', 'smp_mb__after_atomic', 'smp_mb__after_spinlock'];

/**
 * atomic_t operations on arm64 as the calls they are (include/linux/atomic/atomic-instrumented.h
 * → arch/arm64/include/asm/atomic.h): read/set are READ_ONCE/WRITE_ONCE of v->counter, the
 * _acquire/_release forms LDAR/STLR, xchg/cmpxchg the fully ordered ones. `*` marks where the
 * pointer argument becomes an access.
 */
const ATOMIC_CALLS: Record<string, string> = {
  atomic_read: 'READ_ONCE(*', atomic_set: 'WRITE_ONCE(*',
  atomic_read_acquire: 'smp_load_acquire(', atomic_set_release: 'smp_store_release(',
  atomic_xchg: 'xchg(', atomic_cmpxchg: 'cmpxchg(',
};

interface Edit { start: number; end: number; text: string }

export interface LkmmTranslation {
  /** The test in this format. */
  text: string;
  /** A position in `text` → the same place in the source. */
  back(line: number, col: number): { line: number; col: number };
}

export function translateLkmm(src: string): LkmmTranslation {
  const s = stripComments(src);
  const fail = (at: number, msg: string): never => {
    const { line, col } = posOf(src, at);
    throw new LitmusError(line, col, msg);
  };
  const edits: Edit[] = [];
  const header = /^(\s*)C([ \t]+)/.exec(s)!;
  edits.push({ start: header[1].length, end: header[1].length + 1, text: 'DMA' });

  // Threads: P0(int *x, spinlock_t *s) { ... }
  const threads: { at: number; open: number; close: number; params: string[] }[] = [];
  const threadRe = /\bP(\d+)\s*\(([^)]*)\)\s*\{/g;
  for (let m; (m = threadRe.exec(s));) {
    const open = m.index + m[0].length - 1;
    const close = matchBrace(s, open, fail);
    const params = m[2].split(',').map((p) => p.trim()).filter(Boolean).map((p) => {
      const pm = /^(?:volatile\s+)?(int|spinlock_t|atomic_t|u32|unsigned\s+int)\s*\*\s*(\w+)$/.exec(p);
      if (!pm) fail(m!.index + m![0].indexOf(p), `parameter '${p}': the shared variables modelled are int *, atomic_t * and spinlock_t * (4 bytes each)`);
      return pm![2];
    });
    threads.push({ at: m.index, open, close, params });
    edits.push({ start: m.index, end: open, text: `cpu P${m[1]} ${newlinesOf(s.slice(m.index, open))}` });
    threadRe.lastIndex = close;
  }
  if (!threads.length) fail(s.length, 'no thread: a kernel litmus test has P0(...) { ... }');

  // The init block: between the header line and P0.
  const vars: string[] = [];
  const addVar = (v: string) => { if (!vars.includes(v)) vars.push(v); };
  const initOpen = s.indexOf('{', header[0].length);
  let declAt = threads[0].at;
  if (initOpen >= 0 && initOpen < threads[0].at) {
    const close = matchBrace(s, initOpen, fail);
    for (const d of s.slice(initOpen + 1, close).split(';')) {
      const at = initOpen + 1 + s.slice(initOpen + 1, close).indexOf(d);
      const t = d.trim();
      if (!t) continue;
      const dm = /^(?:(?:int|spinlock_t|u32)\s+)?(\w+)\s*(?:=\s*(\w+))?$/.exec(t);
      if (!dm || /^\d+:/.test(t)) fail(at + d.indexOf(t), `'${t}': the init block declares shared ints (int x; x=0;)`);
      if (dm![2] !== undefined && !/^0+$|^0x0+$/.test(dm![2])) fail(at + d.indexOf(t), `'${t}': only 0 (herd7's default) is modelled as an initial value`);
      addVar(dm![1]);
    }
    edits.push({ start: initOpen, end: close + 1, text: newlinesOf(s.slice(initOpen, close + 1)) });
    declAt = initOpen;
  }
  for (const t of threads) t.params.forEach(addVar);
  const decls = vars.map((v, k) => `field ${v}[4] in lkmm_shared + ${64 * k};`).join(' ');
  edits.push({ start: declAt, end: declAt, text: `{ kmalloc lkmm_shared[${64 * Math.max(1, vars.length)}]; ${decls} } ` });

  // Thread bodies: local declarations, dereferences of shared variables, barrier spellings.
  const isVar = new RegExp(`^(${vars.map(escape).join('|')})$`);
  for (const t of threads) {
    const body = s.slice(t.open + 1, t.close);
    const base = t.open + 1;
    for (const m of body.matchAll(/\b(?:int|u32|unsigned\s+int)\s+(\w+(?:\s*,\s*\w+)*)\s*;/g)) edits.push({ start: base + m.index!, end: base + m.index! + m[0].length, text: '' });
    for (const m of body.matchAll(/\b(?:int|u32|unsigned\s+int)\s+(?=\w+\s*=)/g)) edits.push({ start: base + m.index!, end: base + m.index! + m[0].length, text: '' });
    for (const m of body.matchAll(/\*\s*(\w+)/g)) {
      const before = body.slice(0, m.index).trimEnd().slice(-1);
      if (!isVar.test(m[1]) || /[\w)\]]/.test(before)) continue; // multiplication, or not a shared variable
      edits.push({ start: base + m.index!, end: base + m.index! + m[0].length, text: `*(u32 *)${m[1]}` });
    }
    for (const m of body.matchAll(/\b(\w+)\s*\(\s*\)/g)) {
      if (FULL_BARRIERS.includes(m[1])) edits.push({ start: base + m.index!, end: base + m.index! + m[1].length, text: 'smp_mb' });
    }
    for (const m of body.matchAll(/\b(atomic_\w+)\s*\(\s*(\w+)/g)) {
      const to = ATOMIC_CALLS[m[1]];
      if (!to) fail(base + m.index!, `${m[1]}() is not modelled: write it with atomic_read/atomic_set, their _acquire/_release forms, atomic_xchg or atomic_cmpxchg`);
      if (!isVar.test(m[2])) continue;
      const text = to.endsWith('*') ? `${to}(u32 *)${m[2]}` : `${to}${m[2]}`;
      edits.push({ start: base + m.index!, end: base + m.index! + m[0].length, text });
    }
  }

  // The condition after the last thread.
  const tail = threads[threads.length - 1].close + 1;
  const rest = s.slice(tail);
  const locs = /\blocations\s*\[[^\]]*\]/.exec(rest);
  if (locs) edits.push({ start: tail + locs.index, end: tail + locs.index + locs[0].length, text: newlinesOf(locs[0]) });
  const filter = /\bfilter\b/.exec(rest);
  if (filter) fail(tail + filter.index, "herd7's 'filter' is not supported: fold it into the exists clause");
  const cm = /(~\s*)?\b(exists|forall)\s*\(/.exec(rest);
  if (cm) {
    const open = tail + cm.index + cm[0].length - 1;
    const close = matchParen(s, open, fail);
    if (cm[1]) { // ~exists (C) flags the executions exists (C) would: forall (~(C))
      edits.push({ start: tail + cm.index, end: open + 1, text: 'forall (~(' }, { start: close, end: close, text: ')' });
    }
    const cond = s.slice(open + 1, close);
    for (const m of cond.matchAll(/(\d+)\s*:\s*(\w+)|\b(\w+)\s*(?==)/g)) {
      const at = open + 1 + m.index!;
      if (m[1] !== undefined) edits.push({ start: at, end: at + m[0].length, text: `P${m[1]}:${m[2]}` });
      else if (isVar.test(m[3])) edits.push({ start: at, end: at + m[3].length, text: `*(u32 *)${m[3]}` });
    }
  }
  return apply(src, s, edits);
}

/** What a removed region leaves: its line breaks, so every later line keeps its number. */
function newlinesOf(t: string): string {
  return t.replace(/[^\n]/g, '');
}

function escape(v: string): string {
  return v.replace(/[^\w]/g, '\\$&');
}

function matchBrace(s: string, open: number, fail: (at: number, msg: string) => never): number {
  return matching(s, open, '{', '}', fail);
}

function matchParen(s: string, open: number, fail: (at: number, msg: string) => never): number {
  return matching(s, open, '(', ')', fail);
}

function matching(s: string, open: number, o: string, c: string, fail: (at: number, msg: string) => never): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === o) depth++;
    else if (s[i] === c && --depth === 0) return i;
  }
  return fail(open, `'${o}' has no closing '${c}'`);
}

function posOf(src: string, at: number): { line: number; col: number } {
  const before = src.slice(0, at);
  const line = before.split('\n').length;
  return { line, col: at - before.lastIndexOf('\n') };
}

/** Apply non-overlapping edits (a later one inside an earlier one is dropped); every output char keeps its source offset. */
function apply(src: string, s: string, edits: Edit[]): LkmmTranslation {
  edits.sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  const from: number[] = [];
  let i = 0;
  for (const e of edits) {
    if (e.start < i) continue;
    for (; i < e.start; i++) { out += s[i]; from.push(i); }
    for (const ch of e.text) { out += ch; from.push(e.start); }
    i = e.end;
  }
  for (; i < s.length; i++) { out += s[i]; from.push(i); }
  from.push(s.length);
  const lineStarts = [0];
  for (let k = 0; k < out.length; k++) if (out[k] === '\n') lineStarts.push(k + 1);
  return {
    text: out,
    back: (line, col) => posOf(src, from[Math.min(from.length - 1, (lineStarts[line - 1] ?? out.length) + col - 1)]),
  };
}
