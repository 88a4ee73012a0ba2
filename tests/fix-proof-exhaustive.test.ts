// A suggested fix is "re-checked: ok" only when its re-check covered its whole bound: a candidate
// repair whose search runs out of states is not proved (no random runs stand in for the proof),
// and the fix search stops there, saying so, where it used to run a whole check of each candidate
// of a real-size driver past its budget.

import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { checkLitmusFile } from '../src/run/check-file.js';

const file = fileURLToPath(new URL('../scenarios/drivers/napi-rx-page-pool-no-rmb.litmus', import.meta.url));

describe('a fix is proved by an exhaustive re-check', () => {
  test('found at level 0 in a few states; its fix needs more than --max-states: no fix, and why', () => {
    const r = checkLitmusFile(file, { maxStates: 140 }); // enough to check the bug; not for the fix's proof (168 states on one path at 2 events)
    if (r.kind !== 'checked') throw new Error(r.message);
    expect(r.verdict).toBe('bug');
    expect(r.result.exhaustive).toBe(false);
    expect(r.fix).toBeUndefined();
    expect(r.noFix).toMatch(/^the re-check of a candidate repair \(insert dma_rmb\(\) before line \d+\) ran out of states/);
  });

  test('with room for its proof, the same fix is found', () => {
    const r = checkLitmusFile(file);
    if (r.kind !== 'checked') throw new Error(r.message);
    expect(r.fix?.steps.join(' + ')).toMatch(/dma_rmb\(\)/);
  });
});
