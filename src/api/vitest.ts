// `import 'dmafuzz/vitest'` in a Vitest setup file or test: adds
//   expect(await checkLitmus('rx.litmus')).toBeDmaSafe()
// which passes when the check found no counterexample and fails with the whole counterexample
// (ops, cache events, the observation no ideal execution makes) when it found one.

import { expect } from 'vitest';
import type { LitmusCheck } from './index.js';

export interface DmaMatchers<R = unknown> {
  /** The checked litmus test has no counterexample and no contract error (verdict 'ok'). */
  toBeDmaSafe(): R;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Matchers<T = any> extends DmaMatchers<T> {}
}

function isCheck(x: unknown): x is LitmusCheck {
  return typeof x === 'object' && x !== null && 'verdict' in x && 'text' in x;
}

expect.extend({
  toBeDmaSafe(received: unknown) {
    if (!isCheck(received)) {
      return { pass: false, message: () => 'toBeDmaSafe() expects the result of checkLitmus(...) (did you forget await?)' };
    }
    return {
      pass: received.verdict === 'ok',
      message: () => (received.verdict === 'ok'
        ? `expected ${received.file} to have a DMA bug, but dmafuzz found none:\n${received.text}`
        : `expected ${received.file} to be DMA-safe, but dmafuzz says ${received.verdict}:\n${received.text}`),
    };
  },
});
