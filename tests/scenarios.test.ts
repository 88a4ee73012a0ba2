// Every built-in scenario (scenarios/*.litmus and scenarios/index.ts) gets the verdict it states,
// by running the model: the same job `dmafuzz` runs with no arguments.

import { describe, expect, test } from 'vitest';
import { runBuiltinScenarios } from '../src/cli/builtin-command.js';

const rows = runBuiltinScenarios({});

describe('built-in scenarios give their expected verdicts', () => {
  test('the article\'s programs and the TS catalogue are all there', () => {
    const names = rows.map((r) => r.scenario);
    for (const n of ['coherent-vs-streaming', 'misaligned-to-device', 'misaligned-from-device-6.1', 'misaligned-from-device-6.12', 'aligned-from-device',
      'packet-handler', 'net-tx-complete.litmus', 'net-tx-complete-fixed', 'net-tx-complete-fix-after-unmap', 'desc-ring-no-rmb', 'desc-ring-dma-rmb', 'modem-4g',
      'beginner-missing-sync', 'beginner-misaligned', 'beginner-dma-mask', 'beginner-unchecked-mapping-error', 'bug-classes.ts#', 'never-flag.ts#', 'loopback.ts#4-threads',
      // registers, branches, loops and conditions (issue 8)
      'rx-ring-two-slots', 'rx-ring-break-on-own', 'nvme-cq-phase-bit', 'tx-own-bit-rmw', 'completion-entry-16-bytes', 'exists-field-before-done', 'exists-arm64-only',
      // the C of drivers: structs, pointers, #define, inlined functions (issue 18)
      'fec-rx-bufdesc', 'fec-rx-bufdesc-no-rmb', 'stmmac-tx-des3-own', 'stmmac-tx-des3-own-no-wmb', 'nvme-cq-completion', 'nvme-cq-completion-no-rmb',
      // kernel calls beyond the streaming API (issue 18)
      'dma-pool-cmd-ring']) {
      expect(names.some((s) => s.includes(n)), n).toBe(true);
    }
  });
  for (const r of rows) {
    test(`${r.scenario}: ${r.expect}`, () => {
      expect(r.verdict, r.search).toBe(r.expect);
    });
  }
});
