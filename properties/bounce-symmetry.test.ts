// Symmetric lines of mappings bounced through swiotlb (src/oracle/line-symmetry.ts): a buffer line
// and the slot line at its offset are swapped together, as one pair. The reduced search gives an
// event to one pair of a class per pair state; the verdict must be the one it reaches with every
// line a class of its own. The reduced search against the full one on these platforms (the
// device's computed addresses bounded to the slots, footprints.ts) is in reduction-platforms.test.ts.
//
// A guard against verdict changes, not a proof of the pairing: with a correct kernel, fills and
// evictions of bounced lines rarely decide a verdict, and two broken pairings (a device access
// through the handle put on the buffer instead of the slot; pairs alike whatever their slot
// lines) still pass here. That a wrong class does change a verdict is shown for plain lines in
// reduction.test.ts ('a wrong line symmetry changes a verdict').

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { exploreExhaustively } from '../src/oracle/exhaustive.js';
import { computedTargets } from '../src/oracle/computed-targets.js';
import { lineClasses } from '../src/oracle/line-symmetry.js';
import { loadLitmus } from '../src/run/check-file.js';

const NO_CLASSES = { classes: new Map<number, number>(), partner: new Map<number, number>() };

test('every scenario bounced through swiotlb (swiotlb = force): the same verdict with pairs of symmetric lines as without, to 2 events', () => {
  const compared: string[] = [];
  let bugs = 0;
  const files = ['scenarios/contract', 'scenarios/drivers', 'scenarios/platforms'].flatMap((dir) => readdirSync(dir).filter((n) => n.endsWith('.litmus')).sort().map((n) => join(dir, n)));
  for (const file of files) {
    const name = file.replace(/^scenarios\//, '');
    const loaded = loadLitmus(file, readFileSync(file, 'utf8'), { swiotlb: 'force' });
    if ('kind' in loaded) continue;
    for (const [i, c] of (loaded.compiled.allPaths ?? [loaded.compiled]).entries()) {
      if (!lineClasses(c)?.partner.size) continue; // no bounced pair alike another
      const paired = exploreExhaustively(c, { maxEvents: 2, maxStates: 5_000 });
      const alone = exploreExhaustively(c, { maxEvents: 2, maxStates: 5_000, lineClasses: NO_CLASSES });
      if (!paired.complete || !alone.complete) continue;
      compared.push(`${name}#${i}`);
      if (alone.verdict === 'bug') bugs++;
      expect(paired.verdict, `${file} path ${i} (replay: npx vitest run properties/bounce-symmetry.test.ts)`).toBe(alone.verdict);
    }
  }
  expect(compared.length).toBeGreaterThan(20);
  expect(bugs).toBeGreaterThan(3);
});

test('a 4 KiB duplex SPI transfer bounced both ways: the device lands in the slots, and the pages are pairs of few classes', () => {
  const file = 'scenarios/drivers/spi-dma-page-duplex-irq.litmus';
  const loaded = loadLitmus(file, readFileSync(file, 'utf8'), { swiotlb: 'force' });
  if ('kind' in loaded) throw new Error(loaded.message);
  const c = (loaded.compiled.allPaths ?? [loaded.compiled]).find((p) => p.actors[0].actor.ops.filter((op) => op.op === 'dma_map').length === 2)!;
  // the addresses the device reads from TXADDR and RXADDR: each one place, in a slot
  const targets = computedTargets(c);
  expect(targets).toBeDefined();
  const landed = targets!.flat().filter((t) => t !== undefined);
  expect(landed.length).toBeGreaterThan(0);
  for (const t of landed) expect(t!.ranges).toHaveLength(1);
  // 64 lines of each page and 64 of each slot, in a handful of classes
  const k = lineClasses(c)!;
  expect(k.partner.size).toBeGreaterThan(200);
  expect(new Set(k.classes.values()).size).toBeLessThan(12);
});
