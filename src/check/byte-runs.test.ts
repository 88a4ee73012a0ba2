// ByteRuns against the plain byte array it stands for: the same bytes after any fills, the same
// answers to has(), and the same key text as the runs of that array.

import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { ByteRuns } from './byte-runs.js';

const runsOf = (bytes: Uint8Array) => {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    let j = i + 1;
    while (j < bytes.length && bytes[j] === bytes[i]) j++;
    out += `${bytes[i]}*${j - i} `;
    i = j;
  }
  return out;
};

const op = (size: number) => fc.tuple(fc.nat(size), fc.nat(size), fc.nat(2), fc.boolean());

test.prop([fc.integer({ min: 0, max: 64 }).chain((size) => fc.tuple(fc.constant(size), fc.array(op(size), { maxLength: 12 })))], { seed: 7, numRuns: 400 })(
  'fills, has() and key() agree with a byte array',
  ([size, ops]) => {
    const bytes = new Uint8Array(size);
    let runs = ByteRuns.of(size, 0);
    for (const [a, b, v, cloneFirst] of ops) {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      if (cloneFirst) runs = runs.clone(); // a clone carries on alone
      for (const w of [0, 1, 2]) expect(runs.has(lo, hi, w)).toBe(bytes.subarray(lo, hi).includes(w));
      runs.fill(lo, hi, v);
      bytes.fill(v, lo, hi);
      expect(runs.key()).toBe(runsOf(bytes));
    }
  },
);
