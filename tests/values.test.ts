// Values are exact u64s end to end (issue 7 point 10): parse, compile, the arm64 model, the
// ideal platform, the report, --json, failure files and replay. On main (4a798f5) a value of
// 2^63 compiled to a ProgramError that crashed `check` ("Cannot read properties of undefined
// (reading 'verdict')") and --json printed nothing; values above 2^53 were refused or rounded.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkProgramAs, formatInputError, loadLitmus } from '../src/run/check-file.js';
import { main } from '../src/cli/main.js';
import { FAILURE_FORMAT, saveFailure, type FailureRecord } from '../src/run/failure-file.js';
import { replay } from '../src/selftest/replay.js';
import { DEFAULT_PLATFORM } from '../src/platform/platform.js';
import { cpu, dma_write, kmalloc, load, program, store } from '../src/program/build.js';
import { compile } from '../src/exec/compile.js';
import { makePlatform } from '../src/platform/platform.js';
import { runModel } from '../src/model/machines.js';

const RX = (value: string, read: string) => `DMA rx64
{
  kmalloc buf[64];
  mmio DOORBELL;
}
cpu cpu0 {
  h = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
  if (dma_mapping_error(dev, h)) return -ENOMEM;
  writel(1, DOORBELL);
  wait_for_irq(irq);
  ${read}
}
device dev {
  wait_doorbell(DOORBELL, 1);
  dma_write(h, 8, ${value});
  raise_irq(irq);
}
`;
const OK = (v: string) => RX(v, 'dma_unmap_single(dev, h, 64, DMA_FROM_DEVICE);\n  r0 = *(u64 *)buf;');
const BUG = (v: string) => RX(v, 'r0 = *(u64 *)buf;\n  dma_unmap_single(dev, h, 64, DMA_FROM_DEVICE);');

function checkText(text: string) {
  const r = loadLitmus('t.litmus', text);
  if ('kind' in r) throw new Error(formatInputError(r));
  return checkProgramAs('t.litmus', r.compiled, r.parsed.expect);
}

function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('64-bit values are exact', () => {
  test('bit 63 written by the device is read back exactly: ok', () => {
    const c = checkText(OK('0x8000000000000001'));
    expect(c.result.verdict).toBe('ok');
  });

  test('a read before unmap of a u64 is a bug whose observation shows the exact value', () => {
    const c = checkText(BUG('0x8000000000000001'));
    expect(c.result.verdict).toBe('bug');
    expect(c.report!.observations[0]).toMatchObject({ arm64: '0x0000000000000000', ideal: '0x8000000000000001' });
  });

  test('values above 2^53 keep their low bits', () => {
    const p = makePlatform();
    const prog = (v: bigint) => program('p', { buffers: [kmalloc('b', 8)], actors: [cpu('c', [store('b', 0, 8, v), load('b', 0, 8)])] });
    const read = (v: bigint) => runModel(compile(prog(v), p), { steps: [] }).reads[0][1];
    expect(read(2n ** 53n + 1n)).toBe('0x0020000000000001');
    expect(read(2n ** 64n - 1n)).toBe('0xffffffffffffffff');
  });

  test('a CPU poll for bit 63 of a descriptor finishes', () => {
    const text = `DMA poll63
{
  coherent desc[64];
}
cpu cpu0 {
  desc = dma_alloc_coherent(dev, 64, GFP_KERNEL);
  while (READ_ONCE(*(u64 *)desc) != 0x8000000000000000) cpu_relax();
  r0 = READ_ONCE(*(u64 *)desc);
}
device dev {
  dma_write(desc, 8, 0x8000000000000000);
}
`;
    const c = checkText(text);
    expect(c.result.verdict).toBe('ok');
  });

  test('check and --json work on u64 files (exit 0 and 1, one JSON object each)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmafuzz-u64-'));
    const ok = join(dir, 'ok.litmus');
    const bug = join(dir, 'bug.litmus');
    writeFileSync(ok, OK('0x8000000000000000'));
    writeFileSync(bug, BUG('0xffffffffffffffff'));
    expect(run(['check', ok]).code).toBe(0);
    const cwd = process.cwd();
    process.chdir(dir); // the saved counterexample goes to ./dmafuzz-failures
    try {
      const j = run(['check', ok, bug, '--json']);
      expect(j.code).toBe(1);
      const objs = j.out.split('\n').map((l) => JSON.parse(l));
      expect(objs.map((o) => o.verdict)).toEqual(['ok', 'bug']);
      expect(objs[1].counterexample.observations[0].ideal).toBe('0xffffffffffffffff');
      expect(objs[1].counterexample.program).toContain('dma_write(h, 8, 0xffffffffffffffff);');
    } finally {
      process.chdir(cwd);
    }
  });

  test('failure files keep u64 values exactly, and replay judges them again', () => {
    const c = checkText(BUG('0x8000000000000001'));
    const parsed = loadLitmus('t.litmus', BUG('0x8000000000000001'));
    if ('kind' in parsed) throw new Error('does not load');
    const record: FailureRecord = {
      format: FAILURE_FORMAT,
      found: { target: 'test', seed: 1, path: '0' },
      platform: DEFAULT_PLATFORM,
      program: parsed.parsed.program,
      execution: c.result.counterexample!.execution,
    };
    const file = saveFailure(record, mkdtempSync(join(tmpdir(), 'dmafuzz-fail-')));
    expect(readFileSync(file, 'utf8')).toContain('"value": "0x8000000000000001"');
    const again = replay(file);
    expect(again.counterexample.program).toEqual(parsed.parsed.program);
    expect(again.verdict.verdict).toBe('bug');
    expect(again.text).toContain('0x8000000000000001');
  });

  test('the typed builder takes numbers or bigints, and refuses inexact numbers', () => {
    expect(dma_write('h', 0, 8, 0x8000000000000000n)).toMatchObject({ value: 0x8000000000000000n });
    expect(dma_write('h', 0, 4, 0x5a)).toMatchObject({ value: 0x5an });
    expect(() => dma_write('h', 0, 8, 2 ** 63 + 1)).toThrow(/not an exact integer/);
  });
});
