// Kernel behaviour by version, end to end (issue 7 points 7–9): the verdict a driver gets
// depends on the kernel it runs on, for the reason the kernel commit cited beside each case.

import { describe, expect, test } from 'vitest';
import { formatInputError, loadLitmus } from '../src/run/check-file.js';
import { compile, type Compiled } from '../src/exec/compile.js';
import { checkCompiled } from '../src/oracle/check.js';
import { judgeExecution } from '../src/oracle/oracle.js';
import { runModel } from '../src/model/machines.js';
import { makePlatform, PlatformError, type PlatformConfig } from '../src/platform/platform.js';
import {
  FROM_DEVICE, TO_DEVICE, cpu, device, dma_map_page, dma_map_sg, dma_map_single, dma_mapping_error, dma_unmap_sg, dma_read, dma_sync_single_for_cpu,
  dma_sync_single_range_for_cpu, dma_unmap_page, dma_unmap_single, dma_write, field, kmalloc, load, program, raise_irq, stack,
  store, vmalloc, wait_doorbell, wait_irq, writel,
} from '../src/program/build.js';
import { ProgramError } from '../src/program/program-error.js';
import type { Program } from '../src/program/types.js';
import { effectText } from '../src/report/trace-text.js';

const compiled = (p: Program, config: Partial<PlatformConfig> = {}): Compiled => compile(p, makePlatform(p.platform, config));
const verdict = (p: Program, config: Partial<PlatformConfig> = {}) => checkCompiled(compiled(p, config), { maxEvents: 1 }).verdict;

/** Receive into `kind` memory with dma_map_single (or dma_map_page), checking the mapping if asked. */
function rx(kind: 'stack' | 'vmalloc' | 'kmalloc', o: { checked?: boolean; page?: boolean } = {}): Program {
  const decl = { stack, vmalloc, kmalloc }[kind];
  const map = o.page ? dma_map_page : dma_map_single;
  const unmap = o.page ? dma_unmap_page : dma_unmap_single;
  return program(`rx-${kind}`, {
    buffers: [decl('buf', 64)],
    registers: ['DB'],
    actors: [
      cpu('cpu0', [map('h', 'buf', 0, 64, FROM_DEVICE), ...(o.checked ? [dma_mapping_error('h')] : []), writel('DB', 1), wait_irq(), unmap('h', 64, FROM_DEVICE), load('buf', 0, 4)]),
      device('dev', [wait_doorbell('DB', 1), dma_write('h', 0, 64, 0x5a), raise_irq()]),
    ],
  });
}

describe('point 7: on-stack buffers are vmalloc memory (CONFIG_VMAP_STACK)', () => {
  test('since 4544b9f25e70 (v5.5, 5.4.8) dma_map_single() of a stack buffer fails: checked, the driver bails out; unchecked, the device writes nowhere', () => {
    for (const kernel of ['6.12', '5.10', '5.4.8']) {
      expect(judgeExecution(compiled(rx('stack', { checked: true }), { kernel }), { steps: [] }), kernel).toMatchObject({ verdict: 'ok', reason: 'driver-bailed-out' });
      expect(verdict(rx('stack'), { kernel }), kernel).toBe('bug');
    }
  });

  test('with vmapStack = false the stack is linear-map memory and maps like kmalloc', () => {
    expect(verdict(rx('stack'), { vmapStack: false })).toBe('ok');
    expect(verdict(rx('kmalloc'))).toBe('ok');
  });

  test('before it (4.19, 5.3) the mapping "succeeds" with virt_to_page()\'s unrelated page: dma_mapping_error() passes, the device writes elsewhere', () => {
    for (const kind of ['stack', 'vmalloc'] as const) {
      for (const kernel of ['4.19', '5.3']) {
        const c = compiled(rx(kind, { checked: true }), { kernel });
        const effects = runModel(c, { steps: [] }, true).trace!.flatMap((t) => t.effects.map(effectText));
        const alias = kind === 'stack' ? '0x9000000' : '0x8000000';
        expect(effects, `${kind} ${kernel}`).toContain(`device is given ${alias} (virt_to_page() of vmalloc address: unrelated memory, not 'buf')`);
        expect(judgeExecution(c, { steps: [] }).verdict).toBe('bug');
      }
    }
  });

  test('…and its reads see unrelated bytes, not what the CPU wrote (TO_DEVICE on 4.19)', () => {
    const tx = program('tx-stack', {
      buffers: [stack('buf', 64)],
      registers: ['DB'],
      actors: [
        cpu('cpu0', [store('buf', 0, 4, 0x11223344), dma_map_single('h', 'buf', 0, 64, TO_DEVICE), dma_mapping_error('h'), writel('DB', 1), wait_irq(), dma_unmap_single('h', 64, TO_DEVICE)]),
        device('dev', [wait_doorbell('DB', 1), dma_read('h', 0, 4), raise_irq()]),
      ],
    });
    const v = judgeExecution(compiled(tx, { kernel: '4.19' }), { steps: [] });
    expect(v.verdict).toBe('bug');
    if (v.verdict === 'bug') expect(v.diff).toContainEqual({ what: 'dev op 2 (dma_read)', model: '0x00000000', ideal: '0x11223344' });
    expect(verdict(tx, { kernel: '4.19', vmapStack: false })).toBe('ok');
  });

  test('dma_map_page() has no vmalloc check: the page the driver hands over (vmalloc_to_page) maps correctly on every version', () => {
    for (const kernel of ['6.12', '4.19']) expect(verdict(rx('stack', { page: true, checked: true }), { kernel }), kernel).toBe('ok');
  });

  test('sg_set_buf() takes virt_to_page() and dma_map_sg() has no vmalloc check: the wrong page up to 5.3, refused from 5.4 (no RAM page there)', () => {
    const sgRx = program('sg-rx-stack', {
      buffers: [stack('buf', 64)],
      registers: ['DB'],
      actors: [
        cpu('cpu0', [dma_map_sg('h', [{ buf: 'buf', off: 0, size: 64 }], FROM_DEVICE), writel('DB', 1), wait_irq(), dma_unmap_sg('h', FROM_DEVICE), load('buf', 0, 4)]),
        device('dev', [wait_doorbell('DB', 1), dma_write('h', 0, 64, 0x5a, 0), raise_irq()]),
      ],
    });
    expect(verdict(sgRx, { kernel: '4.19' })).toBe('bug');
    expect(() => compiled(sgRx, { kernel: '6.12' })).toThrow(ProgramError);
    expect(() => compiled(sgRx, { kernel: '6.12' })).toThrow(/^cpu0 op 1 \(dma_map_sg\): sg_set_buf\(\) of vmalloc memory \('buf'\) is not modelled from 5\.4 on/);
    expect(verdict(sgRx, { kernel: '6.12', vmapStack: false })).toBe('ok');
  });

  test('5.4.0–5.4.7 (VA layout flipped by 14c127c957c1, no check yet) is refused for a program that maps vmalloc memory, with a PlatformError naming kernel', () => {
    expect(() => compiled(rx('stack'), { kernel: '5.4.7' })).toThrow(PlatformError);
    expect(() => compiled(rx('stack'), { kernel: '5.4.7' })).toThrow(/dma_map_single\(\) of vmalloc memory \('buf'\) is not modelled on 5\.4\.0–5\.4\.7/);
    expect(verdict(rx('kmalloc'), { kernel: '5.4' })).toBe('ok');
    expect(verdict(rx('stack', { page: true }), { kernel: '5.4' })).toBe('ok');
  });
});

/** c15: the CPU prepares the whole buffer, the device writes 4 bytes, the CPU reads bytes it did not write. */
const partialRx = program('partial-rx', {
  buffers: [kmalloc('buf', 64)],
  registers: ['DB'],
  actors: [
    cpu('cpu0', [store('buf', 0, 64, 0x33), dma_map_single('h', 'buf', 0, 64, FROM_DEVICE), writel('DB', 1), wait_irq(), dma_unmap_single('h', 64, FROM_DEVICE), load('buf', 4, 4)]),
    device('dev', [wait_doorbell('DB', 1), dma_write('h', 0, 4, 0x11223344), raise_irq()]),
  ],
});

describe('point 8: c50f11c6196f (clean, not invalidate, at map(FROM_DEVICE)) in every stable tree that has it', () => {
  test('5.18.6, 5.15.50, 5.10.125, 5.4.201 clean (ok); the release before each still invalidates (bug)', () => {
    for (const [before, after] of [['5.18.5', '5.18.6'], ['5.15.49', '5.15.50'], ['5.10.124', '5.10.125'], ['5.4.200', '5.4.201']]) {
      expect(verdict(partialRx, { kernel: before }), before).toBe('bug');
      expect(verdict(partialRx, { kernel: after }), after).toBe('ok');
    }
  });
});

describe('point 9: swiotlb by version', () => {
  test('before ddbd89deb7d3 (≤ 5.16) map(FROM_DEVICE) does not copy into the slot: bytes the device does not write come back as the slot\'s old contents', () => {
    // A snooping device, so that only the copies matter: on a non-coherent one, kernels before
    // c50f11c6196f invalidate the bounce lines at map and discard the copy again (dc ivac).
    const bounced = { swiotlb: 'force', deviceCoherent: true, declaredCoherent: true } as const;
    expect(verdict(partialRx, { kernel: '5.16', ...bounced })).toBe('bug');
    expect(verdict(partialRx, { kernel: '5.17', ...bounced })).toBe('ok'); // ddbd89deb7d3 copies every direction
    expect(verdict(partialRx, { kernel: '6.12', ...bounced })).toBe('ok'); // 901c7280ca0d
    expect(verdict(partialRx, { kernel: '5.17', swiotlb: 'force' })).toBe('bug'); // copied, then discarded by __dma_inv_area
    expect(verdict(partialRx, { kernel: '5.17', swiotlb: 'force', ivacUpgrade: true })).toBe('ok');
  });

  /** The device fills the second half of a 128-byte receive buffer; the driver syncs just that half. */
  const halfSync = program('half-sync', {
    buffers: [kmalloc('buf', 128)],
    registers: ['DB'],
    actors: [
      cpu('cpu0', [dma_map_single('h', 'buf', 0, 128, FROM_DEVICE), writel('DB', 1), wait_irq(), dma_sync_single_range_for_cpu('h', 64, 8, FROM_DEVICE), load('buf', 64, 4)]),
      device('dev', [wait_doorbell('DB', 1), dma_write('h', 64, 8, 0x01020304), raise_irq()]),
    ],
  });

  test('16fc3cef33a0 (5.12.0–5.12.13, 5.10.35–5.10.46): a partial sync at h + 64 copies the slot\'s bytes 64.. to the original\'s bytes 0..; fixed by 5f89468e2f06', () => {
    for (const kernel of ['5.12', '5.12.13', '5.10.35', '5.10.46']) {
      const c = compiled(halfSync, { kernel, swiotlb: 'force' });
      const effects = runModel(c, { steps: [] }, true).trace!.flatMap((t) => t.effects.map(effectText));
      expect(effects, kernel).toContain('swiotlb memcpy 0x200040 → 0x1000 (8 bytes)');
      expect(judgeExecution(c, { steps: [] }).verdict, kernel).toBe('bug');
    }
    for (const kernel of ['5.12.14', '5.10.47', '5.10.34', '5.14', '6.12']) expect(verdict(halfSync, { kernel, swiotlb: 'force' }), kernel).toBe('ok');
  });

  /** A driver syncs 128 bytes of a 64-byte mapping; the struct member after the buffer holds a counter. */
  const oversizeSync = program('oversize-sync', {
    buffers: [kmalloc('priv', 128), field('buf', 'priv', 0, 64), field('cnt', 'priv', 64, 4)],
    registers: ['DB'],
    actors: [
      cpu('cpu0', [store('cnt', 0, 4, 7), dma_map_single('h', 'buf', 0, 64, FROM_DEVICE), writel('DB', 1), wait_irq(), dma_sync_single_for_cpu('h', 128, FROM_DEVICE), load('cnt', 0, 4)]),
      device('dev', [wait_doorbell('DB', 1), dma_write('h', 0, 64, 0x5a), raise_irq()]),
    ],
  });

  test('daf9514fd5eb (v5.12): a sync larger than the mapping is clamped to the slot\'s alloc_size with a WARN, so the neighbour survives; before, it is copied over', () => {
    const c = compiled(oversizeSync, { kernel: '6.12', swiotlb: 'force' });
    expect(runModel(c, { steps: [] }, true).trace!.flatMap((t) => t.effects.map(effectText))).toContain('WARNING: swiotlb: Buffer overflow detected. Allocation size: 64. Mapping size: 128.');
    expect(verdict(oversizeSync, { kernel: '6.12', swiotlb: 'force' })).toBe('ok');
    expect(verdict(oversizeSync, { kernel: '5.12', swiotlb: 'force' })).toBe('ok');
    expect(verdict(oversizeSync, { kernel: '5.11', swiotlb: 'force' })).toBe('bug');
  });

  test('a stable release whose swiotlb backports the model does not know is refused for a program that can bounce, not treated as the nearest kernel', () => {
    expect(() => compiled(partialRx, { kernel: '5.10.125', swiotlb: 'force' })).toThrow(/swiotlb fixes 5\.10\.y/);
    expect(() => compiled(partialRx, { kernel: '6.1.50' })).toThrow(/does not know which DMA changes 6\.1\.y/);
    expect(verdict(partialRx, { kernel: '5.10.125' })).toBe('ok'); // nothing bounces: only c50f11c6196f matters
  });

  test('in a litmus file the refusal is one file:line:col line pointing at the kernel setting', () => {
    const text = `DMA t
platform { kernel = 5.10.125; swiotlb = force; }
{ kmalloc buf[64]; }
cpu cpu0 { h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE); }
device dev { r0 = dma_read(h, 4); }
`;
    const r = loadLitmus('t.litmus', text);
    expect('kind' in r && formatInputError(r)).toMatch(/^t\.litmus:2:12: .*kernel 5\.10\.125: the model does not know which swiotlb fixes 5\.10\.y/);
    expect('kind' in loadLitmus('t.litmus', text.replace('5.10.125', '5.10'))).toBe(false);
  });
});
