// The contract walk's independent groups when engines follow the addresses their descriptors hold
// (src/check/groups.ts with src/oracle/computed-targets.ts): a TX half and an RX half on two CPUs
// are walked apart, a device's own registers (`a = dma_read(...)`) join nothing, and dma-debug's
// count of pending allocations at unbind is still the device's whole (every group's entries).

import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { independentGroups } from '../src/check/groups.js';
import { checkContract } from '../src/check/explore-contract.js';
import { loadLitmus } from '../src/run/check-file.js';

const file = 'scenarios/drivers/txrx-two-cpus.litmus';
const paths = () => {
  const loaded = loadLitmus(file, readFileSync(file, 'utf8'));
  if ('kind' in loaded) throw new Error(loaded.message);
  return loaded.compiled.allPaths ?? [loaded.compiled];
};

describe('two rings on two CPUs, engines at computed addresses', () => {
  test('each CPU is walked with its own engine only', () => {
    for (const c of paths()) {
      const names = independentGroups(c).map((g) => g.map((a) => c.actors[a].actor.name).sort().join('+')).sort();
      expect(names).toEqual(['napi+rx_engine', 'tx_engine+xmit']);
    }
  });

  test('the unbind report counts every group\'s pending entries, as dma-debug counts the device\'s', () => {
    for (const c of paths()) {
      const pending = checkContract(c).findings.filter((f) => f.rule === 'dma-debug/pending-allocations');
      expect(pending.length).toBeGreaterThan(0);
      for (const f of pending) expect(f.message).toContain('[count=4]'); // two rings, two buffers
    }
  });
});
