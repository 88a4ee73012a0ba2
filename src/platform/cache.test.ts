// The two-level hierarchy (CWG > DminLine): L1 at DminLine, L2 at CWG, both before the PoC.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Cache, type CacheEvent } from './cache.js';
import { Memory } from './memory.js';

const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);

function twoLevel() {
  const memory = new Memory();
  const cache = new Cache(64, memory, 128);
  const events: CacheEvent[] = [];
  cache.onEvent = (e) => events.push(e);
  return { memory, cache, events };
}

describe('two levels: L1 at DminLine (64), L2 at CWG (128)', () => {
  test('with lineSize = cwg there is one level', () => {
    expect(new Cache(64, new Memory(), 64).outer).toBeUndefined();
    expect(new Cache(64, new Memory()).outer).toBeUndefined();
    expect(twoLevel().cache.outer).toBeDefined();
  });

  test('dc cvac by VA cleans the L1 line holding it, not the other L1 line of the CWG line', () => {
    const { memory, cache } = twoLevel();
    cache.write(0x1000, bytes(4, 1)); // the neighbour, dirty in L1
    cache.cleanToPoc(0x1040);
    expect(cache.state(0x1000)).toBe('dirty');
    expect(memory.readByte(0x1000)).toBe(0);
    cache.cleanToPoc(0x1000);
    expect(memory.readByte(0x1000)).toBe(1);
    expect(cache.state(0x1000)).toBe('clean');
  });

  test('dc cvac by VA writes back the whole L2 line holding it', () => {
    const { memory, cache } = twoLevel();
    cache.write(0x1000, bytes(4, 1));
    cache.evict(0x1000); // into L2: the whole 128-byte line is now dirty
    expect(cache.state(0x1000, 2)).toBe('dirty');
    memory.write(0x1040, bytes(8, 7)); // a non-coherent device writes the other half
    cache.cleanToPoc(0x1040);
    expect(memory.readByte(0x1000)).toBe(1);
    expect(memory.readByte(0x1040)).toBe(0); // the L2 line's stale copy of 0x1040 went over the device's data
  });

  test('an L1 eviction of a dirty line allocates its L2 line from memory; a clean one just leaves', () => {
    const { cache, events } = twoLevel();
    cache.fill(0x1040);
    cache.evict(0x1040);
    expect(cache.has(0x1000, 2)).toBe(false);
    cache.write(0x1040, bytes(2, 3));
    cache.evict(0x1040);
    expect(cache.state(0x1000, 2)).toBe('dirty');
    expect(events.filter((e) => e.kind !== 'evict')).toContainEqual({ kind: 'writeback', line: 0x1040, level: 1, outer: 0x1000 });
  });

  test('an L1 fill comes from L2 when L2 holds the line', () => {
    const { memory, cache } = twoLevel();
    cache.write(0x1040, bytes(2, 3));
    cache.evict(0x1040);
    memory.write(0x1040, bytes(2, 9)); // memory now differs from L2
    cache.fill(0x1040);
    expect(cache.read(0x1040, new Uint8Array(2))).toEqual(bytes(2, 3));
  });

  test('reads: L1, then L2, then memory', () => {
    const { memory, cache } = twoLevel();
    memory.write(0x1000, bytes(128, 5));
    cache.fillOuter(0x1000);
    memory.write(0x1000, bytes(128, 6));
    expect(cache.read(0x103e, new Uint8Array(4))).toEqual(bytes(4, 5)); // L2 for both halves
    cache.write(0x1040, bytes(1, 8));
    expect(cache.read(0x103f, new Uint8Array(2))).toEqual(new Uint8Array([5, 8]));
    cache.evictOuter(0x1000); // clean: nothing written
    expect(cache.read(0x103f, new Uint8Array(2))).toEqual(new Uint8Array([6, 8]));
  });

  test('dc ivac drops both levels; at L2 the whole CWG line is discarded, or written back with the IVAC→CIVAC upgrade', () => {
    for (const upgrade of [false, true]) {
      const { memory, cache } = twoLevel();
      cache.write(0x1000, bytes(4, 1));
      cache.evict(0x1000);
      cache.invalidateToPoc(0x1040, upgrade);
      expect(cache.has(0x1000, 2)).toBe(false);
      expect(memory.readByte(0x1000)).toBe(upgrade ? 1 : 0);
    }
  });

  test('dc civac writes L1 through L2 to memory and drops both', () => {
    const { memory, cache } = twoLevel();
    cache.fillOuter(0x1000);
    cache.write(0x1040, bytes(4, 2));
    cache.cleanInvalidateToPoc(0x1040);
    expect(cache.has(0x1040)).toBe(false);
    expect(cache.has(0x1000, 2)).toBe(false);
    expect(memory.readByte(0x1040)).toBe(2);
  });

  test('a snooping device sees both levels: an L1-dirty line answers first', () => {
    const { cache } = twoLevel();
    cache.write(0x1000, bytes(4, 1));
    cache.evict(0x1000); // L2 holds 1s
    cache.write(0x1000, bytes(2, 4)); // L1 newer
    expect(cache.snoopRead(0x1000, new Uint8Array(4))).toEqual(new Uint8Array([4, 4, 1, 1]));
  });

  test('a snooped write updates every cached copy and keeps the rest of an L1-dirty line', () => {
    const { memory, cache } = twoLevel();
    cache.fillOuter(0x1000);
    cache.write(0x1000, bytes(4, 1));
    cache.snoopWrite(0x1002, bytes(4, 9));
    expect(cache.read(0x1000, new Uint8Array(6))).toEqual(new Uint8Array([1, 1, 9, 9, 9, 9]));
    expect(cache.state(0x1000, 2)).toBe('dirty');
    cache.evict(0x1000);
    cache.evictOuter(0x1000);
    expect(memory.read(0x1000, new Uint8Array(6))).toEqual(new Uint8Array([1, 1, 9, 9, 9, 9]));
  });

  test('copies are deep and fingerprints tell the levels apart', () => {
    const { memory, cache } = twoLevel();
    cache.write(0x1000, bytes(4, 1));
    const copy = cache.copyTo(memory.clone());
    expect(copy.fingerprint()).toBe(cache.fingerprint());
    copy.evict(0x1000);
    expect(copy.fingerprint()).not.toBe(cache.fingerprint());
    expect(cache.state(0x1000)).toBe('dirty');
  });
});

// Copies share lines until one side writes: a cache copied from must never see its copy's
// writes (nor the copy its own), and a copy must end where a cache never copied ends.
describe('copies share lines copy-on-write', () => {
  // 1 KiB of two 4 KiB pages: the lines are kept in groups by page (line-map.ts), shared apart
  const WINDOW = 0x400, PAGES = [0, 0x3000];
  const each = (step: number, f: (a: number) => void) => { for (const p of PAGES) for (let a = 0; a < WINDOW; a += step) f(p + a); };
  const opArb = fc.record({
    kind: fc.constantFrom('write', 'snoop', 'fill', 'evict', 'fillOuter', 'evictOuter', 'cvac', 'civac', 'ivac'),
    addr: fc.tuple(fc.constantFrom(...PAGES), fc.integer({ min: 0, max: WINDOW - 8 })).map(([p, a]) => p + a),
    fill: fc.integer({ min: 0, max: 255 }),
    copyAfter: fc.boolean(),
  });
  type Op = { kind: string; addr: number; fill: number };
  const apply = (c: Cache, o: Op) => {
    switch (o.kind) {
      case 'write': return c.write(o.addr, bytes(6, o.fill));
      case 'snoop': return c.snoopWrite(o.addr, bytes(6, o.fill));
      case 'fill': return void c.fill(c.lineOf(o.addr));
      case 'evict': return c.evict(c.lineOf(o.addr));
      case 'fillOuter': return void c.fillOuter(c.outerLineOf(o.addr));
      case 'evictOuter': return c.evictOuter(c.outerLineOf(o.addr));
      case 'cvac': return c.cleanToPoc(o.addr);
      case 'civac': return c.cleanInvalidateToPoc(o.addr);
      default: return c.invalidateToPoc(o.addr, o.fill % 2 === 0);
    }
  };
  /** Everything a cache holds, read without changing it: each level's lines, dirty bits and bytes, and memory. */
  const state = (c: Cache) => {
    const level = (m: Iterable<[number, { data: Uint8Array; dirty: boolean }]> | undefined) => [...(m ?? [])].sort((a, b) => a[0] - b[0]).map(([a, l]) => `${a}${l.dirty ? 'd' : 'c'}${l.data.join(',')}`).join('|');
    return `${level(c.lines)}~${level(c.outer)}~${PAGES.map((p) => c.memory.read(p, new Uint8Array(WINDOW)).join(',')).join('/')}~${c.fingerprint()}`;
  };

  for (const [name, outer] of [['one level', 64], ['two levels', 128]] as const) {
    test(`${name}: a cache copied from never changes again, and the last copy ends as an uncopied cache`, () => {
      fc.assert(fc.property(fc.array(opArb, { maxLength: 20 }), (ops) => {
        let c = new Cache(64, new Memory(), outer);
        const plain = new Cache(64, new Memory(), outer);
        const frozen: { c: Cache; state: string }[] = [];
        for (const o of ops) {
          apply(c, o);
          apply(plain, o);
          if (o.copyAfter) {
            frozen.push({ c, state: state(c) });
            c = c.copyTo(c.memory.clone());
          }
        }
        each(8, (a) => apply(c, { kind: 'write', addr: a, fill: 0x77 })); // the last copy writes every line it shares
        each(8, (a) => apply(plain, { kind: 'write', addr: a, fill: 0x77 }));
        for (const f of frozen) expect(state(f.c)).toBe(f.state);
        expect(state(c)).toBe(state(plain));
        // And a cache copied from writes its own lines, not its copies' (nor the copies' memory).
        const last = state(c);
        for (const [i, f] of frozen.entries()) {
          each(8, (a) => apply(f.c, { kind: 'write', addr: a, fill: 0x55 }));
          for (const g of frozen.slice(i + 1)) expect(state(g.c)).toBe(g.state);
          expect(state(c)).toBe(last);
        }
      }), { seed: 20, numRuns: 300 });
    });

    // The fingerprint hashes each line's bytes (a search keeps one per state): two caches with the
    // same lines, dirty bits and bytes share it, whatever their histories and copies, and any
    // difference in a line shows (with odds of about 2^-64 it would not).
    test(`${name}: the same lines, dirty bits and bytes, the same fingerprint, and only then`, () => {
      const lines = (c: Cache) => state(c).split('~').slice(0, 2).join('~');
      const run = (ops: (Op & { copyAfter: boolean })[]) => {
        let c = new Cache(64, new Memory(), outer);
        for (const o of ops) {
          apply(c, o);
          c.fingerprint(); // as a search asks at every state: what it keeps of a line must not go stale
          if (o.copyAfter) c = c.copyTo(c.memory.clone());
        }
        return c;
      };
      // two histories that share a start and then part: most end one write, fill, eviction or
      // clean apart (a byte, a line, a dirty bit), some end alike
      fc.assert(fc.property(fc.array(opArb, { maxLength: 12 }), fc.array(opArb, { maxLength: 2 }), fc.array(opArb, { maxLength: 2 }), (start, t1, t2) => {
        const a = run([...start, ...t1]), b = run([...start, ...t2]);
        expect(a.fingerprint() === b.fingerprint()).toBe(lines(a) === lines(b));
      }), { seed: 21, numRuns: 1000 });
    });
  }
});
