// Malformed litmus files: each gives exactly one `file:line:col: message`, from the parser,
// makePlatform() (PlatformError) or compile() (ProgramError mapped back to the op's line).

import { describe, expect, test } from 'vitest';
import { formatInputError, loadLitmus } from '../src/run/check-file.js';
import { decodeLitmus, MAX_LITMUS_BYTES } from '../src/litmus/read-file.js';
import { LitmusError } from '../src/litmus/litmus-error.js';
import { GOOD } from './fixtures/good-rx.js';
import { parseLitmus } from '../src/litmus/parse.js';
import { compile } from '../src/exec/compile.js';
import { makePlatform } from '../src/platform/platform.js';
import { ProgramError } from '../src/program/program-error.js';


/** The one error line for a text, or fails the test when it loads. */
function errorOf(text: string): string {
  const r = loadLitmus('t.litmus', text);
  if (!('kind' in r)) throw new Error('expected an error, but the file loaded');
  return formatInputError(r);
}

const edit = (from: string, to: string) => {
  if (!GOOD.includes(from)) throw new Error(`test bug: '${from}' not in GOOD`);
  return GOOD.replace(from, to);
};

describe('malformed files give one line with file:line:col', () => {
  const cases: [string, string, RegExp][] = [
    ['bad token', edit('writel(1, DOORBELL);', 'writel(1, DOORBELL) $;'), /^t\.litmus:8:23: unexpected character '\$'$/],
    ['unknown function', edit('writel(1,', 'writl(1,'), /^t\.litmus:8:3: unknown function 'writl' \(did you mean 'writel'\?\)$/],
    ['unknown buffer', edit('r0 = *(u32 *)buf;', 'r0 = *(u32 *)bfu;'), /^t\.litmus:11:16: unknown buffer 'bfu' \(did you mean 'buf'\?\)$/],
    ['missing memory block', 'DMA x\ncpu cpu0 {\n  mb();\n}\n', /^t\.litmus:2:1: missing memory block '\{ \.\.\. \}' before 'cpu'/],
    ['no thread block', 'DMA x\n{\n  kmalloc buf[64];\n}\n', /^t\.litmus:5:1: no 'cpu' or 'device' block/],
    ['unterminated block', GOOD.slice(0, GOOD.lastIndexOf('}')), /^t\.litmus:13:12: unterminated block 'device dev'/],
    ['bad number', edit('kmalloc buf[64]', 'kmalloc buf[64k]'), /^t\.litmus:3:15: bad number '64k'$/],
    ['wrong argument count', edit('writel(1, DOORBELL)', 'writel(DOORBELL)'), /^t\.litmus:8:3: wrong number of arguments: writel takes 2 arguments \(value, REG\), found 1$/],
    ['unterminated comment', edit('{\n  kmalloc', '/* the buffers\n{\n  kmalloc'), /^t\.litmus:2:1: unterminated comment/],
    ['empty file', '', /^t\.litmus:1:1: empty file/],
    ['only comments', '// nothing here\n/* still nothing */\n', /^t\.litmus:3:1: empty file/],
    ['missing header', GOOD.replace('DMA rx\n', ''), /^t\.litmus:1:1: a litmus test starts with 'DMA <name>', found '\{'$/],
    ['missing name', GOOD.replace('DMA rx', 'DMA'), /^t\.litmus:1:1: missing test name after 'DMA'$/],
    ['unknown platform setting', edit('{\n  kmalloc', 'platform { lineSzie = 64; }\n{\n  kmalloc'), /^t\.litmus:2:12: unknown platform setting 'lineSzie' \(did you mean 'lineSize'\?\)/],
    ['impossible platform', edit('{\n  kmalloc', 'platform { lineSize = 128; cwg = 64; }\n{\n  kmalloc'), /^t\.litmus:2:28: impossible platform: cwg \(64\) smaller than lineSize \(128\)/],
    ['bad kernel version', edit('{\n  kmalloc', 'platform { kernel = latest; }\n{\n  kmalloc'), /^t\.litmus:2:12: impossible platform: kernel must look like 6\.12/],
    ['duplicate buffer', edit('  mmio DOORBELL;', '  stack buf[16];\n  mmio DOORBELL;'), /^t\.litmus:4:9: buffer 'buf' is already declared at line 3$/],
    ['duplicate thread', GOOD + 'cpu cpu0 {\n  mb();\n}\n', /^t\.litmus:18:5: thread 'cpu0' is already declared at line 6$/],
    ['unknown direction', edit('64, DMA_FROM_DEVICE);\n  writel', '64, DMA_FROM_DEV);\n  writel'), /^t\.litmus:7:36: expected DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL, found 'DMA_FROM_DEV' \(did you mean 'DMA_FROM_DEVICE'\?\)$/],
    ['unknown register', edit('writel(1, DOORBELL)', 'writel(1, DOORBEL)'), /^t\.litmus:8:13: unknown register 'DOORBEL' \(did you mean 'DOORBELL'\?\)$/],
    ['unknown DMA handle', edit('dma_write(h, 4', 'dma_write(hh, 4'), /^t\.litmus:15:13: unknown DMA handle 'hh'/],
    ['missing semicolon', edit('writel(1, DOORBELL);', 'writel(1, DOORBELL)'), /^t\.litmus:9:3: expected ';' at the end of the statement, found 'wait_for_irq'$/],
    ['device op in a cpu block', edit('writel(1, DOORBELL);', 'raise_irq(irq);'), /^t\.litmus:8:3: raise_irq\(\) is a device operation; it belongs in a 'device' block$/],
    ['access outside the buffer', edit('r0 = *(u32 *)buf;', 'r0 = *(u32 *)(buf + 62);'), /^t\.litmus:11:17: bytes 62\.\.65 are outside 'buf' \(size 64\)$/],
    ['field outside its struct', edit('  mmio DOORBELL;', '  field tail[8] in buf + 60;\n  mmio DOORBELL;'), /^t\.litmus:4:9: field 'tail' \(offset 60, size 8\) does not fit in 'buf' \(size 64\)$/],
    ['unknown type', edit('*(u32 *)buf', '*(float *)buf'), /^t\.litmus:11:10: unknown type 'float'/],
    ['value wider than its access', edit('0x5a', '0x1122334455667788'), /^t\.litmus:15:19: value 0x1122334455667788 does not fit in a 32-bit access \(at most 0xffffffff\)$/],
    ['bad expect', GOOD.replace('DMA rx\n', 'DMA rx\nexpect maybe\n'), /^t\.litmus:2:8: expect takes 'bug' or 'ok', not 'maybe'$/],
    ['no struct device', edit('dma_map_single(dev,', 'dma_map_single(,'), /^t\.litmus:7:22: expected the struct device \(dev\) as the first argument$/],
    ['unassigned handle', edit('h = dma_map_single', 'dma_map_single'), /^t\.litmus:7:3: the handle dma_map_single\(\) returns must be assigned/],
    ['sg entry not set', edit('h = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);', 'dma_map_sg(dev, h, 1, DMA_FROM_DEVICE);'), /^t\.litmus:7:19: h\[0\] is not set: call sg_set_buf/],
    ['coherent alloc of a kmalloc buffer', edit('h = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);', 'buf = dma_alloc_coherent(dev, 64, GFP_KERNEL);'), /^t\.litmus:7:3: 'buf' is not declared 'coherent'$/],
  ];
  test('at least 20 kinds', () => expect(cases.length).toBeGreaterThanOrEqual(20));
  for (const [kind, text, want] of cases) {
    test(kind, () => {
      const line = errorOf(text);
      expect(line).toMatch(want);
      expect(line).not.toContain('\n');
    });
  }
});

describe('compile() errors point at the op that caused them', () => {
  test('a DMA_BIT_MASK out of range is caught by the parser', () => {
    expect(errorOf(edit('  h = dma_map', '  dma_set_mask(dev, DMA_BIT_MASK(12));\n  h = dma_map'))).toMatch(/^t\.litmus:7:34: DMA_BIT_MASK\(12\)/);
  });
  test('layout errors from a --platform override land on the declaration', () => {
    const text = edit('kmalloc buf[64];', 'kmalloc buf[64];\n  kmalloc big[64] at 0x1000;');
    const r = loadLitmus('t.litmus', text, {});
    expect('kind' in r).toBe(false); // overlapping `at` is the user's choice, not an error
  });
  test('an impossible combination with --platform points at the file setting', () => {
    const r = loadLitmus('t.litmus', edit('{\n  kmalloc', 'platform { lineSize = 128; cwg = 128; }\n{\n  kmalloc'), { cwg: 64 });
    expect('kind' in r && formatInputError(r)).toMatch(/^t\.litmus:2:28: impossible platform with --platform cwg=64: cwg \(64\) smaller than lineSize \(128\)/);
  });
  test('the error carries its site as data; its message keeps the op for callers without a file', () => {
    const { program } = parseLitmus(GOOD);
    Object.assign(program.actors[0].ops[4], { off: 62 }); // past the parser's own check, as an API caller might
    let e: unknown;
    try { compile(program, makePlatform(program.platform)); } catch (x) { e = x; }
    expect(e).toBeInstanceOf(ProgramError);
    const pe = e as ProgramError;
    expect(pe.where).toEqual({ kind: 'op', actor: 'cpu0', op: 4, name: 'load' });
    expect(pe.text).toBe("bytes 62..65 are outside 'buf' (size 64)");
    expect(pe.message).toBe(`cpu0 op 5 (load): ${pe.text}`);
  });
  test('a default that clashes with a setting points at the setting', () => {
    expect(errorOf(edit('{\n  kmalloc', 'platform { lineSize = 128; }\n{\n  kmalloc'))).toMatch(/^t\.litmus:2:12: impossible platform: cwg \(64\) smaller than lineSize \(128\)/);
  });
});

describe('files that are not text', () => {
  test('binary data', () => {
    expect(() => decodeLitmus(new Uint8Array([0x44, 0x4d, 0x41, 0x0a, 0x00, 0xff]))).toThrow(LitmusError);
    try {
      decodeLitmus(new Uint8Array([0x44, 0x4d, 0x41, 0x0a, 0x41, 0x00]));
    } catch (e) {
      expect((e as LitmusError).format('b.litmus')).toBe('b.litmus:2:2: binary data: this is not a text file (a litmus test is UTF-8 text)');
    }
  });
  test('the size limit is 1 MiB', () => expect(MAX_LITMUS_BYTES).toBe(1 << 20));
});
