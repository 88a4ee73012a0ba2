// Check the DMA API contract: the barrier rules on the program text, then the API and ownership
// rules over every interleaving of a program's actors. The findings depend
// only on the order in which ops are performed (never on fills, evictions or CPU reordering:
// the contract is stated in program order), so this walks interleavings with no hardware events,
// on the arm64 model (for what the kernel really did: bounced, failed, which bus address),
// merging states already met.

import { createHash } from 'node:crypto';
import type { Compiled } from '../exec/compile.js';
import type { Machine } from '../exec/machine.js';
import { newModelMachine } from '../oracle/run.js';
import { checkBarrierContract } from './barrier-contract.js';
import { ContractState } from './contract.js';
import { findingKey, type Finding } from './finding.js';

export interface ContractResult {
  /** Each distinct finding once, in the order first met. */
  findings: Finding[];
  states: number;
  /** Every interleaving was covered (false: the state budget ran out first). */
  complete: boolean;
}

export const DEFAULT_CONTRACT_STATES = 20_000;

export function checkContract(c: Compiled, maxStates = DEFAULT_CONTRACT_STATES): ContractResult {
  const found = new Map<string, Finding>();
  const sink = (f: Finding) => {
    const k = findingKey(f);
    if (!found.has(k)) found.set(k, f);
  };
  for (const f of checkBarrierContract(c)) sink(f);
  const seen = new Set<string>();
  const stack: { m: Machine; k: ContractState }[] = [{ m: newModelMachine(c), k: new ContractState() }];
  let complete = true;
  while (stack.length > 0) {
    const { m, k } = stack.pop()!;
    const key = createHash('sha1').update(m.fingerprint()).update(JSON.stringify(m.reads)).update(k.key()).digest('base64');
    if (seen.has(key)) continue;
    if (seen.size >= maxStates) {
      complete = false;
      break;
    }
    seen.add(key);
    let moved = false;
    for (let a = 0; a < c.actors.length; a++) {
      const j = m.pendingOp(a, 0);
      if (j < 0) continue;
      const next = m.clone();
      if (!next.run(a, 0)) continue;
      moved = true;
      const nk = k.clone();
      nk.afterOp(c, next, a, j, sink);
      if (next.bailedOut === undefined) stack.push({ m: next, k: nk });
    }
    if (!moved && c.actors.every((_, a) => m.done(a))) k.atEnd(sink);
  }
  return { findings: [...found.values()], states: seen.size, complete };
}
