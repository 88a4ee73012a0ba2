import type { Machine } from '../exec/machine.js';

/**
 * The arm64 searches' merge key: the scheduler's and the world's state (Machine.fingerprint), plus
 * what was read so far. The text itself, not a digest of it: a Map compares keys whole, so two
 * different states never merge (a digest would merge them on a collision), and hashing a short
 * string costs less than a cryptographic digest. The fingerprint and each read are written with
 * their length before them (a read never made as '_'), so a key reads back one way only: the
 * rows' lengths are the program's, and `extra` is the rest.
 */
export function stateKey(m: Machine, extra = ''): string {
  const fp = m.fingerprint();
  let key = `${fp.length}:${fp}`;
  for (const row of m.reads) {
    for (let j = 0; j < row.length; j++) {
      const v = row[j];
      key += v === undefined ? '_' : `${v.length}:${v}`;
    }
  }
  const b = m.bailedOut;
  return `${key}${b === undefined ? '_' : `${b.length}:${b}`}${extra}`;
}
