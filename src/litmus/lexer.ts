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

const PUNCT3 = ['<<=', '>>='];
const PUNCT2 = ['==', '!=', '->', '/\\', '\\/', '<<', '>>', '<=', '>=', '&&', '||', '++', '--', '+=', '-=', '&=', '|=', '^=', '*='];
/** `/` and `%` are tokens only so that division gets its own error message. */
const PUNCT1 = '{}()[];,=*+-&|!<>:~^%/.?@';

/** A preprocessor line (`#define ...`) is '#' ... '#end' around its tokens (src/litmus/preprocess.ts). */
export const DIRECTIVE_END = '#end';

/** A `//` comment: its text after the slashes, where it starts. Waivers live in them (parse.ts). */
export interface LineComment extends Pos { text: string }

export function tokenize(src: string, comments?: LineComment[]): Token[] {
  const out: Token[] = [];
  let i = 0, line = 1, col = 1;
  const advance = (n: number) => {
    for (let k = 0; k < n; k++, i++) {
      if (src[i] === '\n') { line++; col = 1; } else col++;
    }
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
    if (c === ' ' || c === '\t' || c === '\r') { advance(1); continue; }
    // C's line splice: a backslash before the end of the line joins the next line (a long #define).
    if (c === '\\' && /^\\[ \t]*\r?\n/.test(src.slice(i, i + 64))) { advance(src.indexOf('\n', i) + 1 - i); continue; }
    if (c === '#' && lineStart) {
      out.push({ kind: 'punct', text: '#', line, col });
      directive = true;
      lineStart = false;
      advance(1);
      continue;
    }
    if (!src.startsWith('//', i) && !src.startsWith('/*', i)) lineStart = false;
    if (src.startsWith('//', i)) {
      const at = { line, col }, from = i + 2;
      while (i < src.length && src[i] !== '\n') advance(1);
      comments?.push({ ...at, text: src.slice(from, i) });
      continue;
    }
    if (src.startsWith('/*', i)) {
      const at = { line, col };
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw new LitmusError(at.line, at.col, 'unterminated comment: /* has no closing */');
      advance(end + 2 - i);
      continue;
    }
    const start = { line, col };
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i, i + 256))!;
      out.push({ kind: 'ident', text: m[0], ...start });
      advance(m[0].length);
      if (out.length === 1 && m[0] === 'DMA') {
        while (src[i] === ' ' || src[i] === '\t') advance(1);
        const nameAt = { line, col };
        const m2 = /^[^\n\r]*?(?=\/\/|\/\*|\r|\n|$)/.exec(src.slice(i, i + 4096))!;
        const text = m2[0].trimEnd();
        if (text) out.push({ kind: 'name', text, ...nameAt });
        advance(m2[0].length);
      }
      continue;
    }
    if (c === '"') { // a string literal (dma_pool_create's name): one word the parser never reads as a value
      const end = src.indexOf('"', i + 1);
      const nl = src.indexOf('\n', i + 1);
      if (end < 0 || (nl >= 0 && nl < end)) throw new LitmusError(line, col, 'unterminated string: " has no closing "');
      out.push({ kind: 'ident', text: src.slice(i, end + 1), ...start });
      advance(end + 1 - i);
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^(0[xX][0-9a-fA-F]+|[0-9]+(\.[0-9]+)*)([A-Za-z0-9_.]*)/.exec(src.slice(i, i + 256))!;
      if (m[3]) throw new LitmusError(line, col, `bad number '${m[0]}'`);
      out.push({ kind: 'number', text: m[1], ...start });
      advance(m[1].length);
      continue;
    }
    const three = src.slice(i, i + 3);
    if (PUNCT3.includes(three)) {
      out.push({ kind: 'punct', text: three, ...start });
      advance(3);
      continue;
    }
    const two = src.slice(i, i + 2);
    if (PUNCT2.includes(two)) {
      out.push({ kind: 'punct', text: two, ...start });
      advance(2);
      continue;
    }
    if (PUNCT1.includes(c)) {
      out.push({ kind: 'punct', text: c, ...start });
      advance(1);
      continue;
    }
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
