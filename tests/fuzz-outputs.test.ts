// What `dmafuzz fuzz` writes and where, from the nightly-CI user's side: output paths checked by
// doing (created, a probe file written) before any work, write failures that never spin or lose
// a found bug. In process, fixed seeds, a file whose bug shows on trial 0.

import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { writableDir } from '../src/cli/output-dir.js';
import { fuzzFiles } from '../src/fuzz/fuzz-files.js';
import { makeDir } from '../src/report/make-dir.js';

/** A TX bug on every platform: the header is written after the map, never cleaned. */
export const TX_BUGGY = `DMA my-tx-buggy
// buggy: writes the header after mapping
{ kmalloc buf[100]; mmio DOORBELL; }
cpu cpu0 {
  h = dma_map_single(dev, buf, 100, DMA_TO_DEVICE);
  if (dma_mapping_error(dev, h)) return -ENOMEM;
  *(u32 *)buf = 0x12345678;
  writel(1, DOORBELL);
  wait_for_irq(irq);
  dma_unmap_single(dev, h, 100, DMA_TO_DEVICE);
}
device dev { wait_doorbell(DOORBELL, 1); r = dma_read(h, 4); raise_irq(irq); }
`;

export function tmp(name: string): string {
  return mkdtempSync(join(tmpdir(), `dmafuzz-${name}-`));
}

const linux = existsSync('/proc/self') && existsSync('/sys/kernel');

describe('output paths are checked by creating them and writing a probe', () => {
  test.runIf(linux)('/proc and /sys paths are one line naming the option (Node\'s recursive mkdir spins forever on /proc)', () => {
    expect(() => writableDir('--corpus', '/proc/nope')).toThrow(/^--corpus \/proc\/nope: cannot create the directory: .*\(ENOENT\)$/);
    expect(() => writableDir('--report', '/proc/nope/deeper')).toThrow(/^--report \/proc\/nope\/deeper: cannot create the directory: .*\(ENOENT\)$/);
    expect(() => writableDir('--report', '/sys/nope')).toThrow(/^--report \/sys\/nope: cannot create the directory: .*\((EPERM|EACCES)\)$/);
    expect(() => makeDir('/proc/nope')).toThrow(/ENOENT/);
  });

  test('a good path is created, and the probe leaves nothing behind', () => {
    const dir = join(tmp('outdir'), 'a', 'b');
    writableDir('--corpus', dir);
    expect(readdirSync(dir)).toEqual([]);
    writableDir('--corpus', dir); // again: already there
    expect(readdirSync(dir)).toEqual([]);
  });

  test('a file where the directory should be is still named as such', () => {
    const dir = tmp('outfile');
    writeFileSync(join(dir, 'f'), 'x');
    expect(() => writableDir('--report', join(dir, 'f'))).toThrow(/: not a directory$/);
    expect(() => writableDir('--report', join(dir, 'f', 'r'))).toThrow(/f is not a directory$/);
  });

  test('a corpus that stops taking files mid-run: the failure is still reported, with why it was not saved', async () => {
    const dir = tmp('corpus-gone');
    writeFileSync(join(dir, 'tx.litmus'), TX_BUGGY);
    writeFileSync(join(dir, 'corpus'), 'a file took its place after the check\n');
    const s = await fuzzFiles({ files: [join(dir, 'tx.litmus')], timeMs: 60_000, seed: 7, maxTrials: 1, maxFailures: 1, inline: true, corpus: join(dir, 'corpus') });
    expect(s.failures).toHaveLength(1);
    expect(s.failures[0].saved).toBeUndefined();
    expect(s.failures[0].saveError).toMatch(/^--corpus .*corpus: could not save it: a file, not a directory, is there \(EEXIST\)$/);
  });
});
