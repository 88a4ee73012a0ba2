// Every built-in scenario (scenarios/*.litmus and scenarios/index.ts) gets the verdict it states,
// by running the model: the same job `dmafuzz` runs with no arguments, run once here for the
// whole suite (`dmafuzz --json` in-process), and the table `dmafuzz` prints of it.

import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { printBuiltinRows, type BuiltinRow } from '../src/cli/builtin-command.js';
import { dmafuzzInProcess } from './cli-harness.js';

const job = await dmafuzzInProcess(resolve(import.meta.dirname, '..'), ['--json']);
const rows = job.out.trim().split('\n').map((l) => JSON.parse(l) as BuiltinRow);

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
      'dma-pool-cmd-ring',
      // every subdirectory `dmafuzz check scenarios` searches
      'contract/', 'drivers/', 'platforms/']) {
      expect(names.some((s) => s.includes(n)), n).toBe(true);
    }
    // scenarios/arm-model/ is the herd7 table, checked by tests/arm-model.test.ts
    expect(names.filter((s) => s.includes('arm-model/'))).toEqual([]);
  });

  test('`dmafuzz`: exit 0, the table, and the count as expected', () => {
    expect(job.code, job.err).toBe(rows.every((r) => r.asExpected) ? 0 : 1);
    expect(job.err).toBe('');
    const out: string[] = [];
    const code = printBuiltinRows(rows, false, { out: (t) => out.push(t), err: (t) => out.push(`stderr: ${t}`) });
    expect(code).toBe(job.code);
    const text = `${out.join('\n')}\n`;
    expect(text).toMatch(/^scenario +expect +verdict +executions +search\n/);
    expect(text).toMatch(new RegExp(`\\n${rows.length} scenarios: ${rows.filter((r) => r.asExpected).length} as expected(, \\d+ differ)?\\n$`));
  });

  for (const r of rows) {
    test(`${r.scenario}: ${r.expect}`, () => {
      expect(r.verdict, r.search).toBe(r.expect);
      expect(r.asExpected).toBe(true);
    });
  }
});
