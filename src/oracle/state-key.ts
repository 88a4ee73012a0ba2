import type { Machine } from '../exec/machine.js';

/**
 * The arm64 searches' merge key: the scheduler's and the world's state (Machine.fingerprint), plus
 * what was read so far (each actor's row as MachineState.readsText, kept until the actor moves).
 * Text, compared whole by a Map, but for memory's and the caches' contents, which are 64-bit
 * hashes (memory.ts, cache.ts: a driver's pages are kilobytes a state), so two states whose
 * contents differ merge with odds of about 2^-64 — over a million states, about 1 in 10^7 that
 * any pair does. Each read is written with its length before it (a read never made as
 * '_'), as are the bail-out and `extra`, and the fingerprint is the rest: so a key reads back one
 * way only (the rows' lengths are the program's). Joined once from its parts into a flat string,
 * which a Map hashes without first copying a rope of small pieces.
 */
export function stateKey(m: Machine, extra = ''): string {
  const out: (string | number)[] = [];
  for (let a = 0; a < m.reads.length; a++) out.push(m.readsText(a));
  const b = m.bailedOut;
  if (b === undefined) out.push('_');
  else out.push(b.length, ':', b);
  out.push(extra.length, ':', extra, m.fingerprint());
  return out.join('');
}
