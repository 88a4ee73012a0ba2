// The independent groups of the value search (footprints.ts Footprints.groups): actors that share
// no resource with any actor of another group, even transitively, nor a final range. Each group's
// executions are independent of the others', so the searches judge one group at a time.

import type { Compiled } from '../exec/compile.js';
import { intersects, type Bits } from './bits.js';

/** Union-find over actors whose ops may touch a common resource, or a common final range. */
export function independentGroups(c: Compiled, suffix: Bits[][], lineBit: Map<number, number>): number[][] {
  // A path program's assume can end the whole execution (another path covers it), and the other
  // groups run in program order when one group's execution is judged: one group, so no group's
  // bug is lost to another group's path failing in that order.
  if (c.actors.some((a) => a.actor.ops.some((op) => op.op === 'assume'))) return [c.actors.map((_, a) => a)];
  const parent = c.actors.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const all = c.actors.map((_, a) => suffix[a][0]);
  for (let a = 0; a < all.length; a++) for (let b = a + 1; b < all.length; b++) if (intersects(all[a], all[b])) parent[find(a)] = find(b);
  const cwg = c.platform.cwg;
  for (const r of c.final) {
    let first: number | undefined;
    for (let l = r.buf.addr + r.off - ((r.buf.addr + r.off) % cwg); l < r.buf.addr + r.off + r.size; l += cwg) {
      const bit = lineBit.get(l);
      if (bit === undefined) continue;
      for (let a = 0; a < all.length; a++) {
        if (!(all[a][bit >> 5] & (1 << (bit & 31)))) continue;
        if (first === undefined) first = a;
        else parent[find(a)] = find(first);
      }
    }
  }
  const groups = new Map<number, number[]>();
  c.actors.forEach((_, a) => groups.set(find(a), [...(groups.get(find(a)) ?? []), a]));
  return [...groups.values()];
}
