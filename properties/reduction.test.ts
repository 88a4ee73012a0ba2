// The reduced searches against the full ones (issue 11). On generated drivers, every built-in
// scenario the full search finishes, and small members of the scale benchmark's families:
// - the reduced exhaustive search reaches exactly the outcomes the full one reaches — group by
//   group: each independent group's share of the observations (src/oracle/shares.ts) — and finds a
//   counterexample exactly when the full one does;
// - the witness search by groups with partial-order reduction finds an ideal witness exactly when
//   the full witness search does, for every outcome the full model search reaches.
// And the comparison can fail: with a broken independence relation (conflicting ops declared
// independent) it reports a difference.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { familyProgram } from '../bench/families.js';
import { loopback } from '../scenarios/loopback.js';
import { TS_SCENARIOS } from '../scenarios/index.js';
import { compile, type Compiled } from '../src/exec/compile.js';
import { loadLitmus } from '../src/run/check-file.js';
import type { Observations } from '../src/exec/observations.js';
import { buildDriver } from '../src/gen/build-driver.js';
import { bugScenarioArb, wellBehavedScenarioArb, BUG_KINDS } from '../src/gen/bug-scenarios.js';
import { findIdealWitness } from '../src/oracle/witness-search.js';
import { exploreExhaustively, relevantLines } from '../src/oracle/exhaustive.js';
import { computedTargets, syncRanges } from '../src/oracle/computed-targets.js';
import { footprints, modelFootprints, type Footprints } from '../src/oracle/footprints.js';
import { shareDifference } from './share-difference.js';
import { twoChannels } from './two-channels.js';
import { makePlatform } from '../src/platform/platform.js';
import {
  FROM_DEVICE, cpu, device, dma_map_single, dma_unmap_single, dma_write, field, load, mb, pages, program, raise_irq, wait_doorbell, wait_irq, writel,
} from '../src/program/build.js';
import type { Program } from '../src/program/types.js';

/** States the full search may use: programs it cannot finish within this are left out. */
const FULL_STATES = 3000;
const WITNESS_BUDGET = 50_000;

type Difference = string | undefined;

/**
 * Every L1 line any op touches in any way (cache maintenance, a device access, a Normal-NC
 * access, a swiotlb slot), not only the lines read or written through the cache that
 * relevantLines() keeps: the full search's events target all of them, so the comparison also
 * checks that the lines left out change nothing.
 */
function everyTouchedLine(c: Compiled): number[] {
  const out = new Set<number>(relevantLines(c));
  for (const L of footprints(c).lineBit.keys()) for (let l = L; l < L + c.platform.cwg; l += c.platform.lineSize) out.add(l);
  return [...out].sort((a, b) => a - b);
}

/**
 * Where the reduced search (with independence relation f, events on `lines`) differs from the
 * full one (events on every touched line), or undefined.
 */
function reductionDifference(c: Compiled, maxEvents: number, given?: Footprints, lines?: number[]): Difference | 'unfinished' {
  // the arm64 search by arm64's footprints, the witness search by both worlds' (footprints.ts), unless given
  const f = given ?? modelFootprints(c), both = given ?? footprints(c);
  const full: Observations[] = [];
  const touched = everyTouchedLine(c);
  if (touched.length > 24 && maxEvents > 0) return 'unfinished';
  const fr = exploreExhaustively(c, { maxEvents, reduce: false, maxStates: FULL_STATES, eventLines: touched, observe: (o) => full.push(o) });
  if (!fr.complete) return 'unfinished';
  const reduced: Observations[] = [];
  const rr = exploreExhaustively(c, { maxEvents, footprints: f, eventLines: lines, maxStates: 20 * FULL_STATES, observe: (o) => reduced.push(o) });
  if (!rr.complete) return `the reduced search did not finish (${rr.states} states)`;
  const shares = shareDifference(c, f, full, reduced);
  if (shares) return shares;
  const fv = exploreExhaustively(c, { maxEvents, reduce: false, maxStates: FULL_STATES, eventLines: touched });
  const rv = exploreExhaustively(c, { maxEvents, footprints: f, eventLines: lines, maxStates: 20 * FULL_STATES });
  if ((fv.verdict === 'bug') !== (rv.verdict === 'bug')) return `full search: ${fv.verdict}, reduced: ${rv.verdict}`;
  for (const o of full) {
    if (o.bailedOut !== undefined) continue;
    const w = findIdealWitness(c, o, WITNESS_BUDGET, { reduce: false });
    const v = findIdealWitness(c, o, WITNESS_BUDGET, { footprints: both });
    if (w.outcome !== 'cut' && v.outcome !== 'cut' && w.outcome !== v.outcome) return `witness for ${JSON.stringify(o.reads)}: full ${w.outcome}, by groups ${v.outcome}`;
  }
  return undefined;
}

const compiled = (p: Program) => compile(p, makePlatform(p.platform));

/** Devices at addresses read from descriptors, each racing one CPU op (all but computed-writes-descriptor bounded by computed-targets.ts). */
const COMPUTED_RACES = [
  // the descriptor read before or after the CPU stores the handle: initial garbage, or h
  'DMA desc-before-store\n{ coherent desc[64]; kmalloc buf[64]; }\ncpu drv {\n  desc = dma_alloc_coherent(dev, 64, GFP_KERNEL);\n  h = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);\n  if (dma_mapping_error(dev, h)) return -ENOMEM;\n  *(u32 *)desc = lower_32_bits(h);\n}\ndevice nic {\n  a = dma_read(desc, 4);\n  dma_write(a, 4, 0x5a);\n}\n',
  // the engine writes the buffer the descriptor names while the CPU writes it too (same line)
  'DMA computed-vs-cpu-store\n{ coherent desc[64]; kmalloc buf[64]; mmio DB; }\ncpu drv {\n  desc = dma_alloc_coherent(dev, 64, GFP_KERNEL);\n  h = dma_map_single(dev, buf, 64, DMA_BIDIRECTIONAL);\n  if (dma_mapping_error(dev, h)) return -ENOMEM;\n  *(u32 *)desc = lower_32_bits(h + 4);\n  writel(1, DB);\n  dma_sync_single_for_cpu(dev, h, 64, DMA_BIDIRECTIONAL);\n  r0 = *(u32 *)(buf + 4);\n}\ndevice nic {\n  wait_doorbell(DB, 1);\n  a = dma_read(desc, 4);\n  dma_write(a, 4, 0x5a);\n}\n',
  // a TX and an RX descriptor, one engine each: what each engine's address can reach, the other never touches
  'DMA txrx-one-each\n{ coherent rxd[16]; coherent txd[16]; kmalloc rxb[64]; kmalloc txb[64]; mmio RDB; mmio TDB; }\ncpu drv {\n  rxd = dma_alloc_coherent(dev, 16, GFP_KERNEL);\n  txd = dma_alloc_coherent(dev, 16, GFP_KERNEL);\n  hr = dma_map_single(dev, rxb, 64, DMA_FROM_DEVICE);\n  ht = dma_map_single(dev, txb, 64, DMA_TO_DEVICE);\n  *(u32 *)rxd = lower_32_bits(hr);\n  *(u32 *)txd = lower_32_bits(ht);\n  writel(1, RDB);\n  writel(1, TDB);\n  r0 = *(u32 *)rxb;\n}\ndevice rxe {\n  wait_doorbell(RDB, 1);\n  a = dma_read(rxd, 4);\n  dma_write(a, 4, 0x11);\n}\ndevice txe {\n  wait_doorbell(TDB, 1);\n  t = dma_read(txd, 4);\n  d = dma_read(t, 4);\n}\n',
  // the doorbell after the store (writel: dmb oshst first): the field's garbage is never read
  'DMA desc-published\n{ coherent desc[64]; kmalloc buf[64]; kmalloc other[64]; mmio DB; }\ncpu drv {\n  desc = dma_alloc_coherent(dev, 64, GFP_KERNEL);\n  h = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);\n  if (dma_mapping_error(dev, h)) return -ENOMEM;\n  *(u32 *)desc = lower_32_bits(h);\n  writel(1, DB);\n  *(u32 *)other = 3;\n  dma_unmap_single(dev, h, 64, DMA_FROM_DEVICE);\n  r0 = *(u32 *)buf;\n}\ndevice nic {\n  wait_doorbell(DB, 1);\n  a = dma_read(desc, 4);\n  dma_write(a, 4, 0x5a);\n}\n',
  // the same with the doorbell rung before the store: the device may follow the garbage
  'DMA desc-doorbell-first\n{ coherent desc[64]; kmalloc buf[64]; kmalloc other[64]; mmio DB; }\ncpu drv {\n  desc = dma_alloc_coherent(dev, 64, GFP_KERNEL);\n  h = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);\n  if (dma_mapping_error(dev, h)) return -ENOMEM;\n  writel(1, DB);\n  *(u32 *)desc = lower_32_bits(h);\n  *(u32 *)other = 3;\n  dma_unmap_single(dev, h, 64, DMA_FROM_DEVICE);\n  r0 = *(u32 *)buf;\n}\ndevice nic {\n  wait_doorbell(DB, 1);\n  a = dma_read(desc, 4);\n  dma_write(a, 4, 0x5a);\n}\n',
  // the engine writes the descriptor it follows: no bound, every line and mapping (the old footprint)
  'DMA computed-writes-descriptor\n{ coherent desc[64]; kmalloc buf[64]; }\ncpu drv {\n  desc = dma_alloc_coherent(dev, 64, GFP_KERNEL);\n  h = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);\n  if (dma_mapping_error(dev, h)) return -ENOMEM;\n  *(u32 *)desc = lower_32_bits(desc);\n  *(u32 *)(desc + 4) = lower_32_bits(h);\n}\ndevice nic {\n  a = dma_read(desc, 4);\n  dma_write(a + 4, 4, 0x5a);\n  b = dma_read(desc + 4, 4);\n  dma_write(b, 4, 0x6b);\n}\n',
  // an index read first, then the address at the slot it names (virtio's desc[avail->ring[i]].addr): the engine writes b1
  'DMA index-then-address\n{ coherent ring[64]; kmalloc b0[64]; kmalloc b1[64]; mmio DB; }\ncpu drv {\n  ring = dma_alloc_coherent(dev, 64, GFP_KERNEL);\n  h0 = dma_map_single(dev, b0, 64, DMA_FROM_DEVICE);\n  if (dma_mapping_error(dev, h0)) return -ENOMEM;\n  h1 = dma_map_single(dev, b1, 64, DMA_FROM_DEVICE);\n  if (dma_mapping_error(dev, h1)) return -ENOMEM;\n  *(u32 *)(ring + 8) = lower_32_bits(h0);\n  *(u32 *)(ring + 12) = lower_32_bits(h1);\n  *(u32 *)ring = 1;\n  writel(1, DB);\n  dma_sync_single_for_cpu(dev, h1, 64, DMA_FROM_DEVICE);\n  r0 = *(u32 *)b1;\n}\ndevice nic {\n  wait_doorbell(DB, 1);\n  idx = dma_read(ring, 4);\n  a = dma_read(ring + 8 + 4 * idx, 4);\n  dma_write(a, 4, 0x5a);\n}\n',
  // the same with the doorbell rung before the index is stored: the engine may read the zeroed index and write b0
  'DMA index-doorbell-first\n{ coherent ring[64]; kmalloc b0[64]; kmalloc b1[64]; mmio DB; }\ncpu drv {\n  ring = dma_alloc_coherent(dev, 64, GFP_KERNEL);\n  h0 = dma_map_single(dev, b0, 64, DMA_FROM_DEVICE);\n  if (dma_mapping_error(dev, h0)) return -ENOMEM;\n  h1 = dma_map_single(dev, b1, 64, DMA_FROM_DEVICE);\n  if (dma_mapping_error(dev, h1)) return -ENOMEM;\n  *(u32 *)(ring + 8) = lower_32_bits(h0);\n  *(u32 *)(ring + 12) = lower_32_bits(h1);\n  writel(1, DB);\n  *(u32 *)ring = 1;\n  dma_sync_single_for_cpu(dev, h0, 64, DMA_FROM_DEVICE);\n  r0 = *(u32 *)b0;\n}\ndevice nic {\n  wait_doorbell(DB, 1);\n  idx = dma_read(ring, 4);\n  a = dma_read(ring + 8 + 4 * idx, 4);\n  dma_write(a, 4, 0x5a);\n}\n',
  // a stale handle in the descriptor: behind an SMMU its IOVA is given to the next map (b2's page),
  // so the device's write lands where the ideal world's (b1) never does, racing the read of b2
  'DMA iova-reuse-computed\n{ coherent desc[64]; page b1[4096]; page b2[4096]; mmio DB; }\ncpu drv {\n  desc = dma_alloc_coherent(dev, 64, GFP_KERNEL);\n  h1 = dma_map_single(dev, b1, 64, DMA_FROM_DEVICE);\n  if (dma_mapping_error(dev, h1)) return -ENOMEM;\n  *(u32 *)desc = lower_32_bits(h1);\n  writel(1, DB);\n  dma_unmap_single(dev, h1, 64, DMA_FROM_DEVICE);\n  h2 = dma_map_single(dev, b2, 64, DMA_FROM_DEVICE);\n  if (dma_mapping_error(dev, h2)) return -ENOMEM;\n  r0 = *(u32 *)b2;\n  dma_unmap_single(dev, h2, 64, DMA_FROM_DEVICE);\n}\ndevice nic {\n  wait_doorbell(DB, 1);\n  a = dma_read(desc, 4);\n  dma_write(a, 4, 0x5a);\n}\n',
];

describe('the reduced exhaustive and witness searches reach what the full ones reach', () => {
  test('every built-in scenario the full search finishes, to 0, 1 and 2 events', () => {
    let compared = 0;
    for (const s of TS_SCENARIOS) {
      const c = compiled(s.program);
      for (const events of [0, 1, 2]) {
        const d = reductionDifference(c, events);
        if (d === 'unfinished') continue;
        compared++;
        expect(d, `${s.id}, ${events} events`).toBeUndefined();
      }
    }
    expect(compared).toBeGreaterThan(80);
  });

  test('small members of the scale families, several actors and independent groups', () => {
    const programs: Program[] = [
      ...(['none', 'read-before-unmap', 'packed'] as const).map(twoChannels),
      familyProgram('threads', 2), familyProgram('ring', 1), familyProgram('ring', 2), familyProgram('rx-seq', 2),
      // Transfers of several whole lines holding one value: symmetric lines (src/oracle/line-symmetry.ts).
      ...(['none', 'fill-after-map', 'read-before-unmap'] as const).map((flaw) => loopback(`loopback-256-${flaw}`, { threads: 1, sizes: [256], flaw })),
      loopback('loopback-2x192', { threads: 2, sizes: [192], flaw: 'none' }),
    ];
    const compared: string[] = [];
    for (const p of programs) {
      for (const events of [0, 1, 2]) {
        const d = reductionDifference(compiled(p), events);
        if (d === 'unfinished') continue;
        compared.push(`${p.name}/${events}`);
        expect(d, `${p.name}, ${events} events`).toBeUndefined();
      }
    }
    console.log(compared.join(' '));
    expect(compared.length).toBeGreaterThan(10);
  });

  test('the .litmus scenarios the full search finishes (computed offsets, page-size buffers), to 2 events', () => {
    const compared: string[] = [];
    for (const dir of ['scenarios', 'scenarios/drivers', 'scenarios/contract', 'scenarios/platforms']) {
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.litmus')).sort()) {
        const file = join(dir, name);
        const loaded = loadLitmus(file, readFileSync(file, 'utf8'));
        if ('kind' in loaded) continue; // a file meant to be refused
        for (const [i, c] of (loaded.compiled.allPaths ?? [loaded.compiled]).entries()) {
          // One group only: with several, a group is judged with the others run in program order,
          // which may leave another path's thread unfinished (an outcome no share comparison reads
          // alike); programs with independent groups are compared above.
          if (footprints(c).groups.length > 1) continue;
          for (const events of [2]) { // up to 2: every execution with fewer events too
            const d = reductionDifference(c, events);
            if (d === 'unfinished') continue;
            compared.push(`${name}#${i}/${events}`);
            expect(d, `${file} path ${i}, ${events} events`).toBeUndefined();
          }
        }
      }
    }
    expect(compared.length).toBeGreaterThan(30);
  });

  test('a device at an address it read from a descriptor, bounded to what was stored there (computed-targets.ts): each race still told apart', () => {
    // Where every handle's bus address is fixed, a computed access meets only the memory its
    // possible addresses reach and the mappings they fall in: the descriptor's initial bytes
    // (the device may read it before the CPU stores), the handles stored there, a constant the
    // device wrote. Each program has outcomes only the order of the computed access against one
    // CPU op tells apart.
    const progs = COMPUTED_RACES;
    const bounded: string[] = [];
    for (const text of progs) {
      const loaded = loadLitmus('race.litmus', text);
      if ('kind' in loaded) throw new Error(`${loaded.line}:${loaded.col}: ${loaded.message}`);
      for (const c of loaded.compiled.allPaths ?? [loaded.compiled]) {
        const t = computedTargets(c);
        if (t?.length) bounded.push(c.program.name);
        // the deepest level the full search finishes (every execution with fewer events too)
        const level = [2, 1, 0].find((events) => reductionDifference(c, events) !== 'unfinished');
        expect(level, text).toBeDefined();
        expect(reductionDifference(c, level!), text).toBeUndefined();
      }
    }
    expect(new Set(bounded)).toEqual(new Set(['desc-before-store', 'computed-vs-cpu-store', 'txrx-one-each', 'desc-published', 'desc-doorbell-first', 'index-then-address', 'index-doorbell-first', 'iova-reuse-computed']));
    // published: the field's initial garbage is not among the addresses; rung first, it is
    const garbage = (text: string) => {
      const loaded = loadLitmus('t.litmus', text);
      if ('kind' in loaded) throw new Error(loaded.message);
      const c = loaded.compiled.allPaths?.[0] ?? loaded.compiled;
      const t = computedTargets(c)!;
      return t.flat().some((x) => x?.ranges.some((r) => r.phys === 0xa5a5a5a5));
    };
    expect(garbage(progs[3])).toBe(false);
    expect(garbage(progs[4])).toBe(true);
  });

  test.each([
    ['under swiotlb=force', { swiotlb: 'force' }],
    ['behind a restricted DMA pool (its coherent buffers placed before any run)', { restrictedPool: true }],
    // IOVAs the same in every execution (one thread maps): the pages the mappings made there
    ['behind a strict SMMU', { iommu: 'strict' }],
    ['behind a lazy SMMU with 64 KiB granules', { iommu: 'lazy', iovaGranule: 65536 }],
    // an untrusted device whose maps do not bounce (dma-iommu bounces only from 5.11): IOVAs as a trusted one's
    ['behind a strict SMMU, untrusted, on 5.4', { iommu: 'strict', untrusted: true, kernel: '5.4' }],
    // an untrusted device whose maps bounce (5.11+): one thread's slots and the IOVAs of those slots
    ['behind a strict SMMU, untrusted, maps bouncing', { iommu: 'strict', untrusted: true }],
    // reads and writes through the caches: the same values reach the same targets
    ['on a dma-coherent device (snooping, declared so)', { deviceCoherent: true, declaredCoherent: true }],
    // no maintenance, but swiotlb still copies between a slot and its buffer, through the cache
    ['on a dma-coherent device under swiotlb=force', { deviceCoherent: true, declaredCoherent: true, swiotlb: 'force' }],
  ] as const)('the same races %s: bounded, each still told apart, in both worlds', (_, platform) => {
    // Bus addresses the same in every execution. A bounced device reaches the slot on arm64 and
    // the buffer itself in the ideal world: the witness search names both (a footprint naming the
    // slot alone let the witness search by groups miss the witness for r0 = 0x5a the full one finds).
    const bounded: string[] = [];
    for (const text of COMPUTED_RACES) {
      const loaded = loadLitmus('race.litmus', text, platform);
      if ('kind' in loaded) throw new Error(`${loaded.line}:${loaded.col}: ${loaded.message}`);
      for (const c of loaded.compiled.allPaths ?? [loaded.compiled]) {
        if (computedTargets(c)?.length) bounded.push(c.program.name);
        const level = [2, 1, 0].find((events) => reductionDifference(c, events) !== 'unfinished');
        expect(level, text).toBeDefined();
        expect(reductionDifference(c, level!), text).toBeUndefined();
      }
    }
    expect(new Set(bounded)).toEqual(new Set(['desc-before-store', 'computed-vs-cpu-store', 'txrx-one-each', 'desc-published', 'desc-doorbell-first', 'index-then-address', 'index-doorbell-first', 'iova-reuse-computed']));
  });

  test('behind a strict SMMU the stale IOVA reaches the page of the next map: the full search writes b2, and the bound names b2', () => {
    const loaded = loadLitmus('race.litmus', COMPUTED_RACES.find((t) => t.startsWith('DMA iova-reuse-computed'))!, { iommu: 'strict' });
    if ('kind' in loaded) throw new Error(loaded.message);
    const c = (loaded.compiled.allPaths ?? [loaded.compiled]).at(-1)!; // the path where both maps succeed
    const b2 = c.layout.buffers.get('b2')!.addr;
    const reads = new Set<string>();
    exploreExhaustively(c, { maxEvents: 0, reduce: false, observe: (o) => reads.add(String(o.reads.drv.at(-2))) });
    expect(reads).toContain('0x0000005a'); // the device's write, through h1's IOVA, landed in b2
    const write = computedTargets(c)!.flat().find((t) => t !== undefined)!;
    expect(write.ranges.some((r) => r.phys <= b2 && b2 < r.phys + r.size)).toBe(true);
  });

  test('a device sampling a register (read_reg) and atomics (xchg, spin_lock): each races with what shares its register or word', () => {
    // Each has outcomes only the order of those ops tells apart: a footprint that left out the
    // register or the word would let the reduction reach only one.
    const programs = [
      'DMA readreg-race\n{ kmalloc buf[64]; mmio CTRL; }\ncpu drv {\n  writel(1, CTRL);\n  *(u32 *)buf = 5;\n  writel(2, CTRL);\n}\ndevice dev {\n  r = read_reg(CTRL);\n}\n',
      'DMA xchg-race\n{ kmalloc priv[64]; field word[4] in priv; }\ncpu a { old = xchg(&word, 1); }\ncpu b { old2 = xchg(&word, 2); }\n',
      'DMA lock-race\n{ kmalloc priv[64]; field lock[4] in priv; }\ncpu a { u32 x; spin_lock(&lock); x = *(u32 *)(priv + 8); *(u32 *)(priv + 8) = x + 1; spin_unlock(&lock); }\ncpu b { u32 y; y = *(u32 *)(priv + 8); spin_lock(&lock); *(u32 *)(priv + 8) = 7; spin_unlock(&lock); }\n',
    ];
    for (const text of programs) {
      const loaded = loadLitmus('race.litmus', text);
      if ('kind' in loaded) throw new Error(`${loaded.line}:${loaded.col}: ${loaded.message}`);
      for (const c of loaded.compiled.allPaths ?? [loaded.compiled]) {
        const f = footprints(c);
        expect(f.global.flat().some(Boolean), text).toBe(false); // no op conflicts with everything
        const outcomes = new Set<string>();
        exploreExhaustively(c, { maxEvents: 0, reduce: false, observe: (o) => outcomes.add(JSON.stringify(o.reads)) });
        expect(outcomes.size, text).toBeGreaterThan(1);
        expect(reductionDifference(c, 2), text).toBeUndefined();
      }
    }
  });

  test('a device at a bus address it computed: races with the CPU\'s writes and with an unmap', () => {
    // The engine follows the address a descriptor holds (a computed dma_read): its footprint is
    // every line's memory and every mapping. Each program here has two outcomes that only the
    // order of that read against one CPU op tells apart: a reduction that thought them
    // independent would reach one.
    const race = (name: string, decl: string, cpu: string) => `DMA ${name}\n{ ${decl} mmio DB; }\ncpu drv {\n${cpu}\n}\ndevice nic {\n  wait_doorbell(DB, 1);\n  a = dma_read(desc, 4);\n  v = dma_read(a, 4);\n}\n`;
    const programs = [
      race('computed-read-vs-store', 'coherent desc[64];', `  desc = dma_alloc_coherent(dev, 64, GFP_KERNEL);\n  *(u32 *)desc = lower_32_bits(desc + 16);\n  writel(1, DB);\n  *(u32 *)(desc + 16) = 7;`),
      race('computed-read-vs-unmap', 'coherent desc[64]; kmalloc buf[64];', `  desc = dma_alloc_coherent(dev, 64, GFP_KERNEL);\n  h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);\n  if (dma_mapping_error(dev, h)) return -ENOMEM;\n  *(u32 *)desc = lower_32_bits(h);\n  writel(1, DB);\n  dma_unmap_single(dev, h, 64, DMA_TO_DEVICE);`),
    ];
    for (const text of programs) {
      const loaded = loadLitmus('race.litmus', text);
      if ('kind' in loaded) throw new Error(`${loaded.line}:${loaded.col}: ${loaded.message}`);
      for (const c of loaded.compiled.allPaths ?? [loaded.compiled]) {
        const outcomes = new Set<string>();
        exploreExhaustively(c, { maxEvents: 0, reduce: false, observe: (o) => outcomes.add(JSON.stringify(o.reads)) });
        expect(outcomes.size, text).toBeGreaterThan(1);
        expect(reductionDifference(c, 2), text).toBeUndefined();
      }
    }
  });

  test('descriptor fields sharing one Normal-NC line (byte-atoms.ts): disjoint bytes commute, overlapping ones still race', () => {
    // A dma_alloc_coherent() ring on a non-coherent device: each access below goes to memory and
    // no event targets the line, so the reduction treats accesses of disjoint bytes as
    // independent. Each program has outcomes only the order of two accesses of overlapping bytes
    // (whole, or in part) tells apart; an FEC-shaped RX ring of two descriptors over small buffers,
    // and its twin without dma_rmb(), cover a driver's shape.
    const fecRing = (rmb: boolean) => `DMA fec-ring2${rmb ? '' : '-no-rmb'}\n{ coherent ring[16]; kmalloc rxbuf[128]; mmio RDAR; }\ncpu napi {\n  int i;\n  ring = dma_alloc_coherent(dev, 16, GFP_KERNEL);\n  h = dma_map_single(dev, rxbuf, 128, DMA_FROM_DEVICE);\n  if (dma_mapping_error(dev, h)) return -ENOMEM;\n  for (i = 0; i < 2; i++) {\n    *(u32 *)(ring + 8 * i + 4) = lower_32_bits(h + 64 * i);\n    *(u16 *)(ring + 8 * i + 2) = 0x8000;\n  }\n  writel(0, RDAR);\n  for (i = 0; i < 2; i++) {\n    status = *(u16 *)(ring + 8 * i + 2);\n    if (status & 0x8000)\n      break;\n${rmb ? '    dma_rmb();\n' : ''}    len = *(u16 *)(ring + 8 * i);\n    dma_sync_single_range_for_cpu(dev, h, 64 * i, 64, DMA_FROM_DEVICE);\n    data = *(u32 *)(rxbuf + 64 * i);\n  }\n}\ndevice fec {\n  wait_write(RDAR);\n  for (s = 0; s < 2; s++) {\n    a = dma_read(ring + 8 * s + 4, 4);\n    dma_write(a, 64, 0x10 + s);\n    dma_write(ring + 8 * s, 2, 64);\n    dma_write(ring + 8 * s + 2, 2, 0x800);\n  }\n}\n`;
    const programs = [
      // the device reads bytes 2..4 of a word the CPU stores (0..4), and 6..10 across the CPU's 8..10
      'DMA nc-partial-overlap\n{ coherent desc[64]; mmio DB; }\ncpu drv {\n  desc = dma_alloc_coherent(dev, 64, GFP_KERNEL);\n  writel(1, DB);\n  *(u32 *)desc = 0x11223344;\n  *(u16 *)(desc + 8) = 0x55;\n}\ndevice nic {\n  wait_doorbell(DB, 1);\n  v = dma_read(desc + 2, 2);\n  w = dma_read(desc + 6, 4);\n}\n',
      // neighbouring descriptors' fields: the device completes two while the CPU reads them
      'DMA nc-neighbour-fields\n{ coherent ring[64]; mmio DB; }\ncpu drv {\n  ring = dma_alloc_coherent(dev, 64, GFP_KERNEL);\n  *(u32 *)(ring + 4) = 0x1000;\n  *(u32 *)(ring + 12) = 0x2000;\n  writel(1, DB);\n  s0 = *(u16 *)(ring + 2);\n  s1 = *(u16 *)(ring + 10);\n  l1 = *(u16 *)(ring + 8);\n}\ndevice nic {\n  wait_doorbell(DB, 1);\n  a = dma_read(ring + 4, 4);\n  dma_write(ring, 2, 64);\n  dma_write(ring + 2, 2, 0x800);\n  b = dma_read(ring + 12, 4);\n  dma_write(ring + 8, 2, 64);\n  dma_write(ring + 10, 2, 0x800);\n}\n',
      // a memset() of a length read at run time names the whole line: it races with the device's read of bytes 4..8
      'DMA nc-memset-computed-length\n{ coherent ring[64]; mmio DB; }\ncpu drv {\n  ring = dma_alloc_coherent(dev, 64, GFP_KERNEL);\n  *(u32 *)(ring + 16) = 8;\n  writel(1, DB);\n  n = *(u32 *)(ring + 16);\n  memset(ring, 0x11, n);\n}\ndevice nic {\n  wait_doorbell(DB, 1);\n  v = dma_read(ring + 4, 4);\n}\n',
      fecRing(true),
      fecRing(false),
    ];
    const compared: string[] = [];
    for (const text of programs) {
      const loaded = loadLitmus('ring.litmus', text);
      if ('kind' in loaded) throw new Error(`${loaded.line}:${loaded.col}: ${loaded.message}`);
      for (const [i, c] of (loaded.compiled.allPaths ?? [loaded.compiled]).entries()) {
        const level = [2, 1, 0].find((events) => reductionDifference(c, events) !== 'unfinished');
        expect(level, `${c.program.name} path ${i}`).toBeDefined();
        expect(reductionDifference(c, level!), `${c.program.name} path ${i}`).toBeUndefined();
        compared.push(`${c.program.name}#${i}/${level}`);
      }
    }
    console.log(compared.join(' '));
    // the three small programs race on overlapping bytes: more than one outcome, which only that order tells apart
    for (const text of programs.slice(0, 3)) {
      const loaded = loadLitmus('ring.litmus', text);
      if ('kind' in loaded) throw new Error(loaded.message);
      const outcomes = new Set<string>();
      exploreExhaustively(loaded.compiled, { maxEvents: 0, reduce: false, observe: (o) => outcomes.add(JSON.stringify(o.reads)) });
      expect(outcomes.size, text).toBeGreaterThan(1);
    }
  });

  test('a ring walked through a computed descriptor pointer (fec\'s bdp), Normal-NC and on a dma-coherent device: the CPU\'s loads at computed offsets pass its own stores, the syncs a coherent device skips', () => {
    // persistent.ts: a load at a computed offset that may read what an earlier store of the same
    // CPU writes (or bytes apart from it) lets that store run alone; footprints.ts: a sync a
    // declared-coherent device skips (no maintenance, no bounce) touches only its mapping. One
    // program re-arms the descriptor it consumed and reads the next one's status through bdp, the
    // other stores a status at a computed address and reads it (and its neighbour) back; small
    // buffers, so the full search finishes.
    const ring = (name: string, body: string) => `DMA ${name}\n{ coherent ring[16]; kmalloc rxbuf[128]; mmio RDAR; }\ncpu napi {\n  int n;\n  ring = dma_alloc_coherent(dev, 16, GFP_KERNEL);\n  h = dma_map_single(dev, rxbuf, 128, DMA_FROM_DEVICE);\n  if (dma_mapping_error(dev, h)) return -ENOMEM;\n  *(u32 *)(ring + 4) = lower_32_bits(h);\n  *(u16 *)(ring + 2) = 0x8000;\n  *(u32 *)(ring + 12) = lower_32_bits(h + 64);\n  *(u16 *)(ring + 10) = 0xa000;\n  writel(0, RDAR);\n  bdp = 0;\n${body}}\ndevice fec {\n  wait_write(RDAR);\n  for (s = 0; s < 2; s++) {\n    a = dma_read(ring + 8 * s + 4, 4);\n    dma_write(a, 64, 0x10 + s);\n    dma_write(ring + 8 * s, 2, 64);\n    dma_write(ring + 8 * s + 2, 2, 0x800 | (s == 1 ? 0x2000 : 0));\n  }\n}\n`;
    const consume = `  for (n = 0; n < 2; n++) {\n    status = *(u16 *)(ring + bdp + 2);\n    if (status & 0x8000)\n      break;\n    dma_rmb();\n    len = *(u16 *)(ring + bdp);\n    dma_sync_single_range_for_cpu(dev, h, bdp * 8, len, DMA_FROM_DEVICE);\n    data = *(u32 *)(rxbuf + bdp * 8);\n    dma_sync_single_range_for_device(dev, h, bdp * 8, len, DMA_FROM_DEVICE);\n    status &= 0x2000;\n    dma_wmb();\n    *(u16 *)(ring + bdp + 2) = status | 0x8000;\n    bdp = (status & 0x2000) ? 0 : bdp + 8;\n  }\n`;
    const programs = [
      ring('bdp-ring', consume),
      // the CPU stores a word at the computed address and loads it (or its neighbour) back
      ring('bdp-store-then-load', '  k = *(u16 *)(ring + 8);\n  bdp = (k & 1) ? 8 : 0;\n  *(u16 *)(ring + bdp + 2) = 0x8000;\n  r0 = *(u16 *)(ring + bdp + 2);\n  r1 = *(u16 *)(ring + 10);\n'),
    ];
    const compared: string[] = [];
    for (const platform of [{}, { deviceCoherent: true, declaredCoherent: true }]) {
      for (const text of programs) {
        const loaded = loadLitmus('ring.litmus', text, platform);
        if ('kind' in loaded) throw new Error(`${loaded.line}:${loaded.col}: ${loaded.message}`);
        for (const [i, c] of (loaded.compiled.allPaths ?? [loaded.compiled]).entries()) {
          const level = [2, 1, 0].find((events) => reductionDifference(c, events) !== 'unfinished');
          expect(level, `${c.program.name} path ${i}`).toBeDefined();
          expect(reductionDifference(c, level!), `${c.program.name} path ${i} ${JSON.stringify(platform)}`).toBeUndefined();
          compared.push(`${c.program.name}#${i}/${level}`);
        }
      }
    }
    console.log(compared.join(' '));
  });

  test('an FEC RX ring of 4 descriptors on a dma-coherent device: each path exhaustive at level 0 within 1,000 states (8,439 in all before)', () => {
    // The ring's 8 stores before the doorbell run alone though the loop's status load, at bdp,
    // may read them; the syncs a coherent device skips commute with the device's writes.
    const text = readFileSync('bench/drivers/fec-rx-ring8-swiotlb-force.litmus', 'utf8')
      .replace(/#define RX_RING_SIZE +8/, '#define RX_RING_SIZE 4').replace(/#define NAPI_BUDGET +8/, '#define NAPI_BUDGET 4');
    const loaded = loadLitmus('fec-rx-ring4.litmus', text, { swiotlb: 'present', deviceCoherent: true, declaredCoherent: true });
    if ('kind' in loaded) throw new Error(`${loaded.line}:${loaded.col}: ${loaded.message}`);
    const states = (loaded.compiled.allPaths ?? [loaded.compiled]).map((c) => {
      const r = exploreExhaustively(c, { maxEvents: 0, maxStates: 1000 });
      expect(r.complete, c.program.name).toBe(true);
      return r.states;
    });
    console.log(`states per path: ${states.join(' ')}`);
  });

  test('a sync over the bytes it is given (computed-targets.ts syncRanges): a length or offset read from a descriptor still races with the device\'s writes there', () => {
    // The sync's lines are those of each offset and length it can take, not the whole mapping's:
    // a length the device reports (0 from dma_alloc_coherent, or 128) reaches the second line,
    // which the device writes after the length (the wrong order): a fill of it right after the
    // sync and before that write is read stale after the irq, an outcome only an event placed
    // after the sync reaches. A length of 64 does not reach it.
    const prog = (name: string, len: number, sync: string) => `DMA ${name}\n{ coherent ring[16]; kmalloc rxbuf[128]; mmio DB; }\ncpu drv {\n  ring = dma_alloc_coherent(dev, 16, GFP_KERNEL);\n  h = dma_map_single(dev, rxbuf, 128, DMA_FROM_DEVICE);\n  if (dma_mapping_error(dev, h)) return -ENOMEM;\n  *(u32 *)(ring + 4) = lower_32_bits(h + 64);\n  writel(1, DB);\n  n = *(u16 *)ring;\n  ${sync}\n  wait_for_irq(irq);\n  r = *(u32 *)(rxbuf + 64);\n}\ndevice nic {\n  wait_doorbell(DB, 1);\n  dma_write(ring, 2, ${len});\n  a = dma_read(ring + 4, 4);\n  dma_write(a, 4, 0x77);\n  raise_irq(irq);\n}\n`;
    const programs = [
      prog('sync-length-from-descriptor', 128, 'dma_sync_single_range_for_cpu(dev, h, 0, n, DMA_FROM_DEVICE);'),
      prog('sync-length-short', 64, 'dma_sync_single_range_for_cpu(dev, h, 0, n, DMA_FROM_DEVICE);'),
      prog('sync-offset-from-descriptor', 64, 'dma_sync_single_range_for_cpu(dev, h, n, 64, DMA_FROM_DEVICE);'),
      prog('sync-constant', 64, 'dma_sync_single_range_for_cpu(dev, h, 64, 64, DMA_FROM_DEVICE);'),
      // the length read at a computed offset (the next descriptor's, as fec's bdp): 0 at ring + 0, or 0 or 128 at ring + 12
      prog('sync-length-at-computed-offset', 128, 'k = *(u16 *)(ring + 8);\n  m = *(u16 *)(ring + 12 * (k & 1));\n  dma_sync_single_range_for_cpu(dev, h, 0, m, DMA_FROM_DEVICE);').replace('dma_write(ring, 2, 128)', 'dma_write(ring + 12, 2, 128)').replace('*(u32 *)(ring + 4) = lower_32_bits(h + 64);', '*(u32 *)(ring + 4) = lower_32_bits(h + 64);\n  *(u16 *)(ring + 8) = 1;'),
    ];
    for (const text of programs) {
      const loaded = loadLitmus('sync.litmus', text);
      if ('kind' in loaded) throw new Error(`${loaded.line}:${loaded.col}: ${loaded.message}`);
      const c = loaded.compiled;
      expect(syncRanges(c)?.flat().some((r) => r !== undefined), text).toBe(true);
      const outcomes = new Set<string>();
      exploreExhaustively(c, { maxEvents: 1, reduce: false, observe: (o) => outcomes.add(JSON.stringify(o.reads)) });
      expect(outcomes.size, text).toBeGreaterThan(1);
      const level = [2, 1].find((events) => reductionDifference(c, events) !== 'unfinished');
      expect(level, text).toBeDefined();
      expect(reductionDifference(c, level!), text).toBeUndefined();
    }
  });

  test('a length read from a dma_pool block nobody zeroed takes its garbage too: the sync reaches past the mapping', () => {
    // dma_pool_alloc() without __GFP_ZERO keeps the block's old bytes (0xa5 here): the length
    // read is 0xa5a5, and dma-direct syncs that many bytes, the second line of rxbuf among them.
    // A fill of that line right after the sync, before the device's write, is read stale after the
    // irq: the verdict and the outcomes need the sync's footprint to hold that line. (Every line
    // the sync reaches is more than the full search can fill and evict: it fills rxbuf's.)
    const text = 'DMA sync-length-garbage\n{ coherent ring[64]; kmalloc rxbuf[128]; mmio DB; }\ncpu drv {\n  pool = dma_pool_create("rx", dev, 64, 64, 0);\n  ring = dma_pool_alloc(pool, GFP_KERNEL, &ring_dma);\n  h = dma_map_single(dev, rxbuf, 128, DMA_FROM_DEVICE);\n  if (dma_mapping_error(dev, h)) return -ENOMEM;\n  *(u32 *)(ring + 4) = lower_32_bits(h + 64);\n  writel(1, DB);\n  n = *(u16 *)ring;\n  dma_sync_single_range_for_cpu(dev, h, 0, n, DMA_FROM_DEVICE);\n  wait_for_irq(irq);\n  r = *(u32 *)(rxbuf + 64);\n}\ndevice nic {\n  wait_doorbell(DB, 1);\n  a = dma_read(ring + 4, 4);\n  dma_write(a, 4, 0x77);\n  raise_irq(irq);\n}\n';
    const loaded = loadLitmus('garbage.litmus', text);
    if ('kind' in loaded) throw new Error(loaded.message);
    const c = loaded.compiled;
    const lines = relevantLines(c);
    const full = new Set<string>(), reduced = new Set<string>();
    const fr = exploreExhaustively(c, { maxEvents: 1, reduce: false, eventLines: lines, maxStates: FULL_STATES, observe: (o) => full.add(JSON.stringify(o.reads)) });
    const rr = exploreExhaustively(c, { maxEvents: 1, eventLines: lines, observe: (o) => reduced.add(JSON.stringify(o.reads)) });
    expect(fr.complete && rr.complete).toBe(true);
    expect([...reduced].sort()).toEqual([...full].sort());
    expect(full.size).toBeGreaterThan(1);
    expect(exploreExhaustively(c, { maxEvents: 1, reduce: false, eventLines: lines, maxStates: FULL_STATES }).verdict).toBe('bug');
    expect(exploreExhaustively(c, { maxEvents: 1, eventLines: lines }).verdict).toBe('bug');
  });

  test('generated drivers, well-behaved and with each bug kind (fixed seed)', () => {
    const scenarios = [
      ...fc.sample(wellBehavedScenarioArb(2), { seed: 11, numRuns: 8 }),
      ...BUG_KINDS.flatMap((k) => fc.sample(bugScenarioArb(k), { seed: 7, numRuns: 1 })),
    ];
    let compared = 0;
    for (const s of scenarios) {
      const c = compile(buildDriver(s.spec, s.platform).program, makePlatform(s.platform));
      for (const events of [2]) {
        const d = reductionDifference(c, events);
        if (d === 'unfinished') continue;
        compared++;
        expect(d, `${JSON.stringify(s.spec)} on ${JSON.stringify(s.platform)}, ${events} events`).toBeUndefined();
      }
    }
    expect(compared).toBeGreaterThan(12);
  });
});

describe('the differential comparison catches an unsound reduction', () => {
  /** Conflicting ops declared independent: each op touches only its own actor, each actor is its own group. */
  const everythingIndependent = (f: Footprints, c: Compiled): Footprints => {
    const words = Math.ceil(c.actors.length / 32);
    const own = (a: number) => {
      const b = new Uint32Array(words);
      b[a >> 5] |= 1 << (a & 31);
      return b;
    };
    const op = f.op.map((row, a) => row.map(() => own(a)));
    const suffix = f.suffix.map((row, a) => row.map((_, i) => (i < row.length - 1 ? own(a) : new Uint32Array(words))));
    return { ...f, op, suffix, groups: c.actors.map((_, a) => [a]) };
  };

  test('a read-before-unmap loopback and a missing sync are told apart from the full search', () => {
    for (const p of [twoChannels('read-before-unmap'), TS_SCENARIOS.find((s) => s.id.endsWith('#c1-read-without-sync'))!.program]) {
      const c = compiled(p);
      expect(reductionDifference(c, 1), p.name).toBeUndefined();
      expect(reductionDifference(c, 1, everythingIndependent(footprints(c), c)), p.name).toMatch(/missing|extra|full search|witness/);
    }
  });

  test('two accesses of overlapping bytes of a Normal-NC line declared independent (a wrong atom split) are told apart', () => {
    // What byte-atoms.ts would do with a wrong edge: the CPU's u32 store at desc+0 and the
    // device's u16 read at desc+2 share bytes 2..4; footprints that leave them no common resource
    // let the reduction take one order only.
    const loaded = loadLitmus('overlap.litmus', 'DMA nc-partial-overlap\n{ coherent desc[64]; mmio DB; }\ncpu drv {\n  desc = dma_alloc_coherent(dev, 64, GFP_KERNEL);\n  writel(1, DB);\n  *(u32 *)desc = 0x11223344;\n}\ndevice nic {\n  wait_doorbell(DB, 1);\n  v = dma_read(desc + 2, 2);\n}\n');
    if ('kind' in loaded) throw new Error(loaded.message);
    const c = loaded.compiled;
    const f = footprints(c);
    const store = (c.actors[0].actor.ops as { op: string }[]).findIndex((op) => op.op === 'store');
    const read = (c.actors[1].actor.ops as { op: string }[]).findIndex((op) => op.op === 'dma_read');
    // the read keeps only what the store does not name (its own actor's bit among them)
    const op = f.op.map((row, a) => row.map((b, j) => (a === 1 && j === read ? b.map((w, k) => w & ~f.op[0][store][k]) : b)));
    const suffix = op.map((row) => row.map((_, i) => row.slice(i).reduce((u, b) => u.map((w, k) => w | b[k]), new Uint32Array(f.op[0][0].length))).concat([new Uint32Array(f.op[0][0].length)]));
    expect(reductionDifference(c, 0)).toBeUndefined();
    expect(reductionDifference(c, 0, { ...f, op, suffix })).toMatch(/missing|extra|full search|witness/);
  });

  test('a wrong line symmetry changes a verdict: two lines the program tells apart put in one class', () => {
    // A 128-byte mapping whose first line the CPU reads before the doorbell (mb() keeps it there)
    // and whose second it reads with no unmap: a fill of the second line before the device's
    // write is read stale, a fill of the first changes nothing. Both events are live, and the
    // lines look alike until then (absent, same bytes), so a class holding both gives the fill to
    // the first only.
    const c = compiled(program('stale-second-line', {
      buffers: [pages('buf', 4096)],
      registers: ['DB'],
      actors: [
        cpu('cpu0', [dma_map_single('h', 'buf', 0, 128, FROM_DEVICE), load('buf', 0, 8), mb(), writel('DB', 1), wait_irq('irq'), load('buf', 64, 8)]),
        device('dev', [wait_doorbell('DB', 1), dma_write('h', 0, 128, 0x55), raise_irq('irq')]),
      ],
    }));
    const [first, second] = [c.layout.buffers.get('buf')!.addr, c.layout.buffers.get('buf')!.addr + 64];
    const stale = exploreExhaustively(c, { maxEvents: 1 });
    expect(stale.verdict).toBe('bug');
    expect(stale.counterexample!.execution.steps).toContainEqual({ fill: second });
    expect(exploreExhaustively(c, { maxEvents: 1, eventLines: [first, second], lineClasses: { classes: new Map([[first, 0], [second, 0]]), partner: new Map() } }).verdict).toBe('ok');
  });

  test('a stale read is told apart when events leave out the line the CPU reads', () => {
    const c = compiled(TS_SCENARIOS.find((s) => s.id.endsWith('#c1-read-without-sync'))!.program);
    expect(reductionDifference(c, 1)).toBeUndefined();
    expect(reductionDifference(c, 1, footprints(c), [])).toMatch(/missing|full search/);
  });
});
