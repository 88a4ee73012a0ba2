// `dmafuzz export --herd`: the cpu threads as an AArch64 herd7 test, instruction by instruction
// as the kernel emits them on arm64 (src/litmus/herd-export.ts).

import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../src/cli/main.js';
import { exportHerd } from '../src/litmus/herd-export.js';
import { parseLitmus } from '../src/litmus/parse.js';

const root = resolve(import.meta.dirname, '..');
const herdOf = (text: string) => exportHerd(parseLitmus(text).program);

function run(argv: string[]): { code: number; out: string; err: string } {
  let out = '', err = '';
  const code = main(argv, { out: (t) => { out += t + '\n'; }, err: (t) => { err += t + '\n'; } }) as number;
  return { code, out, err };
}

describe('export --herd', () => {
  test('a kernel MP test with release and acquire', () => {
    const r = run(['export', '--herd', resolve(root, 'tests/fixtures/lkmm/MP+pooncerelease+poacquireonce.litmus')]);
    expect(r.code).toBe(0);
    expect(r.out).toBe([
      'AArch64 MP+pooncerelease+poacquireonce',
      '"exported by dmafuzz from the cpu threads"',
      '{',
      '0:X1=x; 0:X2=y;',
      '1:X1=y; 1:X2=x;',
      '}',
      ' P0                   | P1                   ;',
      ' MOV W0,#1            | LDAR W10,[X1]        ;',
      ' STR W0,[X1]          | LDR W11,[X2]         ;',
      ' MOV W0,#1            |                      ;',
      ' STLR W0,[X2]         |                      ;',
      'exists ((1:X10=1 /\\ 1:X11=0))',
      '',
    ].join('\n'));
  });

  test('writel is DMB OSHST; STR from v5.4 and DSB ST; STR before; readl is LDR; DMB OSHLD', () => {
    const t = 'DMA d\n{ kmalloc b[64]; mmio DB; mmio ST; }\ncpu c { WRITE_ONCE(*(u32 *)b, 1); writel(1, DB); r = readl(ST); r2 = READ_ONCE(*(u32 *)b); }\n';
    expect(herdOf(t)).toMatch(/STR W0,\[X1\] +;\n DMB OSHST +;\n MOV W0,#1 +;\n STR W0,\[X2\] +;\n LDR W10,\[X3\] +;\n DMB OSHLD/);
    expect(herdOf(t.replace('{ kmalloc', 'platform { kernel = 5.3; }\n{ kmalloc'))).toContain(' DSB ST ');
    expect(herdOf(t.replace('writel(1, DB)', 'writel_relaxed(1, DB)'))).not.toContain('DMB OSHST');
  });

  test('barriers, atomics and a poll (one load and a filter)', () => {
    const t = 'DMA a\n{ kmalloc m[256]; field x[4] in m; field y[8] in m + 64; }\ncpu c { r = xchg(&x, 2); dma_wmb(); s = cmpxchg(&y, 0, 5); while (READ_ONCE(*(u32 *)x) != 1) cpu_relax(); }\n';
    const h = herdOf(t);
    expect(h).toContain('SWPAL W0,W10,[X1]');
    expect(h).toContain('DMB OSHST');
    expect(h).toContain('CASAL X11,X0,[X2]');
    expect(h).toContain('filter (0:X12=1)');
  });

  test('device threads and DMA API calls are named as left out', () => {
    const r = run(['export', '--herd', resolve(root, 'scenarios/arm-model/doorbell-writel.litmus')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('device threads not exported: dev; not in herd7: dma_alloc_coherent');
  });

  test('what herd7 cannot take is one line, exit 2', () => {
    const r = run(['export', '--herd', resolve(root, 'tests/fixtures/lkmm/LB+fencembonceonce+ctrlonceonce.litmus')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/LB\+fencembonceonce\+ctrlonceonce\.litmus: P0 op 2 \(if\): branches and loops are not exported/);
    expect(run(['export', 'x.litmus']).code).toBe(2);
  });
});
