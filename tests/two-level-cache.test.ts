// Issue 7 point 6: CWG > DminLine needs two cache levels. A neighbour written just before a
// DMA_FROM_DEVICE map of a 64-byte-aligned buffer inside a 128-byte CWG line (lineSize 64,
// cwg 128) is a bug: the map's dc cvac acts on the buffer's L1 line only, and the neighbour's
// dirty L1 line, evicted into L2, dirties the whole CWG line, whose write-back lands over the
// device's data. One cache of CWG-sized lines cleaned the neighbour at map time and said ok.

import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { loadLitmus, formatInputError } from '../src/run/check-file.js';
import type { Compiled } from '../src/exec/compile.js';
import type { Step } from '../src/exec/execution.js';
import { executionArb } from '../src/gen/execution-arb.js';
import { checkCompiled } from '../src/oracle/check.js';
import { judgeExecution } from '../src/oracle/oracle.js';
import { explainCounterexample } from '../src/report/counterexample.js';
import { readLitmusFile } from '../src/litmus/read-file.js';

function load(file: string, overrides = {}): Compiled {
  const loaded = loadLitmus(file, readLitmusFile(file), overrides);
  if ('kind' in loaded) throw new Error(formatInputError(loaded));
  return loaded.compiled;
}

const BUGGY = 'scenarios/cwg-neighbour-from-device.litmus';
const FIXED = 'scenarios/cwg-neighbour-from-device-aligned.litmus';

describe('a neighbour in the same CWG line as a FROM_DEVICE buffer (lineSize 64, cwg 128)', () => {
  test('is a bug', () => {
    expect(checkCompiled(load(BUGGY)).verdict).toBe('bug');
  });

  test('the mechanism: L1 neighbour evicted into L2, L2 line written back over the device data', () => {
    const c = load(BUGGY);
    const stats = c.layout.buffers.get('stats')!.addr, buf = c.layout.buffers.get('buf')!.addr;
    expect(buf - stats).toBe(64);
    expect(stats % 128).toBe(0); // one 128-byte CWG line: stats's L1 line, then buf's
    const steps: Step[] = [
      { run: 'cpu0' }, { run: 'cpu0' }, // *(u32 *)stats = 1; dma_map_single(FROM_DEVICE): dc cvac on buf's L1 line only
      { evict: stats }, // the neighbour's dirty L1 line goes into L2, which is filled from memory (buf's old bytes)
      { run: 'cpu0' }, { run: 'cpu0' }, { run: 'dev' }, { run: 'dev' }, // doorbell; the device writes buf in memory
      { evict: stats, level: 2 }, // the whole dirty 128-byte L2 line is written back: stale buf bytes over the device's
    ];
    const v = judgeExecution(c, { steps });
    expect(v.verdict).toBe('bug');
    if (v.verdict !== 'bug') return;
    expect(v.diff).toEqual([{ what: 'cpu0 op 7 (load)', model: '0x0000000000000000', ideal: '0x0011223344556677' }]);
    const report = explainCounterexample(c, { steps }, v);
    const said = report.events.flatMap((e) => [`${e.actor}: ${e.text}`, ...e.effects]);
    const at = (text: string) => said.findIndex((s) => s.includes(text));
    const line = `0x${stats.toString(16)}`;
    expect(at(`dc cvac, 0x${buf.toString(16)}`)).toBeGreaterThan(-1);
    expect(at(`hardware: eviction of L1 line ${line} into L2`)).toBeGreaterThan(at('dc cvac'));
    expect(at(`L1 line ${line} written back into L2 line ${line} (the whole L2 line is now dirty)`)).toBeGreaterThan(at('eviction of L1'));
    expect(at(`L2 line ${line} written back to memory`)).toBeGreaterThan(at('device writes memory'));
    expect(report.lines).toContainEqual({ line: `L2 ${line}`, state: 'not in L2' });
  });

  test('the random generator chooses L1 and L2 events and finds the bug too', () => {
    const c = load(BUGGY);
    const executions = fc.sample(executionArb(c), { seed: 1, numRuns: 200 });
    expect(executions.some((e) => e.steps.some((s) => 'evict' in s && s.level === 2))).toBe(true);
    expect(executions.some((e) => e.steps.some((s) => 'fill' in s && s.level === undefined))).toBe(true);
    const r = fc.check(fc.property(executionArb(c), (e) => judgeExecution(c, e).verdict !== 'bug'), { seed: 1, numRuns: 2000 });
    expect(r.failed).toBe(true);
  });

  test('aligned to ARCH_DMA_MINALIGN (128) it is ok, as is a 128-byte buffer', () => {
    expect(checkCompiled(load(FIXED)).verdict).toBe('ok');
    expect(checkCompiled(load('scenarios/aligned-from-device.litmus', { lineSize: 64, cwg: 128 })).verdict).toBe('ok');
  });

  test('with one cache level (lineSize = cwg = 128) the buffer shares a line with the neighbour and the partial-line civac saves it', () => {
    // DminLine 128: the map cleans the neighbour's line (the kernel's loops step by DminLine), so no bug.
    expect(checkCompiled(load(BUGGY, { lineSize: 128 })).verdict).toBe('ok');
  });
});
