// A cursor over the litmus tokens with the helpers every part of the parser uses: look ahead,
// expect a word, fail with one LitmusError at a line and column.

import { tokenize, type LineComment, type Token } from './lexer.js';
import { LitmusError, type Pos } from './litmus-error.js';
import { preprocess } from './preprocess.js';

export class TokenStream {
  protected readonly toks: Token[];
  protected i = 0;
  protected readonly comments: LineComment[] = [];

  constructor(src: string) {
    this.toks = preprocess(tokenize(src, this.comments));
  }

  protected get tok(): Token {
    return this.toks[this.i];
  }

  protected next(): Token {
    const t = this.toks[this.i];
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  protected is(text: string, ahead = 0): boolean {
    const t = this.toks[Math.min(this.i + ahead, this.toks.length - 1)];
    return t.kind !== 'eof' && t.kind !== 'name' && t.text === text;
  }

  protected fail(at: Pos, message: string): never {
    throw new LitmusError(at.line, at.col, message);
  }

  protected found(t: Token): string {
    return t.kind === 'eof' ? 'end of file' : `'${t.text}'`;
  }

  protected expectText(text: string, context: string): Token {
    if (!this.is(text)) this.fail(this.tok, `expected '${text}' ${context}, found ${this.found(this.tok)}`);
    return this.next();
  }

  protected ident(what: string): Token {
    if (this.tok.kind !== 'ident') this.fail(this.tok, `expected ${what}, found ${this.found(this.tok)}`);
    return this.next();
  }

  protected int(what: string): number {
    const t = this.tok;
    if (t.kind !== 'number') this.fail(t, `expected ${what} (a number), found ${this.found(t)}`);
    this.next();
    return smallInt(integer(t, what), t, what);
  }

  protected end(): void {
    this.expectText(';', 'at the end of the statement');
  }
}

/** An integer literal as an exact u64. */
export function integer(t: Token, what: string): bigint {
  if (t.text.includes('.')) throw new LitmusError(t.line, t.col, `expected ${what}, found '${t.text}' (not an integer)`);
  const big = BigInt(t.text);
  if (big >= 2n ** 64n) throw new LitmusError(t.line, t.col, `${t.text} does not fit in 64 bits`);
  return big;
}

/** Sizes, offsets, addresses and counts: exact as JS numbers (the limits of compile() are far lower). */
export function smallInt(v: bigint, t: Token, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new LitmusError(t.line, t.col, `${what} ${t.text} is too large`);
  return Number(v);
}
