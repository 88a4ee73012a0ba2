// The contract findings of one test, as `dmafuzz check` reports them: the checker run on every
// path, each finding judged by its witness (src/check/judge-findings.ts), located at the
// statement it is about (the op itself, even inside an `if` or a loop), then waived where the
// file or the command line says so.

import type { Compiled } from '../exec/compile.js';
import type { SourceMap } from '../litmus/parse.js';
import type { WitnessSearchInput } from './counterexample-witness.js';
import { checkContract } from './explore-contract.js';
import type { PathMemo } from './path-memo.js';
import { judgeFindings, type PathFinding } from './judge-findings.js';
import { applyWaivers, type Located, type Waiver } from './waivers.js';

export type LocatedFinding = Located;

export interface FileFindings {
  list: LocatedFinding[];
  states: number;
  complete: boolean;
  /** File waivers that matched no finding. */
  unmatched: Waiver[];
}

/** `memo`: keeps each path's contract result, for the fix search to reuse (src/check/path-memo.ts). */
export function fileFindings(paths: readonly Compiled[], o: { maxStates?: number; source?: SourceMap; search?: WitnessSearchInput; waivers?: readonly Waiver[]; memo?: PathMemo }): FileFindings {
  const raw: PathFinding[] = [];
  const seen = new Set<string>();
  let states = 0;
  let complete = true;
  for (const c of paths) {
    const r = o.memo ? o.memo.contract(c, o.maxStates) : checkContract(c, o.maxStates);
    states += r.states;
    complete &&= r.complete;
    for (const f of r.findings) {
      const located = locate(c, f, o.source);
      const key = `${f.rule}|${f.message}|${located.line}:${located.col}`;
      if (seen.has(key)) continue;
      seen.add(key);
      raw.push({ finding: located, path: c });
    }
  }
  const judged = judgeFindings(raw, o.search) as LocatedFinding[];
  judged.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
  const { findings, unmatched } = applyWaivers(judged, o.waivers ?? []);
  return { list: findings, states, complete, unmatched };
}

/** Where a finding's op was written: the op itself (src/exec/paths.ts `from`), else its top-level statement. */
function locate(c: Compiled, f: LocatedFinding, source: SourceMap | undefined): LocatedFinding {
  if (!source) return f;
  const a = c.actorIndex.get(f.actor)!;
  const thread = c.path?.threads[a];
  const op = thread ? thread.from[f.op] : c.actors[a].actor.ops[f.op];
  const pos = (op && source.opPos.get(op)) ?? source.ops[a]?.[thread ? thread.origin[f.op] : f.op];
  return pos ? { ...f, line: pos.line, col: pos.col } : f;
}
