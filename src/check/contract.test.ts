// Each dma-debug check the model supports prints the kernel's exact message (kernel/dma/debug.c),
// each ownership and barrier rule fires on its violation and stays silent on the correct form.

import { describe, expect, test } from 'vitest';
import { compile } from '../exec/compile.js';
import { makePlatform, type PlatformConfig } from '../platform/platform.js';
import {
  BIDIRECTIONAL, FROM_DEVICE, TO_DEVICE, coherent, cpu, device, dma_alloc_coherent, dma_free_coherent, dma_map_page, dma_map_sg,
  dma_map_single, dma_mapping_error, dma_poll, dma_read, dma_rmb, dma_sync_single_for_cpu, dma_sync_single_for_device,
  dma_unmap_sg, dma_unmap_single, dma_wmb, dma_write, barrier, field, kmalloc, load, poll, program, raise_irq, stack, store,
  vmalloc, wait_doorbell, wait_irq, writel, writel_relaxed,
} from '../program/build.js';
import type { CpuOp, DeviceOp, Program } from '../program/types.js';
import { checkContract } from './explore-contract.js';
import { judgeFindings } from './judge-findings.js';

const DB = 'DB';

/** One CPU thread and a device that waits for the doorbell, then does `dev`. */
function prog(cpuOps: CpuOp[], dev: DeviceOp[], buffers = [kmalloc('buf', 128)], platform?: Partial<PlatformConfig>): Program {
  return program('t', { platform, buffers, registers: [DB], actors: [cpu('cpu0', cpuOps), device('dev', [wait_doorbell(DB, 1), ...dev, raise_irq()])] });
}

function findings(p: Program) {
  const r = checkContract(compile(p, makePlatform(p.platform)));
  expect(r.complete).toBe(true);
  return r.findings;
}

const errors = (p: Program) => findings(p).filter((f) => f.severity === 'error');
const messages = (p: Program) => errors(p).map((f) => f.message);

const map = (dir = FROM_DEVICE, size = 64) => [dma_map_single('h', 'buf', 0, size, dir), dma_mapping_error('h')];
const rxDev = [dma_write('h', 0, 4, 0x11)];

describe('dma-debug: check_unmap()', () => {
  test('a correct RX transfer has no finding at all', () => {
    expect(findings(prog([...map(), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, FROM_DEVICE), load('buf', 0, 4)], rxDev))).toEqual([]);
  });
  test('unmap with another size', () => {
    expect(messages(prog([...map(), writel(DB, 1), wait_irq(), dma_unmap_single('h', 32, FROM_DEVICE)], rxDev))).toEqual([
      'device driver frees DMA memory with different size [device address=0x0000000000001000] [map size=64 bytes] [unmap size=32 bytes]',
    ]);
  });
  test('unmap with another direction', () => {
    expect(messages(prog([...map(), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, BIDIRECTIONAL)], rxDev))).toEqual([
      'device driver frees DMA memory with different direction [device address=0x0000000000001000] [size=64 bytes] [mapped with DMA_FROM_DEVICE] [unmapped with DMA_BIDIRECTIONAL]',
    ]);
  });
  test('unmap with the wrong function: a coherent allocation freed with dma_unmap_single', () => {
    const p = prog([dma_alloc_coherent('ring'), writel(DB, 1), wait_irq(), dma_unmap_single('ring', 4096, BIDIRECTIONAL)], [dma_write('ring', 0, 4, 1)], [coherent('ring', 4096)]);
    expect(messages(p)).toEqual(['device driver frees DMA memory with wrong function [device address=0x0000000000100000] [size=4096 bytes] [mapped as coherent] [unmapped as single]']);
  });
  test('a mapping never checked with dma_mapping_error()', () => {
    const p = prog([dma_map_single('h', 'buf', 0, 64, FROM_DEVICE), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, FROM_DEVICE)], rxDev);
    expect(errors(p).map((f) => f.rule)).toEqual(['contract/unchecked-mapping-used', 'dma-debug/failed-to-check-map-error']);
    expect(messages(p)[1]).toBe('device driver failed to check map error[device address=0x0000000000001000] [size=64 bytes] [mapped as single]');
  });
  test('unmapping twice', () => {
    expect(messages(prog([...map(), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, FROM_DEVICE), dma_unmap_single('h', 64, FROM_DEVICE)], rxDev))).toEqual([
      'device driver tries to free DMA memory it has not allocated [device address=0x0000000000001000] [size=64 bytes]',
    ]);
  });
  test('unmapping a failed mapping (vmalloc memory on 6.12)', () => {
    const p = prog([dma_map_single('h', 'buf', 0, 64, FROM_DEVICE), dma_unmap_single('h', 64, FROM_DEVICE)], [], [vmalloc('buf', 64)]);
    expect(messages(p)).toEqual(['rejecting DMA map of vmalloc memory', 'device driver tries to free an invalid DMA memory address']);
  });
  test('an sg list unmapped per segment; a coherent buffer freed with dma_free_coherent: no finding', () => {
    const sg = prog([dma_map_sg('sgl', [{ buf: 'buf', off: 0, size: 64 }, { buf: 'buf', off: 64, size: 64 }], FROM_DEVICE), writel(DB, 1), wait_irq(), dma_unmap_sg('sgl', FROM_DEVICE)], [dma_write('sgl', 0, 4, 1, 1)]);
    expect(findings(sg)).toEqual([]);
    const coh = prog([dma_alloc_coherent('ring'), writel(DB, 1), wait_irq(), dma_free_coherent('ring')], [dma_write('ring', 0, 4, 1)], [coherent('ring', 4096)]);
    expect(findings(coh)).toEqual([]);
  });
});

describe('dma-debug: check_sync()', () => {
  const rx = (sync: CpuOp) => prog([...map(), writel(DB, 1), wait_irq(), sync, load('buf', 0, 4), dma_unmap_single('h', 64, FROM_DEVICE)], rxDev);
  test('sync with another direction (also "device read-only for cpu")', () => {
    expect(messages(rx(dma_sync_single_for_cpu('h', 64, BIDIRECTIONAL)))).toEqual([
      'device driver syncs DMA memory with different direction [device address=0x0000000000001000] [size=64 bytes] [mapped with DMA_FROM_DEVICE] [synced with DMA_BIDIRECTIONAL]',
    ]);
    const tx = prog([store('buf', 0, 4, 1), ...map(TO_DEVICE), dma_sync_single_for_cpu('h', 64, FROM_DEVICE), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, TO_DEVICE)], [dma_read('h', 0, 4)]);
    expect(messages(tx)).toEqual([
      'device driver syncs DMA memory with different direction [device address=0x0000000000001000] [size=64 bytes] [mapped with DMA_TO_DEVICE] [synced with DMA_FROM_DEVICE]',
      'device driver syncs device read-only DMA memory for cpu [device address=0x0000000000001000] [size=64 bytes] [mapped with DMA_TO_DEVICE] [synced with DMA_FROM_DEVICE]',
    ]);
  });
  test('sync for device of a FROM_DEVICE mapping with DMA_TO_DEVICE: "write-only DMA memory to device"', () => {
    const p = prog([...map(), dma_sync_single_for_device('h', 64, TO_DEVICE), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, FROM_DEVICE)], rxDev);
    expect(messages(p)).toContain('device driver syncs device write-only DMA memory to device [device address=0x0000000000001000] [size=64 bytes] [mapped with DMA_FROM_DEVICE] [synced with DMA_TO_DEVICE]');
  });
  test('sync after unmap, and a sync past the end of the mapping', () => {
    expect(messages(prog([...map(), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, FROM_DEVICE), dma_sync_single_for_cpu('h', 64, FROM_DEVICE)], rxDev))).toEqual([
      'device driver tries to sync DMA memory it has not allocated [device address=0x0000000000001000] [size=64 bytes]',
    ]);
    expect(messages(rx(dma_sync_single_for_cpu('h', 128, FROM_DEVICE)))).toContain('device driver tries to sync DMA memory it has not allocated [device address=0x0000000000001000] [size=128 bytes]');
  });
});

describe('dma-debug: what map checks', () => {
  test('two live FROM_DEVICE mappings starting in one cacheline', () => {
    const p = program('t', {
      platform: { kernel: '6.1' },
      buffers: [kmalloc('buf', 128)], registers: [DB],
      actors: [
        cpu('cpu0', [dma_map_single('a', 'buf', 0, 32, FROM_DEVICE), dma_mapping_error('a'), dma_map_single('b', 'buf', 32, 32, FROM_DEVICE), dma_mapping_error('b'), writel(DB, 1), wait_irq(), dma_unmap_single('a', 32, FROM_DEVICE), dma_unmap_single('b', 32, FROM_DEVICE)]),
        device('dev', [wait_doorbell(DB, 1), dma_write('a', 0, 4, 1), dma_write('b', 0, 4, 2), raise_irq()]),
      ],
    });
    expect(messages(p)).toEqual(["cacheline tracking EEXIST, overlapping mappings aren't supported"]);
  });
  test('the same on a dma-coherent device (nothing bounces): quiet from 03521c892bb8 while swiotlb is active', () => {
    const p = (platform: Partial<PlatformConfig>) => program('t', {
      platform: { deviceCoherent: true, declaredCoherent: true, ...platform },
      buffers: [kmalloc('buf', 128)], registers: [DB],
      actors: [
        cpu('cpu0', [dma_map_single('a', 'buf', 0, 32, FROM_DEVICE), dma_mapping_error('a'), dma_map_single('b', 'buf', 32, 32, FROM_DEVICE), dma_mapping_error('b'), writel(DB, 1), wait_irq(), dma_unmap_single('a', 32, FROM_DEVICE), dma_unmap_single('b', 32, FROM_DEVICE)]),
        device('dev', [wait_doorbell(DB, 1), dma_write('a', 0, 4, 1), dma_write('b', 0, 4, 2), raise_irq()]),
      ],
    });
    const overlap = (platform: Partial<PlatformConfig>) => findings(p(platform)).filter((f) => f.rule === 'dma-debug/cacheline-overlap').map((f) => [f.severity, f.note?.match(/03521c892bb8/)?.[0]]);
    for (const kernel of ['6.12', '6.12.55', '6.6', '6.17.5']) expect(overlap({ kernel }), kernel).toEqual([['error', undefined]]);
    for (const kernel of ['6.12.56', '6.6.115', '6.17.6', '6.18']) expect(overlap({ kernel }), kernel).toEqual([['warning', '03521c892bb8']]);
    expect(overlap({ kernel: '6.18', swiotlb: 'absent' })).toEqual([['error', undefined]]); // no pool: is_swiotlb_active() is false
    // the error's witness tells a reader on a newer stable kernel why their dmesg stays quiet (from 6.5, where the fix applies)
    const witness = (kernel: string) => {
      const c = compile(p({ kernel }), makePlatform(p({ kernel }).platform));
      return judgeFindings(checkContract(c).findings.filter((f) => f.rule === 'dma-debug/cacheline-overlap').map((finding) => ({ finding, path: c })), undefined)[0].witness?.text;
    };
    expect(witness('6.12')).toContain('6.12.56 and 6.6.115 print nothing here while swiotlb is active: 03521c892bb8');
    expect(witness('6.1')).toBe("DMA-API: cacheline tracking EEXIST, overlapping mappings aren't supported");
  });
  test('stack memory: rejected from v5.5 (vmapped stack, 4544b9f25e70), reported by dma-debug before', () => {
    const p = (kernel: string) => prog([dma_map_single('h', 'buf', 0, 64, FROM_DEVICE), dma_mapping_error('h')], [], [stack('buf', 64)], { kernel });
    expect(messages(p('6.12'))).toEqual(['rejecting DMA map of vmalloc memory']);
    expect(messages(p('4.19'))[0]).toMatch(/^device driver maps memory from vmalloc area \[addr=[0-9a-f]{16}\] \[len=64\]$/);
    const page = prog([dma_map_page('h', 'buf', 0, 64, FROM_DEVICE), dma_mapping_error('h')], [], [stack('buf', 64)]);
    expect(messages(page)[0]).toMatch(/^device driver maps memory from stack \[probable addr=[0-9a-f]{16}\]$/);
  });
  test('pending mappings at the end are a warning, never an error', () => {
    const f = findings(prog([...map(), writel(DB, 1), wait_irq(), dma_sync_single_for_cpu('h', 64, FROM_DEVICE), load('buf', 0, 4)], rxDev));
    expect(f.map((x) => [x.severity, x.rule])).toEqual([['warning', 'dma-debug/pending-allocations']]);
    expect(f[0].message).toBe('device driver has pending DMA allocations while released from device [count=1] One of leaked entries details: [device address=0x0000000000001000] [size=64 bytes] [mapped with DMA_FROM_DEVICE] [mapped as single]');
  });
});

describe('ownership (dma-api.rst)', () => {
  const rules = (p: Program) => errors(p).map((f) => f.rule);
  test('reading a FROM_DEVICE buffer before sync_for_cpu; after it, fine', () => {
    expect(rules(prog([...map(), writel(DB, 1), wait_irq(), load('buf', 0, 4), dma_unmap_single('h', 64, FROM_DEVICE)], rxDev))).toEqual(['ownership/cpu-reads-device-owned']);
  });
  test('writing a TO_DEVICE buffer after map, and fixing it with a sync pair', () => {
    const bad = prog([...map(TO_DEVICE), store('buf', 0, 4, 7), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, TO_DEVICE)], [dma_read('h', 0, 4)]);
    expect(rules(bad)).toEqual(['ownership/device-sees-unsynced-cpu-write']);
    expect(findings(bad).find((f) => f.rule === 'ownership/cpu-writes-device-owned')?.severity).toBe('warning');
    const syncedAfter = prog([...map(TO_DEVICE), store('buf', 0, 4, 7), dma_sync_single_for_device('h', 64, TO_DEVICE), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, TO_DEVICE)], [dma_read('h', 0, 4)]);
    expect(rules(syncedAfter)).toEqual([]); // only the warning: sync_for_cpu(DMA_TO_DEVICE) is a no-op
    const good = prog([...map(TO_DEVICE), dma_sync_single_for_cpu('h', 64, TO_DEVICE), store('buf', 0, 4, 7), dma_sync_single_for_device('h', 64, TO_DEVICE), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, TO_DEVICE)], [dma_read('h', 0, 4)]);
    expect(rules(good)).toEqual([]);
    const noSyncBack = prog([...map(TO_DEVICE), dma_sync_single_for_cpu('h', 64, TO_DEVICE), store('buf', 0, 4, 7), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, TO_DEVICE)], [dma_read('h', 0, 4)]);
    expect(rules(noSyncBack)).toEqual(['ownership/device-sees-unsynced-cpu-write']);
  });
  test('a CPU store next to a FROM_DEVICE buffer in its cache line, at the platform CWG', () => {
    const p = (cwg: 64 | 128) => program('t', {
      platform: { kernel: '6.1', cwg },
      buffers: [kmalloc('priv', 256), field('counter', 'priv', 0, 4), field('rx', 'priv', 64, 64)], registers: [DB],
      actors: [
        cpu('cpu0', [dma_map_single('h', 'rx', 0, 64, FROM_DEVICE), dma_mapping_error('h'), writel(DB, 1), store('counter', 0, 4, 1), wait_irq(), dma_unmap_single('h', 64, FROM_DEVICE)]),
        device('dev', [wait_doorbell(DB, 1), dma_write('h', 0, 4, 1), raise_irq()]),
      ],
    });
    expect(rules(p(64))).toEqual([]);
    expect(rules(p(128))).toEqual(['ownership/shares-cache-line']);
  });
  test('the device writing a TO_DEVICE mapping, and using a mapping after unmap', () => {
    expect(rules(prog([...map(TO_DEVICE), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, TO_DEVICE)], rxDev))).toEqual(['ownership/device-writes-to-device-mapping']);
    expect(rules(prog([...map(), writel(DB, 1), dma_unmap_single('h', 64, FROM_DEVICE), wait_irq()], rxDev))).toEqual(['ownership/device-outside-mapping']);
  });
  test('an RX buffer handed back without sync_for_device after the CPU only read it (dma-api-howto): no finding', () => {
    const p = program('t', {
      buffers: [kmalloc('buf', 64)], registers: [DB],
      actors: [
        cpu('cpu0', [...map(), writel(DB, 1), wait_irq(), dma_sync_single_for_cpu('h', 64, FROM_DEVICE), load('buf', 0, 4), dma_rmb(), writel(DB, 2), wait_irq(), dma_sync_single_for_cpu('h', 64, FROM_DEVICE), load('buf', 0, 4), dma_unmap_single('h', 64, FROM_DEVICE)]),
        device('dev', [wait_doorbell(DB, 1), dma_write('h', 0, 4, 1), raise_irq(), wait_doorbell(DB, 2), dma_write('h', 0, 4, 2), raise_irq()]),
      ],
    });
    expect(errors(p)).toEqual([]);
  });
});

describe('barriers around device-observed memory (memory-barriers.txt)', () => {
  const ring = (cpuOps: CpuOp[], dev: DeviceOp[]) => program('t', {
    buffers: [coherent('ring', 64)], registers: [DB],
    actors: [cpu('cpu0', [dma_alloc_coherent('ring'), ...cpuOps, wait_irq(), dma_free_coherent('ring')]), device('dev', [...dev, raise_irq()])],
  });
  const rules = (p: Program) => errors(p).map((f) => f.rule);
  const publish = (between: CpuOp[]) => ring([store('ring', 0, 4, 0x11), ...between, store('ring', 8, 4, 1)], [dma_poll('ring', 8, 4, 1), dma_read('ring', 0, 4)]);
  test('payload then ownership word: dma_wmb() needed, smp_wmb() is not enough', () => {
    expect(rules(publish([]))).toEqual(['barriers/payload-ownership-unordered']);
    expect(rules(publish([barrier('smp_wmb')]))).toEqual(['barriers/smp-barrier-for-device']);
    expect(rules(publish([dma_wmb()]))).toEqual([]);
  });
  const consume = (between: CpuOp[]) => ring([writel(DB, 1), poll('ring', 8, 4, 1), ...between, load('ring', 0, 4)], [wait_doorbell(DB, 1), dma_write('ring', 0, 4, 0x11), dma_write('ring', 8, 4, 1)]);
  test('status then payload: dma_rmb() needed, smp_rmb() is not enough', () => {
    expect(rules(consume([]))).toEqual(['barriers/status-payload-unordered']);
    expect(rules(consume([barrier('smp_rmb')]))).toEqual(['barriers/smp-barrier-for-device']);
    expect(rules(consume([dma_rmb()]))).toEqual([]);
  });
  test('a writel_relaxed() doorbell after a descriptor store', () => {
    const door = (ops: CpuOp[]) => ring([store('ring', 0, 4, 0x11), ...ops], [wait_doorbell(DB, 1), dma_read('ring', 0, 4)]);
    expect(rules(door([writel_relaxed(DB, 1)]))).toEqual(['barriers/writel-relaxed-unordered']);
    expect(rules(door([dma_wmb(), writel_relaxed(DB, 1)]))).toEqual([]);
    expect(rules(door([writel(DB, 1)]))).toEqual([]);
  });
});
