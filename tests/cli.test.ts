// The real `dmafuzz` process: exit codes, one-line errors without stack traces, --json,
// saved counterexamples and --replay, --platform overrides, the built-in job.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'dist/src/cli/main.js');
let cwd: string;

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')]);
  chmodSync(BIN, 0o755); // as `npm run build` leaves it, so `npx dmafuzz` keeps working after the tests
  cwd = mkdtempSync(join(tmpdir(), 'dmafuzz-cli-'));
}, 60_000);

function dmafuzz(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function file(name: string, text: string): string {
  const path = join(cwd, name);
  writeFileSync(path, text);
  return name;
}

const RX = (read: string) => `DMA rx
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
  dma_write(h, 64, 0x5a);
  raise_irq(irq);
}
`;
const OK = RX('dma_unmap_single(dev, h, 64, DMA_FROM_DEVICE);\n  r0 = *(u32 *)buf;');
const BUG = RX('r0 = *(u32 *)buf;\n  dma_unmap_single(dev, h, 64, DMA_FROM_DEVICE);');

describe('input errors: one line, exit 2, no stack trace', () => {
  const cases: [string, string | Buffer, RegExp][] = [
    ['unknown-fn.litmus', OK.replace('writel(1,', 'writl(1,'), /^unknown-fn\.litmus:9:3: unknown function 'writl'/],
    ['bad-platform.litmus', OK.replace('{\n  kmalloc', 'platform { lineSize = 128; cwg = 64; }\n{\n  kmalloc'), /^bad-platform\.litmus:2:28: impossible platform/],
    ['empty.litmus', '', /^empty\.litmus:1:1: empty file/],
    ['binary.litmus', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00]), /^binary\.litmus:1:1: binary data/],
    ['comment.litmus', OK.replace('{\n  kmalloc', '/*\n{\n  kmalloc'), /^comment\.litmus:2:1: unterminated comment/],
    ['range.litmus', OK.replace('r0 = *(u32 *)buf;', 'r0 = *(u64 *)(buf + 60);'), /^range\.litmus:12:17: bytes 60\.\.67 are outside 'buf'/],
  ];
  for (const [name, text, want] of cases) {
    test(name, () => {
      writeFileSync(join(cwd, name), text);
      const r = dmafuzz('check', name);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(want);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.out).toBe('');
    });
  }

  test('a huge file', () => {
    writeFileSync(join(cwd, 'huge.litmus'), 'DMA huge\n' + '// padding\n'.repeat(200_000));
    const r = dmafuzz('check', 'huge.litmus');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^huge\.litmus:1:1: file is \d+ bytes; a litmus test is at most 1048576 bytes/);
  });

  test('unknown option', () => {
    const r = dmafuzz('check', 'x.litmus', '--frobnicate');
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err).toBe("dmafuzz: unknown option '--frobnicate' (see dmafuzz --help)\n");
  });

  test('bad --platform and missing files', () => {
    expect(dmafuzz('check', file('ok.litmus', OK), '--platform', 'cwg=32')).toMatchObject({ code: 2, err: '--platform cwg=32: cwg must be 64, 128 or 256, not 32\n'.replace(/^/, 'dmafuzz: ') });
    expect(dmafuzz('check', 'ok.litmus', '--platform', 'colour=blue').err).toMatch(/^dmafuzz: --platform colour=blue: unknown platform setting 'colour'/);
    expect(dmafuzz('check', 'nope.litmus')).toMatchObject({ code: 2, err: 'dmafuzz: nope.litmus: no such file or directory\n' });
    expect(dmafuzz('check').code).toBe(2);
    expect(dmafuzz('--runs', 'many').err).toBe("dmafuzz: --runs takes a whole number ≥ 1, not 'many'\n");
  });
});

describe('verdicts', () => {
  test('--help', () => {
    const r = dmafuzz('--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/dmafuzz check FILE\|DIR/);
  });

  test('ok: exit 0, one line saying how much was explored', () => {
    const r = dmafuzz('check', file('ok.litmus', OK));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok {4}ok\.litmus \(rx\): no counterexample in \d+ executions \(\d+ states\), exhaustive: every interleaving and CPU reordering with up to 2 fills\/evictions of \d+ lines\n$/);
  });

  test('bug: exit 1, the explanation, and a saved execution that --replay reproduces', () => {
    const r = dmafuzz('check', file('bug.litmus', BUG));
    expect(r.code).toBe(1);
    expect(r.out).toContain('BUG   bug.litmus (rx): counterexample found by exhaustive search');
    expect(r.out).toContain('speculative fill of line 0x1000');
    expect(r.out).toContain('device writes memory at 0x1000');
    expect(r.out).toContain('cpu0: `r0 = *(u32 *)buf;`');
    expect(r.out).toMatch(/arm64: 0x00000000\n\s+ideal: 0x5a5a5a5a/);
    const saved = /--replay (\S+)/.exec(r.out)![1];
    expect(saved).toMatch(/^dmafuzz-failures\/rx-\d+\.json$/);
    expect(JSON.parse(readFileSync(join(cwd, saved), 'utf8')).execution.steps.length).toBeGreaterThan(0);
    const again = dmafuzz('check', 'bug.litmus', '--replay', saved);
    expect(again.code).toBe(1);
    expect(again.out).toContain('counterexample found in the replayed execution');
    // a second run never overwrites the first saved file
    dmafuzz('check', 'bug.litmus');
    expect(readdirSync(join(cwd, 'dmafuzz-failures')).filter((f) => f.startsWith('rx-')).length).toBeGreaterThanOrEqual(2);
  });

  test('--json: one object per file', () => {
    const r = dmafuzz('check', file('ok.litmus', OK), file('bug.litmus', BUG), file('bad.litmus', 'DMA bad\n'), '--json');
    expect(r.code).toBe(2);
    const objs = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(objs.map((o) => [o.file, o.verdict])).toEqual([['ok.litmus', 'ok'], ['bug.litmus', 'bug'], ['bad.litmus', 'error']]);
    expect(objs[0]).toMatchObject({ exhaustive: true, executions: expect.any(Number) });
    expect(objs[1].counterexample.ops.cpu0).toContain('r0 = *(u32 *)buf;');
    expect(objs[1].counterexample.events.some((e: { actor: string }) => e.actor === 'hardware')).toBe(true);
    expect(objs[1].counterexample.observations[0]).toMatchObject({ arm64: '0x00000000', ideal: '0x5a5a5a5a' });
    expect(objs[2].error).toMatch(/^bad\.litmus:2:1: missing memory block/);
  });

  test('--platform changes the verdict: bounced on 6.12, shared line on 6.1', () => {
    const shared = readFileSync(join(ROOT, 'scenarios/misaligned-from-device-6.1.litmus'), 'utf8');
    file('shared.litmus', shared);
    expect(dmafuzz('check', 'shared.litmus').code).toBe(1);
    expect(dmafuzz('check', 'shared.litmus', '--platform', 'kernel=6.12').code).toBe(0);
  });

  test('a directory: every *.litmus file in it', () => {
    const r = dmafuzz('check', join(ROOT, 'scenarios'), '--json');
    expect(r.code).toBe(1); // the scenarios include bugs
    const objs = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(objs.length).toBeGreaterThanOrEqual(20);
    // arm-model rows state herd7's verdict on the hardware alone (tests/arm-model.test.ts checks
    // them); their file verdict adds the contract checker's findings.
    for (const o of objs.filter((x: { file: string }) => !x.file.includes('/arm-model/'))) expect(o.verdict, o.file).toBe(o.expect);
  });

  test('no arguments: the built-in scenarios match their expectations', () => {
    const r = dmafuzz();
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\n\d+ scenarios: \d+ as expected\n$/);
  }, 60_000);
});
