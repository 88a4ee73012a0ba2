// Bad input in issue 8's syntax (registers, expressions, control flow, exists/forall): each is
// exactly one `file:line:col: message`, at the token to fix.

import { describe, expect, test } from 'vitest';
import { formatInputError, loadLitmus } from '../src/run/check-file.js';
import { parseLitmus } from '../src/litmus/parse.js';
import { LitmusError } from '../src/litmus/litmus-error.js';
import { GOOD } from './fixtures/good-rx.js';

const edit = (from: string, to: string) => {
  if (!GOOD.includes(from)) throw new Error(`test bug: '${from}' not in GOOD`);
  return GOOD.replace(from, to);
};

/** The parser's one line for a text; the tests below need no compile step. */
function parseError(text: string): string {
  try {
    parseLitmus(text);
  } catch (e) {
    if (e instanceof LitmusError) return e.format('t.litmus');
    throw e;
  }
  throw new Error('expected an error, but the file parsed');
}

describe('bad input in the new syntax: one line at the token to fix', () => {
  const cases: [string, string, string][] = [
    ['unknown register in exists', GOOD + 'exists (cpu0:r9 = 1);\n', "t.litmus:18:9: unknown register 'cpu0:r9': cpu0 never assigns 'r9' (did you mean 'r0'?)"],
    ['unknown thread in exists', GOOD + 'exists (cpu1:r0 = 1);\n', "t.litmus:18:9: unknown thread 'cpu1' (did you mean 'cpu0'?)"],
    ['a second condition', GOOD + 'exists (cpu0:r0 = 1)\nforall (cpu0:r0 = 1)\n', "t.litmus:19:1: a second condition: a test has one 'exists' or 'forall'"],
    ['threads after the condition', GOOD + 'exists (cpu0:r0 = 1)\ncpu c2 { mb(); }\n', "t.litmus:19:1: threads must come before the 'exists' condition"],
    ['a wide final memory in a condition', GOOD + 'forall (*(u8[16] *)buf = 0);\n', 't.litmus:18:9: final memory in a condition is a value of at most 8 bytes, not 16'],
    ['division', edit('r0 = *(u32 *)buf;', 'r0 = *(u32 *)buf / 3;'), 't.litmus:11:20: division is modelled only by a power of two (i % 64 is i & 63, i / 8 is i >> 3): a ring index wraps with & (size - 1)'],
    ['modulo', edit('r0 = *(u32 *)buf;', 'r0 = 1;\n  r0 = r0 % 6;'), 't.litmus:12:11: division is modelled only by a power of two (i % 64 is i & 63, i / 8 is i >> 3): a ring index wraps with & (size - 1)'],
    ['assignment to a handle', edit('r0 = *(u32 *)buf;', 'h = *(u32 *)buf;'), "t.litmus:11:3: assignment to a handle: 'h' is a DMA handle (dma_map_*() or dma_alloc_coherent() defines it); give the register another name"],
    ['assignment to a handle mapped later', edit('  writel(1, DOORBELL);', '  h2 = 0;\n  h2 = dma_map_single(dev, buf, 4, DMA_TO_DEVICE);\n  writel(1, DOORBELL);'), "t.litmus:8:3: assignment to a handle: 'h2' is a DMA handle (dma_map_*() or dma_alloc_coherent() defines it); give the register another name"],
    ['assignment to a buffer', edit('r0 = *(u32 *)buf;', 'buf = 1;'), "t.litmus:11:3: assignment to a buffer: 'buf' is declared memory; store to it with *(u32 *)buf = value;"],
    ['assignment to an MMIO register', edit('r0 = *(u32 *)buf;', 'DOORBELL = 1;'), 't.litmus:11:3: assignment to an MMIO register: write it with writel(value, DOORBELL);'],
    ['break outside a loop', edit('writel(1, DOORBELL);', 'break;'), "t.litmus:8:3: 'break' outside a loop"],
    ['continue outside a loop', edit('writel(1, DOORBELL);', 'if (1) continue;'), "t.litmus:8:10: 'continue' outside a loop"],
    ['use before assignment', edit('r0 = *(u32 *)buf;', 'r0 = len + 1;\n  len = 2;'), "t.litmus:11:8: register 'len' is used before it is assigned"],
    ['use before assignment in a loop', edit('r0 = *(u32 *)buf;', 'while (1) { if (st) break; st = READ_ONCE(*(u32 *)buf); }'), "t.litmus:11:19: register 'st' is used before it is assigned"],
    ['increment before assignment', edit('r0 = *(u32 *)buf;', 'i++;'), "t.litmus:11:3: register 'i' is used before it is assigned"],
    ['another thread\'s register', edit('dma_write(h, 4, 0x5a);', 'dma_write(h, 4, r0);'), "t.litmus:15:19: 'r0' is a register of cpu0: each thread has its own registers"],
    ['unknown name', edit('dma_write(h, 4, 0x5a);', 'dma_write(h, 4, DESC_DONE);'), "t.litmus:15:19: unknown name 'DESC_DONE': neither a register this thread assigns before using it nor a DMA handle"],
    ['a brace count that does not match the size', edit('dma_write(h, 4, 0x5a);', 'dma_write(h, 16, {1, 2, 3});'), 't.litmus:15:20: {...} holds 3 u64 values (24 bytes) but the access is 16 bytes: give one value per 8 bytes'],
    ['a computed value in braces', edit('r0 = *(u32 *)buf;', 'r0 = 1;\n  *(u8[16] *)buf = {r0, 2};'), 't.litmus:12:21: the values in {v0, v1} are numbers'],
    ['a wait loop reading two locations', edit('r0 = *(u32 *)buf;', 'while (READ_ONCE(*(u32 *)buf) != READ_ONCE(*(u32 *)(buf + 4))) cpu_relax();'), "t.litmus:11:10: a wait loop's condition reads exactly one location, found 2: while (READ_ONCE(*(u32 *)ptr) != value) cpu_relax(); (read the others into registers before the loop)"],
    ['a wait loop reading nothing', edit('r0 = *(u32 *)buf;', 'r0 = 1;\n  while (r0) cpu_relax();'), "t.litmus:12:10: a wait loop's condition reads exactly one location, found 0: while (READ_ONCE(*(u32 *)ptr) != value) cpu_relax(); (read the others into registers before the loop)"],
    ['a for condition reading memory', edit('r0 = *(u32 *)buf;', 'for (i = 0; i < READ_ONCE(*(u32 *)buf); i++) mb();'), "t.litmus:11:19: a for loop's condition and step read no memory: load in the body and break"],
    ['a for step on another register', edit('r0 = *(u32 *)buf;', 'for (i = 0; i < 2; j++) mb();'), "t.litmus:11:22: the step of this loop assigns 'i' (i++, i += n or i = ...)"],
    ['a device reading memory in an expression', edit('dma_write(h, 4, 0x5a);', 'x = *(u32 *)buf;'), "t.litmus:15:7: a device accesses memory through a DMA handle, not the buffer 'buf': r = dma_read(h + off, size); or *(u32 *)(h + off)"],
    ['a device spinning on cpu_relax', edit('dma_write(h, 4, 0x5a);', 'while (1) cpu_relax();'), 't.litmus:15:3: a device waits with dma_poll(ptr, size, value) or wait_doorbell(REG, value)'],
    ['a call inside an expression', edit('r0 = *(u32 *)buf;', 'r0 = writel(1, DOORBELL) & 1;'), 't.litmus:11:8: writel() cannot be used inside an expression: assign its result to a register first'],
    ['an MMIO register as a value', edit('r0 = *(u32 *)buf;', 'r0 = DOORBELL + 1;'), "t.litmus:11:8: 'DOORBELL' is an MMIO register: read it with r = readl(DOORBELL);"],
    ['a wide load read as a register', edit('r0 = *(u32 *)buf;', 'r0 = *(u8[16] *)buf;\n  r1 = r0;'), "t.litmus:11:3: 'r0' is read, but a register holds at most 8 bytes and this reads 16"],
    ['an unterminated block', edit('r0 = *(u32 *)buf;', 'if (1) {\n  mb();'), "t.litmus:6:10: unterminated block 'cpu cpu0': '{' has no closing '}'"],
    ['a buffer as a value', edit('r0 = *(u32 *)buf;', 'r0 = buf;'), "t.litmus:11:8: 'buf' is a buffer, not a value: its address is not a number the format computes with (a NULL check of an allocation can be left out: the model's allocations do not fail), and the device addresses it through its DMA handle"],
  ];
  for (const [kind, text, want] of cases) test(kind, () => expect(parseError(text)).toBe(want));

  test('deep nesting of blocks and long expressions are one line each, not a stack overflow', () => {
    const blocks = edit('r0 = *(u32 *)buf;', 'if (1) {'.repeat(10_000) + '}'.repeat(10_000));
    expect(parseError(blocks)).toMatch(/^t\.litmus:11:\d+: more than 63 nested blocks$/);
    const chain = edit('r0 = *(u32 *)buf;', 'r0 = 1;\n  r0 = r0' + ' + r0'.repeat(100_000) + ';');
    expect(parseError(chain)).toMatch(/^t\.litmus:12:\d+: expression more than 256 operators deep; split it with a register$/);
    const nots = edit('r0 = *(u32 *)buf;', 'r0 = 1;\n  r0 = ' + '!'.repeat(10_000) + 'r0;');
    expect(parseError(nots)).toMatch(/^t\.litmus:12:\d+: more than 63 nested parentheses, casts or calls$/);
  });

  test('through loadLitmus (what dmafuzz check runs), the same single line', () => {
    const r = loadLitmus('t.litmus', GOOD + 'exists (cpu0:r9 = 1);\n');
    expect('kind' in r && formatInputError(r)).toBe("t.litmus:18:9: unknown register 'cpu0:r9': cpu0 never assigns 'r9' (did you mean 'r0'?)");
  });
});
