import { describe, expect, test } from 'vitest';
import { compile } from '../exec/compile.js';
import type { Observations } from '../exec/observations.js';
import { findIdealWitness } from './witness-search.js';
import { makePlatform } from '../platform/platform.js';
import {
  FROM_DEVICE, cpu, device, dma_map_single, dma_mapping_error, dma_write, kmalloc, load, poll, program, raise_irq, wait_doorbell,
  wait_irq, writel, vmalloc,
} from '../program/build.js';
import { judgeExecution } from './oracle.js';

/** The CPU rings the doorbell and reads buf; the device writes buf at some point after the doorbell. */
const race = program('race', {
  buffers: [kmalloc('buf', 64)],
  registers: ['DB'],
  actors: [
    cpu('cpu0', [dma_map_single('h', 'buf', 0, 64, FROM_DEVICE), writel('DB', 1), load('buf', 0, 4)]),
    device('dev', [wait_doorbell('DB', 1), dma_write('h', 0, 4, 0x11), dma_write('h', 4, 4, 0x22)]),
  ],
});

const obs = (cpuRead: string): Observations => ({
  reads: { cpu0: [undefined, undefined, cpuRead], dev: [undefined, undefined, undefined] },
  done: { cpu0: true, dev: true },
  final: [],
});

describe('the ideal witness search', () => {
  const c = compile(race, makePlatform());
  test('finds an interleaving for every value an ideal execution can read', () => {
    expect(findIdealWitness(c, obs('0x00000000'), 10_000).outcome).toBe('found');
    expect(findIdealWitness(c, obs('0x00000011'), 10_000).outcome).toBe('found');
  });
  test('exhausts the space when no interleaving gives the observation', () => {
    expect(findIdealWitness(c, obs('0x00000022'), 10_000)).toMatchObject({ outcome: 'exhausted' });
  });
  test('reports a cut-off search as not exhausted', () => {
    expect(findIdealWitness(c, obs('0x00000022'), 2)).toMatchObject({ outcome: 'cut' });
  });
});

describe('verdicts', () => {
  test('a racy read that the ideal platform also allows is ok', () => {
    const c = compile(race, makePlatform());
    expect(judgeExecution(c, { steps: [{ run: 'cpu0' }, { run: 'cpu0' }, { run: 'cpu0' }] }).verdict).toBe('ok');
    expect(judgeExecution(c, { steps: [{ run: 'cpu0' }, { run: 'cpu0' }, { run: 'dev' }, { run: 'dev' }] }).verdict).toBe('ok');
  });

  const stalePoll = program('stale-poll', {
    buffers: [kmalloc('status', 64)],
    registers: ['DB'],
    actors: [
      cpu('cpu0', [dma_map_single('h', 'status', 0, 64, FROM_DEVICE), writel('DB', 1), poll('status', 0, 4, 1), load('status', 4, 4)]),
      device('dev', [wait_doorbell('DB', 1), dma_write('h', 0, 4, 1)]),
    ],
  });

  test('a CPU polling a stale cached line forever is a hang, which no ideal execution has', () => {
    const c = compile(stalePoll, makePlatform());
    const v = judgeExecution(c, { steps: [{ run: 'cpu0' }, { run: 'cpu0' }, { fill: c.layout.buffers.get('status')!.addr }] });
    expect(v.verdict).toBe('bug');
    if (v.verdict === 'bug') expect(v.diff).toContainEqual({ what: 'cpu0 finished', model: 'no (hangs)', ideal: 'yes' });
  });

  test('a search cut off by its budget says inconclusive, never bug', () => {
    const c = compile(stalePoll, makePlatform());
    const v = judgeExecution(c, { steps: [{ run: 'cpu0' }, { run: 'cpu0' }, { fill: c.layout.buffers.get('status')!.addr }] }, { searchBudget: 1 });
    expect(v.verdict).toBe('inconclusive');
  });

  test('a checked mapping failure (vmalloc buffer) makes the driver bail out: ok; unchecked, the device writes nowhere: bug', () => {
    const rx = (checked: boolean) => program('vmalloc-rx', {
      buffers: [vmalloc('buf', 64)],
      registers: ['DB'],
      actors: [
        cpu('cpu0', [dma_map_single('h', 'buf', 0, 64, FROM_DEVICE), ...(checked ? [dma_mapping_error('h')] : []), writel('DB', 1), wait_irq(), load('buf', 0, 4)]),
        device('dev', [wait_doorbell('DB', 1), dma_write('h', 0, 4, 0x11), raise_irq()]),
      ],
    });
    const checked = judgeExecution(compile(rx(true), makePlatform()), { steps: [] });
    expect(checked).toMatchObject({ verdict: 'ok', reason: 'driver-bailed-out' });
    expect(judgeExecution(compile(rx(false), makePlatform()), { steps: [] }).verdict).toBe('bug');
  });
});
