// The comparison both reduction properties make: each independent group's share of the outcomes
// (src/oracle/shares.ts) the full search reached against the reduced one's.

import type { Compiled } from '../src/exec/compile.js';
import type { Observations } from '../src/exec/observations.js';
import type { Footprints } from '../src/oracle/footprints.js';
import { shareKey, sharesOf } from '../src/oracle/shares.js';

/** The first group whose outcomes differ, named with what is missing or extra; undefined if none. */
export function shareDifference(c: Compiled, f: Footprints, full: readonly Observations[], reduced: readonly Observations[]): string | undefined {
  for (const [g, share] of sharesOf(c, f).entries()) {
    const a = new Set(full.map((o) => shareKey(o, share)));
    const b = new Set(reduced.map((o) => shareKey(o, share)));
    const missing = [...a].filter((k) => !b.has(k));
    const extra = [...b].filter((k) => !a.has(k));
    if (missing.length || extra.length) return `group ${g} (${share.actors.join(',')}): ${missing.length} outcomes missing, ${extra.length} extra, e.g. ${missing[0] ?? extra[0]}`;
  }
  return undefined;
}
