// Find the smallest repair under which a litmus test checks ok with no error finding: greedy
// over src/check/repairs.ts, one repair per round, each an edit of the user's own text. Every
// candidate is the edited file parsed and checked again by the same searches `dmafuzz check`
// runs (every path of its branches and loops), so what is suggested is exactly a file that was
// re-checked, comments and all; a repair that is one op (a barrier) edits the parsed program
// instead of parsing the text again (src/check/op-edit.ts: the same program). A candidate on which an execution that went wrong before (the
// test's own counterexample, or one that refused an earlier candidate) still goes wrong is refused
// by replaying it (src/check/known-counterexamples.ts); only the others are searched, and only a
// full search can make a candidate the fix.
//
// The search is bounded by work, not by the clock, so its answer does not depend on the machine:
// every candidate's states (contract and model searches) and ideal-witness nodes come out of one
// FixBudget. A candidate starts only while both remain, so the search ends within the budget plus
// one candidate's own bounds; running out means no suggestion, never a guess.

import type { Compiled } from '../exec/compile.js';
import { LitmusError } from '../litmus/litmus-error.js';
import { parseLitmus, type ParsedLitmus } from '../litmus/parse.js';
import { printLitmus } from '../litmus/print.js';
import { walkOps } from '../litmus/registers.js';
import { checkPaths, type CheckOptions } from '../oracle/check.js';
import { DEFAULT_TOTAL_SEARCH_BUDGET } from '../oracle/oracle.js';
import type { Program } from '../program/types.js';
import type { Budget } from '../search/budget.js';
import { checkContract } from './explore-contract.js';
import { applyOpEdit, type OpEdit } from './op-edit.js';
import { PathMemo } from './path-memo.js';
import { candidateRepairs, type Repair } from './repairs.js';
import { applyEdits } from './source-edit.js';
import type { Finding } from './finding.js';
import { judgeFindings } from './judge-findings.js';
import { witnessKind } from './rules.js';

export interface FixSuggestion {
  /** The repairs, in the order applied. */
  steps: string[];
  /** The user's text with the repairs applied: the text that re-checked ok. */
  text: string;
}

/** Work left for a fix search: contract plus model-search states, and ideal-witness nodes. */
export type FixBudget = Budget;

/**
 * The most any bug class or built-in bug scenario needed was 13,300 states and 140 nodes
 * (2-threads-packed; every built-in fix is found within 30,000); a state costs up to ~0.1 ms on
 * the largest programs, so the whole search stays within a few seconds, and a real-size ring
 * whose repaired version cannot be searched through (an 8-descriptor RX ring) stops there.
 */
export const DEFAULT_FIX_BUDGET: FixBudget = { states: 30_000, nodes: DEFAULT_TOTAL_SEARCH_BUDGET };

/** Rounds of one repair each, unless FixOptions.maxRepairs says otherwise. */
export const DEFAULT_MAX_REPAIRS = 3;

/** Tests with more statements than this get no fix search: each candidate repair is a whole re-check. */
export const MAX_STATEMENTS_TO_REPAIR = 60;

/** Parse-level test to its compiled paths, as `dmafuzz check` compiles it; undefined when it does not compile. */
export type CompileText = (parsed: ParsedLitmus) => readonly Compiled[] | undefined;

export interface FixOptions extends CheckOptions {
  /** Rounds of one repair each. */
  maxRepairs?: number;
  /** Shared by every candidate; spent in place, so a caller can see what was used. */
  budget?: FixBudget;
  /** Outcomes of paths already checked (the test's own, by `dmafuzz check`), reused for identical paths. */
  memo?: PathMemo;
}

/**
 * How broken a test is, by `dmafuzz check`'s verdict rule (src/check/verdict.ts): each error
 * finding of the contract checker on each path (judgedErrors), plus one for a value
 * counterexample or an inconclusive search, plus one for a contract search that ran out of
 * states (no proof of "no error finding"). 0 is fixed. This is the one place the fix search
 * decides "is this program broken". `work`, when given, pays for the searches.
 */
export function brokenness(paths: readonly Compiled[], o: FixOptions = {}, cap = Infinity, work?: FixBudget): number {
  // An execution that went wrong before and still does here: the value check cannot say ok, and
  // its search is not run (src/check/known-counterexamples.ts).
  const refuted = work && o.memo ? o.memo.refutedByReplay(paths, o, work) : false;
  let errors = refuted ? 1 : 0;
  if (errors >= cap) return errors;
  for (const c of paths) {
    const contract = o.memo ? o.memo.contract(c, o.maxStates) : checkContract(c, o.maxStates);
    if (work) work.states -= contract.states;
    errors += judgedErrors(contract.findings, c) + (contract.complete ? 0 : 1);
    if (errors >= cap) return errors; // cannot beat the best so far: skip the rest
  }
  if (refuted) return errors;
  // The fix budget's nodes are the witness budget itself: checkPaths spends them in place. Only
  // the verdict counts here, so a counterexample is not shrunk, nor looked for at the shallower
  // levels once the deepest (searched first) has one.
  const r = work && o.memo ? o.memo.checkPaths(paths, o, work) : checkPaths(paths, { ...o, ...(work ? { totalBudget: work } : {}), minimize: false });
  if (work) work.states -= r.states;
  return errors + (r.verdict === 'ok' ? 0 : 1);
}

/**
 * The error findings a repaired test must not keep, judged as `dmafuzz check` judges them
 * (src/check/judge-findings.ts) where that is cheap: a dma-debug WARN counts, a barrier finding
 * counts only when the device can observe the order. An ownership or contract error counts
 * unjudged: its witness search (other platforms) is too dear to run per candidate, and counting it
 * can only make the search refuse a repair, never show one that `check` would still call a bug.
 */
function judgedErrors(findings: readonly Finding[], path: Compiled): number {
  const raw = findings.filter((f) => f.severity === 'error');
  const unjudged = raw.filter((f) => witnessKind(f.rule) === 'counterexample').length;
  const cheap = judgeFindings(raw.filter((f) => witnessKind(f.rule) !== 'counterexample').map((finding) => ({ finding, path })), undefined);
  return unjudged + cheap.filter((f) => f.severity === 'error').length;
}

/**
 * The repairs, those that insert right before an op an error finding points at first (the
 * ownership store a barrier finding names: where stmmac, xHCI's queue_trb() and memory-barriers.txt
 * put the dma_wmb()), the rest in their order. Else the first barrier that makes the test check ok
 * could go a statement earlier, leaving a field the test never reads unordered.
 */
function atFindingsFirst(repairs: readonly Repair[], paths: readonly Compiled[], memo: PathMemo, maxStates: number | undefined): Repair[] {
  const flagged = new Set<unknown>();
  for (const c of paths) {
    for (const f of memo.contract(c, maxStates).findings) {
      if (f.severity !== 'error') continue;
      const a = c.actorIndex.get(f.actor);
      if (a === undefined) continue;
      const at = (j: number) => (c.path ? c.path.threads[a].from[j] : c.actors[a].actor.ops[j]);
      flagged.add(at(f.op));
      // the barrier right before it, of the wrong kind (smp_wmb() before a doorbell), or the read
      // of its read-modify-write (`desc->ctrl |= OWN`: dma_wmb() goes before the whole statement)
      const op = c.actors[a].actor.ops[f.op], before = f.op > 0 ? c.actors[a].actor.ops[f.op - 1] : undefined;
      if (before?.op === 'barrier' || (before?.op === 'load' && op.op === 'store' && before.buf === op.buf && before.off === op.off)) flagged.add(at(f.op - 1));
    }
  }
  // the flagged op or the barrier before it replaced (writel() for writel_relaxed()), then a barrier inserted before it
  const rank = (r: Repair) => (!r.op ? 2 : 'replace' in r.op ? (flagged.has(r.op.replace) ? 0 : 2) : flagged.has(r.op.before) ? 1 : 2);
  return [0, 1, 2].flatMap((k) => repairs.filter((r) => rank(r) === k));
}

/** Why a search found nothing, for FixOutcome.noFix. `cut`: the repair whose re-check ran out of states. */
interface SearchEnd { tried: number; spent: boolean; cut?: string }

/** The test's text already parsed, and, when the caller compiled it as compileText would, its paths. */
export interface ParsedTest { parsed: ParsedLitmus; paths?: readonly Compiled[] }

export function suggestFix(text: string, compileText: CompileText, o: FixOptions = {}, end: SearchEnd = { tried: 0, spent: false }, given?: ParsedTest): FixSuggestion | undefined {
  const work = o.budget ?? { ...DEFAULT_FIX_BUDGET };
  // A candidate edits one statement: the paths it leaves alone are checked once for the whole search.
  if (!o.memo) o = { ...o, memo: new PathMemo() };
  const spent = () => work.states <= 0 || work.nodes <= 0;
  /** `edited`: the program is the last text's with an op edit, its source map still that text's. */
  type Loaded = { parsed: ParsedLitmus; paths: readonly Compiled[]; edited?: true } | undefined;
  // The texts scored this round: the next round starts from one of them (parsing is pure).
  const loaded = new Map<string, Loaded>();
  const load = (t: string): Loaded => {
    if (loaded.has(t)) return loaded.get(t);
    let l: Loaded;
    try {
      const parsed = parseLitmus(t);
      const paths = compileText(parsed);
      l = paths && { parsed, paths };
    } catch (e) {
      if (!(e instanceof LitmusError)) throw e;
      l = undefined; // the edit made the text invalid
    }
    loaded.set(t, l);
    return l;
  };
  /**
   * A candidate that is one op edit of `from`: its program made from `from`'s, not parsed
   * (src/check/op-edit.ts). The source map stays `from`'s: only a compile error's position reads
   * it, and a candidate that does not compile is refused whatever the position says.
   */
  const loadEdited = (t: string, from: NonNullable<Loaded>, edit: OpEdit): Loaded => {
    if (loaded.has(t)) return loaded.get(t);
    const program = !from.edited ? applyOpEdit(from.parsed.program, edit) : undefined;
    if (!program) return load(t);
    const parsed = { ...from.parsed, program };
    const paths = compileText(parsed);
    const l: Loaded = paths && { parsed, paths, edited: true };
    loaded.set(t, l);
    return l;
  };
  if (given) {
    // the caller parsed (and maybe compiled) the text already
    const paths = given.paths ?? compileText(given.parsed);
    loaded.set(text, paths && { parsed: given.parsed, paths });
  }
  const score = (l: Loaded, cap: number): number => (l ? brokenness(l.paths, o, cap, work) : Infinity);
  let current = text;
  let currentScore = score(load(text), Infinity);
  const seen = new Set([text]);
  const steps: string[] = [];
  for (let round = 0; round < (o.maxRepairs ?? DEFAULT_MAX_REPAIRS) && currentScore > 0; round++) {
    const l = load(current);
    if (!l) return undefined;
    let best: { title: string; text: string; score: number } | undefined;
    let repairs: Repair[];
    try {
      repairs = candidateRepairs(current, l.parsed, l.paths[0].platform);
    } catch (e) {
      // A text the repairs cannot read as kernel C (an LKMM test named `C 2+2W+...`): nothing to edit.
      if (e instanceof LitmusError) return undefined;
      throw e;
    }
    for (const r of atFindingsFirst(repairs, l.paths, o.memo!, o.maxStates)) {
      const patched = applyEdits(current, r.edits);
      if (patched === undefined || seen.has(patched)) continue;
      seen.add(patched);
      if (spent()) { end.spent = true; return undefined; }
      end.tried++;
      const cutBefore = o.memo!.proofsCut;
      const s = score(r.op ? loadEdited(patched, l, r.op) : load(patched), best?.score ?? currentScore);
      // Its re-check ran out of states before covering its bound: no repair of a test this size
      // can be proved, and each would cost as much again.
      if (o.memo!.proofsCut > cutBefore) { end.cut = r.title; return undefined; }
      if (s < (best?.score ?? currentScore)) best = { title: r.title, text: patched, score: s };
      if (s === 0) break;
    }
    if (!best) return undefined;
    steps.push(best.title);
    current = best.text;
    currentScore = best.score;
    // the next round's repairs are found in current's own parse
    for (const [t, l] of loaded) if (t !== current || l?.edited) loaded.delete(t);
  }
  return currentScore === 0 ? { steps, text: current } : undefined;
}

/** A fix and the text it edits, or why there is none. */
export type FixOutcome = { fix: FixSuggestion; original: string } | { noFix: string };

/**
 * The fix search as `dmafuzz check` runs it on a test found `bug`: on the file's own `text`, or,
 * for a program without a file, on the program as printed. `finished` says whether the check of
 * the test itself covered its bound (else every candidate would run out too). `given`: `text`
 * as the caller parsed it (and compiled it, as compileText would), so it is not done twice.
 */
export function findFix(text: string | undefined, program: Program, compileText: CompileText, o: FixOptions & { finished: boolean }, given?: ParsedTest): FixOutcome {
  const original = text ?? printedText(program);
  if (original === undefined) return { noFix: 'the program has no litmus text to edit (it does not print as one)' };
  let start = text !== undefined ? given : undefined; // a printed program was never parsed
  if (!start) {
    try {
      start = { parsed: parseLitmus(original) };
    } catch (e) {
      if (e instanceof LitmusError) return { noFix: 'the program has no litmus text to edit (its text does not parse back)' };
      throw e;
    }
  }
  const { parsed } = start;
  let statements = 0;
  for (const a of parsed.program.actors) walkOps(a.ops, () => statements++);
  if (statements > MAX_STATEMENTS_TO_REPAIR) return { noFix: `the test has more than ${MAX_STATEMENTS_TO_REPAIR} statements, and each candidate repair is a whole re-check` };
  if (!o.finished) return { noFix: 'the check of the test ran out of states, so a candidate repair could not be re-checked either' };
  const budget = o.budget ?? { ...DEFAULT_FIX_BUDGET };
  const end: SearchEnd = { tried: 0, spent: false };
  const fix = suggestFix(original, compileText, { ...o, budget }, end, start);
  if (fix) return { fix, original };
  if (end.cut) {
    return { noFix: `the re-check of a candidate repair (${end.cut}) ran out of states before covering its bound (${DEFAULT_FIX_BUDGET.states} states for the whole fix search, --max-states a path and level), so no repair of this test can be proved at its size` };
  }
  if (end.spent || budget.states <= 0 || budget.nodes <= 0) {
    return { noFix: `the fix search spent its budget (${DEFAULT_FIX_BUDGET.states} states, ${DEFAULT_FIX_BUDGET.nodes} witness states) after ${end.tried} candidate repairs, before one re-checked ok` };
  }
  if (!end.tried) return { noFix: 'no candidate repair (a sync, a barrier, a direction or size, an allocation, an alignment, ...) applies to this test' };
  return { noFix: `none of the ${end.tried} candidate repairs (a sync, a barrier, a direction or size, an allocation, an alignment, ...), up to ${o.maxRepairs ?? DEFAULT_MAX_REPAIRS} at once, re-checks ok` };
}

/** A program as litmus text that parses back, or undefined (an op the printer has no text for). */
function printedText(p: Program): string | undefined {
  try {
    return printLitmus(p);
  } catch {
    return undefined;
  }
}
