// Edits of the user's own litmus text, found by the parser's source positions (SourceMap): insert
// a statement on a line of its own with its neighbour's indentation, replace one argument's exact
// span, move a statement. Everything else in the file — comments, spacing, the other lines — is
// left as it was, so a diff of the result applies to the user's file.

import { tokenize, type Token } from '../litmus/lexer.js';
import type { Pos } from '../litmus/litmus-error.js';

/** Replace text[at, end) by `text` (an insertion when at === end). */
export interface TextEdit { at: number; end: number; text: string }

/** A span of the source: [start, end) in characters. */
export interface Span { start: number; end: number; text: string }

/** Apply edits that do not overlap; none of them sees another's offsets shifted. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string | undefined {
  const sorted = [...edits].sort((a, b) => b.at - a.at || b.end - a.end);
  for (let k = 1; k < sorted.length; k++) if (sorted[k].end > sorted[k - 1].at) return undefined; // overlap
  let out = text;
  for (const e of sorted) out = out.slice(0, e.at) + e.text + out.slice(e.end);
  return out;
}

/** One statement of the source, from its first token to its `;` (or its block's `}`). */
export interface Statement {
  start: number;
  end: number;
  /** Token indices: first, and one past the last. */
  first: number;
  last: number;
  /** Where its line starts and ends (the line ending excluded), and the whitespace before it there. */
  lineStart: number;
  lineEnd: number;
  indent: string;
  /** Alone on its line(s): only whitespace before it, only whitespace or a comment after it. */
  ownsLines: boolean;
  /** The body of an if/else/while/for without braces: nothing can go next to it without them. */
  braceless: boolean;
}

export class SourceText {
  readonly toks: Token[];
  /** The file's own line ending: a CRLF file gets CRLF lines. */
  readonly eol: string;
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    this.toks = tokenize(text);
    this.eol = text.includes('\r\n') ? '\r\n' : '\n';
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
  }

  offset(p: Pos): number {
    return this.lineStarts[p.line - 1] + p.col - 1;
  }

  span(i: number): Span {
    const t = this.toks[i];
    const start = this.offset(t);
    return { start, end: start + t.text.length, text: t.text };
  }

  /** The token that starts at p, found by bisection: the lexer gives them in the order of the text. */
  private tokenAt(p: Pos): number | undefined {
    let lo = 0, hi = this.toks.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1, t = this.toks[mid];
      const d = t.line - p.line || t.col - p.col;
      if (d === 0) return mid;
      if (d < 0) lo = mid + 1; else hi = mid - 1;
    }
    return undefined;
  }

  /** 1-based line of a character offset. */
  lineOf(offset: number): number {
    let lo = 0, hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    return lo + 1;
  }

  /** The statement whose first token is at p (a SourceMap position). */
  statement(p: Pos): Statement | undefined {
    const first = this.tokenAt(p);
    if (first === undefined) return undefined;
    let depth = 0;
    let i = first;
    // An `else` after the statement is its own only when the statement is an `if`; after the body
    // of an if (`if (x)\n    a;\n  else ...`), it is the enclosing if's.
    const ownsElse = this.toks[first].text === 'if';
    const ends = (k: number) => !ownsElse || this.toks[k + 1]?.text !== 'else';
    for (; i < this.toks.length && this.toks[i].kind !== 'eof'; i++) {
      const t = this.toks[i].text;
      if (t === '(' || t === '[' || t === '{') depth++;
      else if (t === ')' || t === ']' || t === '}') {
        depth--;
        if (depth < 0) return undefined;
        if (depth === 0 && t === '}' && ends(i)) break;
      } else if (depth === 0 && t === ';' && ends(i)) break;
    }
    if (this.toks[i]?.kind === 'eof') return undefined;
    const start = this.offset(this.toks[first]);
    const end = this.span(i).end;
    const lineStart = this.text.lastIndexOf('\n', start - 1) + 1;
    const nl = this.text.indexOf('\n', end);
    const lineEnd = nl < 0 ? this.text.length : this.text[nl - 1] === '\r' ? nl - 1 : nl;
    const before = this.text.slice(lineStart, start);
    const after = this.text.slice(end, lineEnd);
    const prev = this.toks[first - 1]?.text;
    return {
      start, end, first, last: i + 1, lineStart, lineEnd,
      indent: /^[ \t]*/.exec(before)![0],
      ownsLines: /^[ \t]*$/.test(before) && /^[ \t]*(\/\/.*|\/\*.*\*\/[ \t]*)?$/.test(after),
      braceless: prev === ')' || prev === 'else',
    };
  }

  /** Token indices of the statement whose text is `text` (the first, or all). */
  tokensIn(s: Statement, text: string): number[] {
    const out: number[] = [];
    for (let i = s.first; i < s.last; i++) if (this.toks[i].text === text) out.push(i);
    return out;
  }

  /** The arguments of the first call in a statement (`f(a, b + 1, c)`), each as its exact span. */
  callArgs(s: Statement, name?: string): { name: string; args: Span[] } | undefined {
    for (let i = s.first; i + 1 < s.last; i++) {
      const t = this.toks[i];
      if (t.kind !== 'ident' || this.toks[i + 1].text !== '(' || (name && t.text !== name)) continue;
      const args: Span[] = [];
      let depth = 0;
      let from = i + 2;
      for (let j = i + 1; j < s.last; j++) {
        const x = this.toks[j].text;
        if (x === '(' || x === '[' || x === '{') depth++;
        else if (x === ')' || x === ']' || x === '}') depth--;
        if ((depth === 1 && x === ',') || depth === 0) {
          if (j > from) {
            const start = this.offset(this.toks[from]);
            const end = this.span(j - 1).end;
            args.push({ start, end, text: this.text.slice(start, end) });
          }
          from = j + 1;
          if (depth === 0) return { name: t.text, args };
        }
      }
      return undefined;
    }
    return undefined;
  }

  /** Insert `code` as a statement of its own just before s, indented as s. */
  insertBefore(s: Statement, code: string): TextEdit | undefined {
    if (s.braceless) return this.braced(s, code, undefined);
    return s.ownsLines || /^[ \t]*$/.test(this.text.slice(s.lineStart, s.start))
      ? { at: s.lineStart, end: s.lineStart, text: `${s.indent}${code}${this.eol}` }
      : { at: s.start, end: s.start, text: `${code} ` };
  }

  /** Insert `code` as a statement of its own just after s (after its trailing comment). */
  insertAfter(s: Statement, code: string): TextEdit | undefined {
    if (s.braceless) return this.braced(s, undefined, code);
    return s.ownsLines
      ? { at: s.lineEnd, end: s.lineEnd, text: `${this.eol}${s.indent}${code}` }
      : { at: s.end, end: s.end, text: ` ${code}` };
  }

  /** `before` and `after` as statements of their own around s: one edit where s needs braces for them. */
  bracket(s: Statement, before: string, after: string): TextEdit[] | undefined {
    if (s.braceless) { const e = this.braced(s, before, after); return e && [e]; }
    const b = this.insertBefore(s, before), a = this.insertAfter(s, after);
    return b && a && [b, a];
  }

  /**
   * The body of an if/else/loop without braces, on a line of its own, given braces and the new
   * statements beside it (kernel style: `{` on the line of the `if`, `}` at the if's indentation).
   * On the if's own line there is no room: undefined.
   */
  private braced(s: Statement, before: string | undefined, after: string | undefined): TextEdit | undefined {
    if (!s.ownsLines) return undefined;
    const head = this.span(s.first - 1).end; // just after the `)` or `else` the body belongs to
    const headLine = this.text.lastIndexOf('\n', head - 1) + 1;
    const outer = /^[ \t]*/.exec(this.text.slice(headLine, head))![0];
    const body = [before, this.text.slice(s.start, s.lineEnd), after].filter((l): l is string => l !== undefined);
    return { at: head, end: s.lineEnd, text: ` {${this.eol}${body.map((l) => `${s.indent}${l}`).join(this.eol)}${this.eol}${outer}}` };
  }

  /** Move s to just after t (t later in the same block), its comment with it, `first` before it. */
  moveAfter(s: Statement, t: Statement, first?: string): TextEdit[] | undefined {
    if (s.braceless || t.braceless || t.start < s.end) return undefined;
    const [cut, moved] = this.cut(s);
    const put = this.insertAfter(t, first === undefined ? moved : `${first}${t.ownsLines ? `${this.eol}${t.indent}` : ' '}${moved}`);
    return put && [cut, put];
  }

  /** Move s to just before t (t earlier in the same block). */
  moveBefore(s: Statement, t: Statement): TextEdit[] | undefined {
    if (s.braceless || t.braceless || s.start < t.end) return undefined;
    const [cut, moved] = this.cut(s);
    const put = this.insertBefore(t, moved);
    return put && [put, cut];
  }

  /** The edit removing s (its whole line when it owns it), and its text with its comment. */
  private cut(s: Statement): [TextEdit, string] {
    if (s.ownsLines) {
      const end = this.text.startsWith(this.eol, s.lineEnd) ? s.lineEnd + this.eol.length : Math.min(s.lineEnd + 1, this.text.length);
      return [{ at: s.lineStart, end, text: '' }, this.text.slice(s.start, s.lineEnd)];
    }
    let end = s.end;
    while (this.text[end] === ' ' || this.text[end] === '\t') end++;
    return [{ at: s.start, end, text: '' }, this.text.slice(s.start, s.end)];
  }
}
