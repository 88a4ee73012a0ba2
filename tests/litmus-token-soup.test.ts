// Token soup of the new syntax after a valid prefix: the parser either gives a program, which
// prints and parses back to itself, or throws one LitmusError (never a TypeError, never a stack
// overflow), whatever the order of the tokens.

import fc from 'fast-check';
import { expect, test } from 'vitest';
import { parseLitmus } from '../src/litmus/parse.js';
import { LitmusError } from '../src/litmus/litmus-error.js';
import { printLitmus } from '../src/litmus/print.js';
import { isDeepStrictEqual } from 'node:util';
const WORDS = ['if', 'else', 'while', 'for', 'break', 'continue', 'cpu_relax', '(', ')', '{', '}', ';', '=', '==', '+', '-', '*', '&', '|', '^', '~', '!', '<<', '>>', '<', '<=', '&&', '||', '++', '+=', '/', '%', ':', ',', '/\\', '\\/', 'i', 'r', 'h', 'ring', 'buf', 'READ_ONCE', '*(u32 *)', '*(u8[16] *)', 'dma_read', 'dma_write', 'exists', 'forall', 'cpu0:r', '1', '0x80000000', 'le32_to_cpu', 'writel', 'DB', '[', ']', 'h + 4'];
const head = 'DMA f\n{ coherent ring[4096]; kmalloc buf[64]; mmio DB; }\ncpu cpu0 {\n ring = dma_alloc_coherent(dev, 4096, GFP_KERNEL);\n h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);\n r = 1;\n';
test('token soup: a program or one LitmusError', () => {
  let ok = 0;
  fc.assert(fc.property(fc.array(fc.constantFrom(...WORDS), { maxLength: 40 }), fc.array(fc.constantFrom(...WORDS), { maxLength: 20 }), (a, b) => {
    const text = head + a.join(' ') + '\n}\ndevice d {\n a = dma_read(h, 4);\n' + b.join(' ') + '\n}\n' + (b.length % 2 ? 'exists (cpu0:r = 1)' : '');
    let p; try { p = parseLitmus(text).program; ok++; } catch (e) { if (!(e instanceof LitmusError)) throw e; return; }
    const printed = printLitmus(p);
    let q; try { q = parseLitmus(printed).program; } catch (e) { throw new Error(`${String(e)}\n${text}\n---\n${printed}`); }
    if (!isDeepStrictEqual(q, p)) throw new Error(`differs:\n${text}\n---\n${printed}`);
  }), { seed: 3, numRuns: 4000 });
  expect(ok).toBeGreaterThan(10); // the property saw real programs, not only errors
});
