// The part of C's preprocessor a driver's constants need: `#define NAME value` and
// `#define NAME(a, b) body` (C11 6.10.3: a macro is not expanded again inside its own
// expansion), `#include` lines ignored, anything else refused with the line it is on. Expanded
// tokens carry the position of the name that was expanded, so an error inside a macro's value
// points where the macro is used.

import { DIRECTIVE_END, type Token } from './lexer.js';
import { LitmusError } from './litmus-error.js';

/** Tokens an expansion may produce in all: a macro that doubles itself ten times is refused, not run. */
const MAX_EXPANDED = 200_000;

interface Macro { name: Token; params?: string[]; body: Token[] }

export function preprocess(toks: Token[]): Token[] {
  if (!toks.some(isDirective)) return toks; // most files have no #define
  const macros = new Map<string, Macro>();
  const plain: Token[] = [];
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    if (!isDirective(t)) { plain.push(t); continue; }
    let end = k + 1;
    while (!(toks[end].kind === 'punct' && toks[end].text === DIRECTIVE_END)) end++;
    const line = toks.slice(k + 1, end);
    k = end;
    const kw = line[0];
    if (!kw) continue; // a lone '#' is C's null directive
    if (kw.kind === 'ident' && kw.text === 'include') continue; // headers: the format has its own vocabulary
    if (kw.kind !== 'ident' || kw.text !== 'define') {
      fail(kw, `#${kw.text} is not supported: the preprocessor understands #define NAME value and #define NAME(args) value (and ignores #include)`);
    }
    const name = line[1];
    if (!name || name.kind !== 'ident') fail(name ?? kw, 'expected a macro name after #define');
    let body = line.slice(2);
    let params: string[] | undefined;
    // NAME( with no space is a function-like macro (C11 6.10.3p3); NAME (x) is an object-like one.
    if (body[0]?.text === '(' && body[0].line === name.line && body[0].col === name.col + name.text.length) {
      params = [];
      let j = 1;
      while (body[j] && body[j].text !== ')') {
        if (body[j].kind !== 'ident') fail(body[j], `expected a parameter name in #define ${name.text}(...)`);
        params.push(body[j].text);
        j++;
        if (body[j]?.text === ',') j++;
      }
      if (!body[j]) fail(name, `#define ${name.text}(: the parameter list has no ')'`);
      body = body.slice(j + 1);
    }
    const old = macros.get(name.text);
    if (old && !sameBody(old, { name, params, body })) fail(name, `macro '${name.text}' is redefined (first defined at line ${old.name.line})`);
    macros.set(name.text, { name, params, body });
  }
  if (!macros.size) return plain;
  const out: Token[] = [];
  expand(plain, macros, new Set(), out, undefined);
  return out;
}

/** Append `toks` to out with every macro use replaced by its value. `at`: the use being expanded (positions). */
function expand(toks: Token[], macros: Map<string, Macro>, active: Set<string>, out: Token[], at: Token | undefined): void {
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    const m = t.kind === 'ident' ? macros.get(t.text) : undefined;
    if (!m || active.has(t.text) || (m.params && toks[k + 1]?.text !== '(')) {
      if (out.length >= MAX_EXPANDED) fail(at ?? t, `macros expand to more than ${MAX_EXPANDED} tokens`);
      out.push(at ? { ...t, line: at.line, col: at.col } : t);
      continue;
    }
    const use = at ?? t;
    let body = m.body;
    if (m.params) {
      const { args, end } = macroArgs(toks, k + 1, t);
      if (args.length !== m.params.length && !(m.params.length === 0 && args.length === 1 && args[0].length === 0)) {
        fail(t, `macro '${t.text}' takes ${m.params.length} argument${m.params.length === 1 ? '' : 's'}, found ${args.length}`);
      }
      // C expands the arguments first, then substitutes them (C11 6.10.3.1).
      const expanded = args.map((a) => { const o: Token[] = []; expand(a, macros, active, o, use); return o; });
      body = m.body.flatMap((b) => {
        const p = b.kind === 'ident' ? m.params!.indexOf(b.text) : -1;
        return p >= 0 ? expanded[p] : [b];
      });
      k = end;
    }
    active.add(t.text);
    expand(body, macros, active, out, use);
    active.delete(t.text);
  }
}

/** The arguments of a function-like macro's use: ( a, (b, c) ) → [a], [(b, c)]. */
function macroArgs(toks: Token[], open: number, name: Token): { args: Token[][]; end: number } {
  const args: Token[][] = [[]];
  let depth = 0;
  for (let k = open + 1; k < toks.length; k++) {
    const t = toks[k];
    if (t.kind === 'eof') break;
    if (t.text === '(') depth++;
    if (t.text === ')') {
      if (depth === 0) return { args, end: k };
      depth--;
    }
    if (t.text === ',' && depth === 0) { args.push([]); continue; }
    args[args.length - 1].push(t);
  }
  fail(name, `the use of macro '${name.text}' has no closing ')'`);
}

function sameBody(a: Macro, b: Macro): boolean {
  const text = (m: Macro) => `${m.params?.join(',') ?? '-'}:${m.body.map((t) => t.text).join(' ')}`;
  return text(a) === text(b);
}

function isDirective(t: Token): boolean {
  return t.kind === 'punct' && t.text === '#';
}

function fail(t: Token, message: string): never {
  throw new LitmusError(t.line, t.col, message);
}
