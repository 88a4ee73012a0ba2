// Agreement with the Arm model (issue 7): every row of scenarios/arm-model/ — a small shape with
// the verdict herd7's aarch64.cat gives it (docs/arm-model/, TABLE.md) — gets that verdict from
// `dmafuzz check`. herd7 "Allowed" for a state sc.cat forbids ⇒ `bug`; only sc.cat states ⇒ `ok`.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkLitmusFile, loadLitmus } from '../src/run/check-file.js';
import { compile } from '../src/exec/compile.js';
import { checkCompiled } from '../src/oracle/check.js';

const root = join(import.meta.dirname, '..');
const dir = join(root, 'scenarios/arm-model');
const files = readdirSync(dir).filter((f) => f.endsWith('.litmus')).sort();

/** The row's herd7 verdict as recorded by docs/arm-model/generate.mjs. */
function herdVerdict(text: string): 'bug' | 'ok' {
  const line = /^\/\/ herd7 aarch64\.cat: (.*)$/m.exec(text);
  if (!line) throw new Error('no herd7 line');
  return line[1].startsWith('Allowed') ? 'bug' : 'ok';
}

describe('the Arm-model table agrees with herd7 (aarch64.cat)', () => {
  test('the table has the shapes the issue lists', () => {
    expect(files.length).toBeGreaterThanOrEqual(50);
    for (const shape of ['mp-cpu-writes', 'mp-cpu-reads', 'sb-', 'lb-', '2+2w', 'wrc', 'poll', 'doorbell', 'writel', 'readl', 'forwarding', 'cpus-',
      // dependencies and the register-read rule (issue 21)
      'addr-po-w', 'addr-po-writel_relaxed', 'computed-load-then-load', 'computed-load-then-same-load', 'forwarding-data', 'forwarding-addr-store', 'forwarding-addr-load',
      'poll-then-readl_relaxed', 'while-then-readl_relaxed']) {
      expect(files.some((f) => f.startsWith(shape) || f.includes(shape)), shape).toBe(true);
    }
  });
  for (const f of files) {
    test(f, () => {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(existsSync(join(root, 'docs/arm-model/herd', f)), 'herd7 source committed').toBe(true);
      const outcome = checkLitmusFile(join(dir, f));
      if (outcome.kind !== 'checked') throw new Error(`${f}: ${outcome.message}`);
      expect(outcome.expect).toBe(herdVerdict(text));
      expect(outcome.result.verdict).toBe(outcome.expect);
    });
  }
  test('strictShareability: smp_* order nothing for the device, still order for another CPU', () => {
    const verdict = (f: string) => {
      const o = checkLitmusFile(join(dir, f), { platform: { strictShareability: true } });
      return o.kind === 'checked' ? o.result.verdict : o.message;
    };
    expect(verdict('mp-cpu-writes-smp_wmb.litmus')).toBe('bug');
    expect(verdict('doorbell-smp_wmb-writel_relaxed.litmus')).toBe('bug');
    expect(verdict('cpus-mp-smp.litmus')).toBe('ok');
  });
  test('a model whose barriers order nothing disagrees with herd7 on the rows barriers decide', () => {
    const broken = files.filter((f) => {
      const loaded = loadLitmus(f, readFileSync(join(dir, f), 'utf8'));
      if ('kind' in loaded) throw new Error(loaded.message);
      const c = compile(loaded.compiled.program, { ...loaded.compiled.platform, faults: ['barriers-order-nothing'] });
      return checkCompiled(c).verdict !== loaded.parsed.expect;
    });
    expect(broken).toEqual(expect.arrayContaining(['mp-cpu-writes-dma_wmb.litmus', 'mp-cpu-reads-dma_rmb.litmus', 'sb-dma_mb.litmus', 'doorbell-dma_wmb-writel_relaxed.litmus']));
  });
});
