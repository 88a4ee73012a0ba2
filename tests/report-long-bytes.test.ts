// A counterexample whose differing observation is a 4 KiB memcpy out of a DMA buffer printed all
// 4096 bytes in hex on the arm64 line, again on the ideal line, and in the why and the witness
// (76 KB of text). The text report shows the bytes around the first difference and how many
// differ (src/report/long-bytes.ts); --json keeps every byte; a short value prints as before.

import { describe, expect, test } from 'vitest';
import { LONG_BYTES, shortenBytes, shownPair } from '../src/report/long-bytes.js';
import { reportJson, reportText } from '../src/report/render.js';
import { checkReport } from '../src/report/report.js';
import { checkProgramAs, loadLitmus } from '../src/run/check-file.js';

// The page is recycled: the CPU cleared it before mapping it again, which leaves its lines in
// the cache; the device fills `len` bytes at `at`; the driver copies `copied` bytes out without
// dma_sync_single_for_cpu(), so the copy reads the cleared lines.
const pageCopy = (copied: number, at: number, len: number) => `DMA page-copy-no-sync
{ page rx[4096]; mmio DB; }
cpu drv {
  memset(rx, 0, 4096);
  h = dma_map_single(dev, rx, 4096, DMA_FROM_DEVICE);
  if (dma_mapping_error(dev, h)) return -ENOMEM;
  writel(1, DB);
  wait_for_irq(irq);
  memcpy(local, rx, ${copied});
}
device nic {
  wait_doorbell(DB, 1);
  dma_write(h + ${at}, ${len}, 0x5a);
  raise_irq(irq);
}
`;

const report = (copied: number, at: number, len: number) => {
  const text = pageCopy(copied, at, len);
  const loaded = loadLitmus('t.litmus', text);
  if ('kind' in loaded) throw new Error(loaded.message);
  return checkReport(checkProgramAs('t.litmus', loaded.compiled, undefined, { fix: false }, loaded.parsed.source, text, loaded.parsed));
};
const bytes = (b: string, n: number) => `[${Array(n).fill(b).join(' ')}]`;
/** A run of more than LONG_BYTES hex bytes anywhere in the text. */
const LONG_RUN = new RegExp(`(?:[0-9a-f]{2} ){${LONG_BYTES}}[0-9a-f]{2}`);

describe('a 4 KiB memcpy that differs from the ideal in 512 bytes', () => {
  const rep = report(4096, 1024, 512);
  const text = reportText(rep);
  test('the text shows bytes 0x3f0..0x40f, where the difference begins, and says 512 of the 4096 differ', () => {
    expect(rep.verdict).toBe('bug');
    const window = `${bytes('00', 16).slice(0, -1)} ${bytes('5a', 16).slice(1)}`;
    expect(text).toContain([
      '    drv: `memcpy(r0, rx, 4096);`',
      `      arm64: ${bytes('00', 32)} (bytes 0x3f0..0x40f of 4096)`,
      `      ideal: ${window} (bytes 0x3f0..0x40f of 4096)   (same interleaving)`,
      '      512 of the 4096 bytes differ, the first at 0x400 and the last at 0x5ff (--json has every byte)',
    ].join('\n'));
    // the why and the contract's witness show the same window, and no line has the whole buffer
    expect(text.replace(/\s+/g, ' ')).toContain(`so the CPU read the old bytes ${bytes('00', 32)} (bytes 0x3f0..0x40f of 4096).`);
    expect(text).toContain(`returns ${bytes('00', 32)} (bytes 0x3f0..0x40f of 4096), where the ideal platform returns ${window} (bytes 0x3f0..0x40f of 4096)`);
    expect(text).not.toMatch(LONG_RUN);
    expect(text.length).toBeLessThan(20_000);
  });
  test('--json keeps every byte: it is data', () => {
    const json = JSON.parse(JSON.stringify(reportJson(rep))) as { counterexample: { observations: { arm64: string; ideal: string }[]; cause: string[] } };
    const [o] = json.counterexample.observations;
    expect(o.arm64).toBe(bytes('00', 4096));
    expect(o.ideal).toBe(`[${[...Array(1024).fill('00'), ...Array(512).fill('5a'), ...Array(2560).fill('00')].join(' ')}]`);
    expect(json.counterexample.cause[0]).toContain(`old bytes ${bytes('00', 4096)}.`);
  });
});

test('a copy of up to a cache line prints whole, as before', () => {
  const rep = report(64, 16, 16);
  const [o] = rep.counterexample!.observations;
  expect(o.arm64).toBe(bytes('00', 64));
  expect(reportText(rep)).toContain(`\n      arm64: ${o.arm64}\n      ideal: ${o.ideal}   (same interleaving)\n\n`);
});

describe('shownPair and shortenBytes', () => {
  const list = (n: number, at: Record<number, string> = {}) => `[${Array.from({ length: n }, (_, i) => at[i] ?? '00').join(' ')}]`;
  test('values up to LONG_BYTES bytes, and integers, are as they are', () => {
    expect(shownPair(list(64), list(64, { 3: '01' }))).toEqual({ arm64: list(64), ideal: list(64, { 3: '01' }) });
    expect(shownPair('0x5a5a5a5a', '0x00000000')).toEqual({ arm64: '0x5a5a5a5a', ideal: '0x00000000' });
    expect(shortenBytes(`read ${list(64)}`)).toBe(`read ${list(64)}`);
  });
  test('one differing byte near the start and near the end: the window stays inside the list', () => {
    expect(shownPair(list(100, { 2: 'ff' }), list(100))).toEqual({ arm64: `${list(32, { 2: 'ff' })} (bytes 0x0..0x1f of 100)`, ideal: `${list(32)} (bytes 0x0..0x1f of 100)`, differ: '1 of the 100 bytes differ, at 0x2 (--json has every byte)' });
    expect(shownPair(list(100, { 99: 'ff' }), list(100)).arm64).toBe(`${list(32, { 31: 'ff' })} (bytes 0x44..0x63 of 100)`);
  });
  test('a long list against another value, and words after the bytes', () => {
    expect(shownPair(list(100), 'not performed')).toEqual({ arm64: `${list(32)} (bytes 0x0..0x1f of 100)`, ideal: 'not performed' });
    expect(shownPair(`${list(100, { 40: '01' })} (terminated)`, list(100)).arm64).toBe(`${list(32, { 24: '01' })} (bytes 0x10..0x2f of 100) (terminated)`);
  });
  test('a sentence naming one list is windowed where it differs from the values it is given', () => {
    expect(shortenBytes(`read ${list(100)} instead`, [list(100), list(100, { 70: '01' })])).toBe(`read ${list(32)} (bytes 0x30..0x4f of 100) instead`);
  });
});
