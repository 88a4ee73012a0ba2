import fc from 'fast-check';
import { expect, test } from 'vitest';
import type { Machine } from '../exec/machine.js';
import { encodeReads } from '../exec/machine-state.js';
import { stateKey } from './state-key.js';

// Texts made of the separators the key uses, so that a key which only joined its parts would merge two states.
const text = fc.string({ unit: fc.constantFrom('1', ':', '_'), maxLength: 2 });
const part = fc.record({
  fp: text,
  reads: fc.tuple(fc.array(fc.option(text, { nil: undefined }), { minLength: 2, maxLength: 2 }), fc.array(fc.option(text, { nil: undefined }), { minLength: 1, maxLength: 1 })),
  bailedOut: fc.option(text, { nil: undefined }),
  extra: text,
});
const keyOf = (p: { fp: string; reads: (string | undefined)[][]; bailedOut: string | undefined; extra: string }) =>
  stateKey({ fingerprint: () => p.fp, reads: p.reads, readsText: (a: number) => encodeReads(p.reads[a]), bailedOut: p.bailedOut } as unknown as Machine, p.extra);

test('two states share a key exactly when fingerprint, reads, bail-out and extra are all equal', () => {
  // Many states over a tiny alphabet, so that parts that merely sit side by side do meet.
  fc.assert(fc.property(fc.array(part, { minLength: 50, maxLength: 300 }), (parts) => {
    const byKey = new Map<string, string>();
    for (const p of parts) {
      const k = keyOf(p), whole = JSON.stringify(p);
      expect(byKey.get(k) ?? whole).toBe(whole);
      byKey.set(k, whole);
    }
  }), { seed: 20, numRuns: 200 });
});
