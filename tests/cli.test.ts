// `dmafuzz` and `dmafuzz check`: exit codes, one-line errors without stack traces, --json, saved
// counterexamples and --replay, --platform overrides. Behaviour runs through main() in this
// process; a few cases run the real process of the built CLI for what only a process shows: the
// bin wrapper through a symlink, exit statuses and streams, files whose read would hang or never
// end, permissions as another user, and mutants whose crash could escape main().

import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { builtinLitmusTexts, mutantArbitrary } from '../bench/mutate.js';
import { parseArgs } from '../src/cli/args.js';
import { builtBin, dmafuzzInProcess, dmafuzzProcess, type CliRun } from './cli-harness.js';

const ROOT = resolve(import.meta.dirname, '..');
let cwd: string;

beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'dmafuzz-cli-'));
});

/** `dmafuzz ...args` in this process, from the test directory. */
const dmafuzz = (...args: string[]) => dmafuzzInProcess(cwd, args);
/** The real process: a hang (a FIFO read on 4a798f5) or a runaway read (/dev/zero) fails the test, not stalls it. */
const dmafuzzReal = (...args: string[]) => dmafuzzProcess(cwd, args);

/** One line on stderr, exit 2, no stack trace, nothing on stdout. */
function expectOneLine(r: CliRun, want: RegExp | string) {
  expect(r.code, r.err).toBe(2);
  expect(r.err.endsWith('\n') && r.err.split('\n').length, r.err).toBe(2);
  if (typeof want === 'string') expect(r.err).toBe(want + '\n');
  else expect(r.err).toMatch(want);
  expect(r.out).toBe('');
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
    // registers, expressions, control flow and conditions (issue 8)
    ['exists-reg.litmus', OK + 'exists (cpu0:r9 = 1);\n', /^exists-reg\.litmus:19:9: unknown register 'cpu0:r9'/],
    ['division.litmus', OK.replace('r0 = *(u32 *)buf;', 'r0 = *(u32 *)buf / 3;'), /^division\.litmus:12:20: division is modelled only by a power of two/],
    ['handle-assign.litmus', OK.replace('r0 = *(u32 *)buf;', 'h = *(u32 *)buf;'), /^handle-assign\.litmus:12:3: assignment to a handle/],
    ['break.litmus', OK.replace('writel(1, DOORBELL);', 'break;'), /^break\.litmus:9:3: 'break' outside a loop/],
    ['use-before.litmus', OK.replace('r0 = *(u32 *)buf;', 'r0 = len + 1;\n  len = 2;'), /^use-before\.litmus:12:8: register 'len' is used before it is assigned/],
    ['braces.litmus', OK.replace('dma_write(h, 64, 0x5a);', 'dma_write(h, 16, {1, 2, 3});'), /^braces\.litmus:16:20: \{\.\.\.\} holds 3 u64 values \(24 bytes\) but the access is 16 bytes/],
  ];
  for (const [name, text, want] of cases) {
    test(name, async () => {
      writeFileSync(join(cwd, name), text);
      const r = await dmafuzz('check', name);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(want);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.out).toBe('');
    });
  }

  test('a huge file', async () => {
    writeFileSync(join(cwd, 'huge.litmus'), 'DMA huge\n' + '// padding\n'.repeat(200_000));
    const r = await dmafuzz('check', 'huge.litmus');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^huge\.litmus:1:1: file is \d+ bytes; a litmus test is at most 1048576 bytes/);
  });

  test('unknown option', async () => {
    const r = await dmafuzz('check', 'x.litmus', '--frobnicate');
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err).toBe("dmafuzz: unknown option '--frobnicate' (see dmafuzz --help)\n");
  });

  test('--unroll 0 and --unroll=many', async () => {
    expect(await dmafuzz('check', file('ok.litmus', OK), '--unroll', '0')).toMatchObject({ code: 2, out: '' });
    expect((await dmafuzz('check', 'ok.litmus', '--unroll', '0')).err).toMatch(/^dmafuzz: --unroll takes a whole number from 1 to 64, not '0'/);
    expect((await dmafuzz('check', 'ok.litmus', '--unroll=many')).err).toMatch(/^dmafuzz: --unroll takes a whole number from 1 to 64, not 'many'/);
  });

  test('bad --platform and missing files', async () => {
    expect(await dmafuzz('check', file('ok.litmus', OK), '--platform', 'cwg=32')).toMatchObject({ code: 2, err: '--platform cwg=32: cwg must be 64, 128 or 256, not 32\n'.replace(/^/, 'dmafuzz: ') });
    expect((await dmafuzz('check', 'ok.litmus', '--platform', 'colour=blue')).err).toMatch(/^dmafuzz: --platform colour=blue: unknown platform setting 'colour'/);
    expect(await dmafuzz('check', 'nope.litmus')).toMatchObject({ code: 2, err: 'dmafuzz: nope.litmus: no such file or directory\n' });
    expect((await dmafuzz('check')).code).toBe(2);
    expect((await dmafuzz('--runs', 'many')).err).toBe("dmafuzz: --runs takes a whole number from 1 to 1,000,000, not 'many'\n");
  });
});

describe('verdicts', () => {
  test('--help', async () => {
    const r = await dmafuzz('--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/dmafuzz check FILE\|DIR/);
  });

  test('ok: exit 0, one line saying how much was explored', async () => {
    const r = await dmafuzz('check', file('ok.litmus', OK));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok {4}ok\.litmus \(rx\): no counterexample in \d+ executions \(\d+ states\), exhaustive: every interleaving and CPU reordering with up to 2 fills\/evictions of \d+ lines?\n$/);
  });

  test('bug: exit 1, the explanation, and a saved execution that --replay reproduces', async () => {
    const r = await dmafuzz('check', file('bug.litmus', BUG));
    expect(r.code).toBe(1);
    expect(r.out).toContain('BUG   bug.litmus (rx): counterexample found by exhaustive search');
    expect(r.out).toContain('speculative fill of line 0x1000');
    expect(r.out).toContain('device writes memory at 0x1000');
    expect(r.out).toContain('cpu0: `r0 = *(u32 *)buf;`');
    expect(r.out).toMatch(/arm64: 0x00000000\n\s+ideal: 0x5a5a5a5a/);
    const saved = /--replay (\S+)/.exec(r.out)![1];
    expect(saved).toMatch(/^dmafuzz-failures\/rx-[0-9a-f]{12}\.json$/); // named by its content
    expect(JSON.parse(readFileSync(join(cwd, saved), 'utf8')).execution.steps.length).toBeGreaterThan(0);
    const again = await dmafuzz('check', 'bug.litmus', '--replay', saved);
    expect(again.code).toBe(1);
    expect(again.out).toContain('counterexample found in the replayed execution');
    // the same failure found again is the same file (tests/saved-failures.test.ts: a user's file under the name is kept)
    expect(/--replay (\S+)/.exec((await dmafuzz('check', 'bug.litmus')).out)![1]).toBe(saved);
    expect(readdirSync(join(cwd, 'dmafuzz-failures')).filter((f) => f.startsWith('rx-'))).toHaveLength(1);
  });

  test('--json: one object per file', async () => {
    const r = await dmafuzz('check', file('ok.litmus', OK), file('bug.litmus', BUG), file('bad.litmus', 'DMA bad\n'), '--json');
    expect(r.code).toBe(2);
    const objs = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(objs.map((o) => [o.file, o.verdict])).toEqual([['ok.litmus', 'ok'], ['bug.litmus', 'bug'], ['bad.litmus', 'error']]);
    expect(objs[0]).toMatchObject({ exhaustive: true, executions: expect.any(Number) });
    expect(objs[1].counterexample.ops.cpu0).toContain('r0 = *(u32 *)buf;');
    expect(objs[1].counterexample.events.some((e: { actor: string }) => e.actor === 'hardware')).toBe(true);
    expect(objs[1].counterexample.observations[0]).toMatchObject({ arm64: '0x00000000', ideal: '0x5a5a5a5a' });
    expect(objs[2].error).toMatch(/^bad\.litmus:2:1: missing memory block/);
  });

  test('--platform changes the verdict: bounced on 6.12, shared line on 6.1', async () => {
    const shared = readFileSync(join(ROOT, 'scenarios/misaligned-from-device-6.1.litmus'), 'utf8');
    file('shared.litmus', shared);
    expect((await dmafuzz('check', 'shared.litmus')).code).toBe(1);
    expect((await dmafuzz('check', 'shared.litmus', '--platform', 'kernel=6.12')).code).toBe(0);
  });

  // Every built-in scenario's verdict, as `dmafuzz check scenarios` and `dmafuzz` give it, is
  // tests/scenarios.test.ts (one run of the built-in job for the whole suite).
  test('a directory: every *.litmus file in it, subdirectories included, in name order; other files and hidden entries skipped', async () => {
    const dir = join(cwd, 'tree');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    mkdirSync(join(dir, '.hidden'));
    writeFileSync(join(dir, 'b-ok.litmus'), OK);
    writeFileSync(join(dir, 'a-bug.litmus'), BUG);
    writeFileSync(join(dir, 'sub', 'ok.litmus'), OK);
    writeFileSync(join(dir, '.hidden', 'bug.litmus'), BUG);
    writeFileSync(join(dir, '.tmp-bug.litmus'), BUG);
    writeFileSync(join(dir, 'notes.txt'), 'not a test');
    const r = await dmafuzz('check', 'tree', '--json', '--save-failures', 'none');
    expect(r.code).toBe(1);
    const objs = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(objs.map((o) => [o.file, o.verdict])).toEqual([['tree/a-bug.litmus', 'bug'], ['tree/b-ok.litmus', 'ok'], ['tree/sub/ok.litmus', 'ok']]);
  });

  test('no arguments is the built-in job (tests/scenarios.test.ts runs it)', () => {
    expect(parseArgs([])).toMatchObject({ command: 'builtin', paths: [], json: false });
  });
});

describe('the real process', () => {
  test('through a symlink, as npm installs the bin: exit 0, the verdict on stdout, nothing on stderr', () => {
    const link = join(cwd, 'dmafuzz-link');
    symlinkSync(builtBin(), link);
    file('ok.litmus', OK);
    const r = spawnSync(process.execPath, [link, 'check', 'ok.litmus'], { cwd, encoding: 'utf8', timeout: 50_000, killSignal: 'SIGKILL' });
    expect({ code: r.status, err: r.stderr }).toEqual({ code: 0, err: '' });
    expect(r.stdout).toMatch(/^ok {4}ok\.litmus \(rx\): no counterexample/);
  });

  test('a bug: exit 1, the report on stdout, nothing on stderr', () => {
    file('bug.litmus', BUG);
    const r = dmafuzzReal('check', 'bug.litmus', '--save-failures', 'none');
    expect({ code: r.code, err: r.err }).toEqual({ code: 1, err: '' });
    expect(r.out).toContain('BUG   bug.litmus (rx): counterexample found by exhaustive search');
  });
});

// Issue 12, the command-line and file side: each case failed on 4a798f5. Real processes: a read
// that hangs or never ends would stall the test runner in-process.
describe('files that are not readable litmus tests: one line, exit 2, never a hang', () => {
  test('a FIFO with no writer, named or found in a directory', () => {
    const dir = join(cwd, 'fifo-dir');
    mkdirSync(dir);
    execFileSync('mkfifo', [join(dir, 'pipe.litmus')]);
    expectOneLine(dmafuzzReal('check', 'fifo-dir/pipe.litmus'), 'fifo-dir/pipe.litmus:1:1: not a regular file (a FIFO); a litmus test is a regular file');
    writeFileSync(join(dir, 'ok.litmus'), OK);
    const r = dmafuzzReal('check', 'fifo-dir');
    expect(r.code).toBe(2); // the FIFO is reported, the other file still checked
    expect(r.err).toBe('fifo-dir/pipe.litmus:1:1: not a regular file (a FIFO); a litmus test is a regular file\n');
    expect(r.out).toMatch(/^ok {4}fifo-dir\/ok\.litmus/);
  });

  test('/dev/zero and /dev/urandom (size 0 by stat) are refused, not read until memory runs out', () => {
    expectOneLine(dmafuzzReal('check', '/dev/zero'), '/dev/zero:1:1: not a regular file (a character device); a litmus test is a regular file');
    expectOneLine(dmafuzzReal('check', '/dev/urandom'), /^\/dev\/urandom:1:1: not a regular file/);
    expectOneLine(dmafuzzReal('check', file('ok.litmus', OK), '--replay', '/dev/zero'), 'dmafuzz: --replay /dev/zero: not a regular file (a character device); a saved counterexample is a regular file');
  });

  test('a symlink loop is its own message, not "no such file"', async () => {
    symlinkSync('loop-b.litmus', join(cwd, 'loop-a.litmus'));
    symlinkSync('loop-a.litmus', join(cwd, 'loop-b.litmus'));
    expectOneLine(await dmafuzz('check', 'loop-a.litmus'), 'dmafuzz: loop-a.litmus: cannot read: too many levels of symbolic links (a symlink loop?)');
  });

  test('a file name with a newline stays on one line, quoted', async () => {
    writeFileSync(join(cwd, 'two\nlines.litmus'), 'DMA x\n');
    expectOneLine(await dmafuzz('check', 'two\nlines.litmus'), /^"two\\nlines\.litmus":2:1: missing memory block/);
    const ok = await dmafuzz('check', file('ok\nname.litmus', OK));
    expect(ok.code).toBe(0);
    expect(ok.out.trim().split('\n')).toHaveLength(1);
    expect(ok.out).toMatch(/^ok {4}"ok\\nname\.litmus" \(rx\)/);
  });

  test('an unreadable file: "cannot read: permission denied" (run as nobody: root reads anything)', (ctx) => {
    const BIN = builtBin();
    const dir = join(cwd, 'perm');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'secret.litmus'), OK);
    chmodSync(join(dir, 'secret.litmus'), 0o000);
    // root bypasses permission bits, so drop to nobody with util-linux setpriv
    const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath];
    if (process.getuid?.() === 0) {
      // nobody must be able to run the CLI at all: a checkout under /root (mode 700) is out of its reach
      const probe = spawnSync(asUser[0], [...asUser.slice(1), BIN, '--help'], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
      expect(probe.error, 'setpriv is needed to test EACCES as root').toBeUndefined();
      if (probe.status !== 0) {
        ctx.skip(`skipped: as root, this test runs the CLI as nobody (uid 65534), who cannot run ${BIN} here (${probe.stderr.trim().split('\n').find((l) => /EACCES|denied|Cannot find/i.test(l)) ?? `exit ${probe.status}`}); to run it, put the checkout where user nobody can enter, or run npm test as a user other than root`);
        return;
      }
    }
    const r = spawnSync(asUser[0], [...asUser.slice(1), BIN, 'check', 'secret.litmus'], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
    expect(r.error, 'setpriv is needed to test EACCES as root').toBeUndefined();
    expect({ code: r.status, err: r.stderr, out: r.stdout }).toEqual({ code: 2, err: 'secret.litmus:1:1: cannot read: permission denied\n', out: '' });
  });
});

describe('options: every form the usage text shows, with stated limits', () => {
  test('--platform keys as the docs spell them, digits included', async () => {
    expect((await dmafuzz('check', file('ok.litmus', OK), '--platform', 'a53CleanUpgrade=true')).code).toBe(0);
    expectOneLine(await dmafuzz('check', 'ok.litmus', '--platform', 'linesize=128'), /^dmafuzz: --platform linesize=128: unknown platform setting 'linesize' \(did you mean 'lineSize'\?\)/);
  });

  test('overrides are validated together, in any order, and with the file\'s own platform { }', async () => {
    file('ok.litmus', OK);
    expect((await dmafuzz('check', 'ok.litmus', '--platform', 'lineSize=128', '--platform', 'cwg=128')).code).toBe(0);
    expect((await dmafuzz('check', 'ok.litmus', '--platform', 'cwg=128', '--platform', 'lineSize=128')).code).toBe(0);
    file('cwg128.litmus', OK.replace('{\n  kmalloc', 'platform { cwg = 128; }\n{\n  kmalloc'));
    expect((await dmafuzz('check', 'cwg128.litmus', '--platform', 'lineSize=128')).code).toBe(0);
    file('line128.litmus', OK.replace('{\n  kmalloc', 'platform { lineSize = 128; }\n{\n  kmalloc'));
    expect((await dmafuzz('check', 'line128.litmus', '--platform', 'cwg=256')).code).toBe(0);
    // an impossible merge is the file's one line and names the override
    expectOneLine(await dmafuzz('check', 'ok.litmus', '--platform', 'lineSize=128'), 'ok.litmus:1:1: impossible platform with --platform lineSize=128: cwg (64) smaller than lineSize (128): CTR_EL0.CWG is the largest line');
    expectOneLine(await dmafuzz('check', 'cwg128.litmus', '--platform', 'cwg=64', '--platform', 'lineSize=128'), /^cwg128\.litmus:2:12: impossible platform with --platform cwg=64: cwg \(64\) smaller than lineSize \(128\)/);
  });

  test('--opt=value forms: --platform=kernel=5.15, --runs=5, and -- before a name starting with -', async () => {
    file('shared.litmus', readFileSync(join(ROOT, 'scenarios/misaligned-from-device-6.1.litmus'), 'utf8'));
    expect((await dmafuzz('check', 'shared.litmus', '--platform=kernel=6.12', '--runs=5', '--seed=3', '--max-states=500', '--max-events=1')).code).toBe(0);
    expect((await dmafuzz('check', 'shared.litmus', '--platform=kernel=5.15')).code).toBe(1);
    file('-dash.litmus', OK);
    expect((await dmafuzz('check', '--json', '--', '-dash.litmus')).code).toBe(0);
  });

  test.each([
    [['check', 'ok.litmus', '--runs', '1000000000000'], "dmafuzz: --runs takes a whole number from 1 to 1,000,000 (about 20 minutes of random search; use several --seed values for more), not '1000000000000'"],
    [['check', 'ok.litmus', '--max-states', '99999999'], "dmafuzz: --max-states takes a whole number from 1 to 1,000,000 (every explored state is kept in memory), not '99999999'"],
    [['check', 'ok.litmus', '--max-events=100'], "dmafuzz: --max-events takes a whole number from 0 to 16 (each level multiplies the states; beyond 16 every search gives up at --max-states), not '100'"],
    [['check', 'ok.litmus', '--seed', '4294967296'], "dmafuzz: --seed takes a whole number from 0 to 4,294,967,295 (seeds are 32-bit: a larger one would repeat a smaller seed's run), not '4294967296'"],
    [['fuzz', '--minutes', '-1'], "dmafuzz: --minutes takes a whole number from 0 to 1,440, not '-1'"],
    [['--platform', 'kernel=5.15'], "dmafuzz: --platform applies to 'dmafuzz check FILE'"],
  ])('%j is refused on one line', async (argv, message) => {
    file('ok.litmus', OK);
    expectOneLine(await dmafuzz(...argv), message);
  });

  test('--help documents exit status 4 and the limits', async () => {
    const r = await dmafuzz('--help');
    expect(r.out).toMatch(/4 internal error: a bug in dmafuzz itself/);
    expect(r.out).toMatch(/--runs N .*\n.*1–1,000,000/);
  });
});

describe('compile-time errors are input errors, not crashes', () => {
  test('a platform conflict found while compiling: one line, exit 2, and a JSON object', async () => {
    file('p128.litmus', OK.replace('{\n  kmalloc', 'platform { lineSize = 128; cwg = 128; }\n{\n  kmalloc'));
    expectOneLine(await dmafuzz('check', 'p128.litmus', '--platform', 'cwg=64'), /^p128\.litmus:2:28: impossible platform with --platform cwg=64: cwg \(64\) smaller than lineSize \(128\)/);
    const r = await dmafuzz('check', 'p128.litmus', '--platform', 'cwg=64', '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toMatchObject({ file: 'p128.litmus', verdict: 'error', line: 2, col: 28 });
  });
});

// One real process for all of them: a crash that escaped main() would show only there.
test('a handful of mutants through the real process: a verdict or one clean line each (tests/mutants.test.ts runs many in-process)', () => {
  const mutants = fc.sample(mutantArbitrary(builtinLitmusTexts(ROOT)), { seed: 5, numRuns: 6 });
  const names = mutants.map((m, i) => {
    writeFileSync(join(cwd, `mutant-${i}.litmus`), m.bytes);
    return `mutant-${i}.litmus`;
  });
  const r = dmafuzzReal('check', ...names, '--json', '--runs', '10', '--max-states', '300', '--max-events', '1');
  const what = (i: number) => `${mutants[i].from}: ${mutants[i].ops.join('; ')}`;
  const objs = r.out.trim().split('\n').map((l) => JSON.parse(l) as { file: string; verdict: string; error?: string });
  expect(objs.map((o) => o.file)).toEqual(names);
  const errors = objs.filter((o) => o.verdict === 'error');
  for (const [i, o] of objs.entries()) expect(['ok', 'bug', 'inconclusive', 'error'], what(i)).toContain(o.verdict);
  // stderr: exactly the one line of each input error, nothing else (no stack trace)
  expect(r.err, r.err).toBe(errors.map((o) => `${o.error}\n`).join(''));
  // the exit status is the worst outcome: bad input, then a bug, then inconclusive
  const verdicts = objs.map((o) => o.verdict);
  expect(r.code).toBe(verdicts.includes('error') ? 2 : verdicts.includes('bug') ? 1 : verdicts.includes('inconclusive') ? 3 : 0);
});
