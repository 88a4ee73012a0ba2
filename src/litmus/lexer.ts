// Tokens of the DMA litmus format: C identifiers, numbers (decimal, hex, and dotted versions
// such as 6.1 or 5.15.50), punctuation (C's operators and herd7's /\ and \/), and C comments
// (// and /* */), with 1-based positions. `//` comments are kept aside for waivers.

import { LitmusError, type Pos } from './litmus-error.js';

/** 'name': the rest of the header line after `DMA` (test names may hold - . +). */
export type TokenKind = 'ident' | 'number' | 'punct' | 'name' | 'eof';

export interface Token extends Pos {
  kind: TokenKind;
  text: string;
}

const PUNCT3: ReadonlySet<string> = new Set(['<<=', '>>=']);
const PUNCT2: ReadonlySet<string> = new Set(['==', '!=', '->', '/\\', '\\/', '<<', '>>', '<=', '>=', '&&', '||', '++', '--', '+=', '-=', '&=', '|=', '^=', '*=']);
/** `/` and `%` are tokens only so that division gets its own error message. */
const PUNCT1 = '{}()[];,=*+-&|!<>:~^%/.?@';

/** A preprocessor line (`#define ...`) is '#' ... '#end' around its tokens (src/litmus/preprocess.ts). */
export const DIRECTIVE_END = '#end';

/** A `//` comment: its text after the slashes, where it starts. Waivers live in them (parse.ts). */
export interface LineComment extends Pos { text: string }

/** Words and numbers are read at most this many characters at a time (a longer one is cut in two). */
const WORD_MAX = 256;
/** The test name after `DMA` is read up to this many characters. */
const NAME_MAX = 4096;
const SPLICE = /^\\[ \t]*\r?\n/;
const NUMBER = /^(0[xX][0-9a-fA-F]+|[0-9]+(\.[0-9]+)*)([A-Za-z0-9_.]*)/;

const isIdentStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95; // A-Z a-z _
const isIdentChar = (c: number) => isIdentStart(c) || (c >= 48 && c <= 57); // ... 0-9
const isDigit = (c: number) => c >= 48 && c <= 57;

export function tokenize(src: string, comments?: LineComment[]): Token[] {
  const out: Token[] = [];
  let i = 0, line = 1, col = 1;
  /** Move past n characters that may hold line breaks (a block comment, a line splice). */
  const advance = (n: number) => {
    for (let k = 0; k < n; k++, i++) {
      if (src[i] === '\n') { line++; col = 1; } else col++;
    }
  };
  /** A token of n characters on this line, from here. */
  const push = (kind: TokenKind, text: string, n = text.length) => {
    out.push({ kind, text, line, col });
    i += n;
    col += n;
  };
  let directive = false;
  let lineStart = true;
  while (i < src.length) {
    const c = src[i];
    if (c === '\n') {
      if (directive) { out.push({ kind: 'punct', text: DIRECTIVE_END, line, col }); directive = false; }
      lineStart = true;
      advance(1);
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') { i++; col++; continue; }
    // C's line splice: a backslash before the end of the line joins the next line (a long #define).
    if (c === '\\' && SPLICE.test(src.slice(i, i + 64))) { advance(src.indexOf('\n', i) + 1 - i); continue; }
    if (c === '#' && lineStart) {
      push('punct', '#');
      directive = true;
      lineStart = false;
      continue;
    }
    const comment = c === '/' ? src[i + 1] : undefined;
    if (comment === '/') {
      let end = src.indexOf('\n', i);
      if (end < 0) end = src.length;
      comments?.push({ line, col, text: src.slice(i + 2, end) });
      col += end - i;
      i = end;
      continue;
    }
    if (comment === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw new LitmusError(line, col, 'unterminated comment: /* has no closing */');
      advance(end + 2 - i);
      continue;
    }
    lineStart = false;
    const code = src.charCodeAt(i);
    if (isIdentStart(code)) {
      let end = i + 1;
      while (end < src.length && end < i + WORD_MAX && isIdentChar(src.charCodeAt(end))) end++;
      const word = src.slice(i, end);
      push('ident', word);
      if (out.length === 1 && word === 'DMA') {
        while (src[i] === ' ' || src[i] === '\t') { i++; col++; }
        // the name: up to a comment or the end of the line
        let to = i;
        const limit = Math.min(src.length, i + NAME_MAX);
        while (to < limit && src[to] !== '\n' && src[to] !== '\r' && !(src[to] === '/' && to + 1 < limit && (src[to + 1] === '/' || src[to + 1] === '*'))) to++;
        const text = src.slice(i, to).trimEnd();
        if (text) out.push({ kind: 'name', text, line, col });
        col += to - i;
        i = to;
      }
      continue;
    }
    if (c === '"') { // a string literal (dma_pool_create's name): one word the parser never reads as a value
      const end = src.indexOf('"', i + 1);
      const nl = src.indexOf('\n', i + 1);
      if (end < 0 || (nl >= 0 && nl < end)) throw new LitmusError(line, col, 'unterminated string: " has no closing "');
      push('ident', src.slice(i, end + 1));
      continue;
    }
    if (isDigit(code)) {
      const m = NUMBER.exec(src.slice(i, i + WORD_MAX))!;
      if (m[3]) throw new LitmusError(line, col, `bad number '${m[0]}'`);
      push('number', m[1]);
      continue;
    }
    const three = src.slice(i, i + 3);
    if (PUNCT3.has(three)) { push('punct', three); continue; }
    const two = src.slice(i, i + 2);
    if (PUNCT2.has(two)) { push('punct', two); continue; }
    if (PUNCT1.includes(c)) { push('punct', c); continue; }
    throw new LitmusError(line, col, `unexpected character ${describeChar(c)}`);
  }
  if (directive) out.push({ kind: 'punct', text: DIRECTIVE_END, line, col });
  out.push({ kind: 'eof', text: 'end of file', line, col });
  return out;
}

function describeChar(c: string): string {
  const code = c.codePointAt(0)!;
  return code >= 0x20 && code < 0x7f ? `'${c}'` : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}
