// A group's share of an execution's observations (independent groups: src/oracle/footprints.ts):
// its actors' reads and whether they finished, and the final ranges its actors touch (a range
// nobody touches goes to the first group). Observations are a bug iff some group's share is.

import type { Compiled } from '../exec/compile.js';
import type { Observations } from '../exec/observations.js';
import type { Footprints } from './footprints.js';

export interface Share { actors: string[]; final: number[] }

export function sharesOf(c: Compiled, f: Footprints, groups: readonly (readonly number[])[] = f.groups): Share[] {
  const cwg = c.platform.cwg;
  const owners = c.final.map((r) => {
    const lines = new Set<number>();
    for (let l = r.buf.addr + r.off - ((r.buf.addr + r.off) % cwg); l < r.buf.addr + r.off + r.size; l += cwg) lines.add(l);
    return groups.findIndex((s) => s.some((a) => f.lines[a].some((ls) => ls.some((l) => lines.has(l)))));
  });
  return groups.map((scope, g) => ({
    actors: scope.map((a) => c.actors[a].actor.name),
    final: c.final.flatMap((_, i) => ((owners[i] < 0 ? g === 0 : owners[i] === g) ? [i] : [])),
  }));
}

export function sameShare(a: Observations, b: Observations, s: Share): boolean {
  for (const name of s.actors) {
    if (a.done[name] !== b.done[name]) return false;
    const ra = a.reads[name], rb = b.reads[name];
    if (ra.length !== rb.length) return false;
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return false;
  }
  for (const i of s.final) if (a.final[i] !== b.final[i]) return false;
  return (a.bailedOut ?? null) === (b.bailedOut ?? null);
}

/** A share as a string, for sets of outcomes. */
export function shareKey(o: Observations, s: Share): string {
  return JSON.stringify([s.actors.map((n) => [o.reads[n], o.done[n]]), s.final.map((i) => o.final[i]), o.bailedOut ?? null]);
}
