// The chunk-wise Memory and line-wise Cache loops (the model's hot path) behave exactly like the
// byte-at-a-time loops they replaced, kept here as the reference: same bytes read, same memory
// (chunks included), same cache lines, same events in the same order.

import { expect, test } from 'vitest';
import fc from 'fast-check';
import { Cache, type CacheEvent } from '../src/platform/cache.js';
import { Memory } from '../src/platform/memory.js';

/** The byte-at-a-time originals. */
class ByteMemory extends Memory {
  override read(addr: number, out: Uint8Array): Uint8Array {
    for (let i = 0; i < out.length; i++) out[i] = this.readByte(addr + i);
    return out;
  }
  override write(addr: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) this.writeByte(addr + i, bytes[i]);
  }
  override fill(addr: number, size: number, byte: number): void {
    for (let i = 0; i < size; i++) this.writeByte(addr + i, byte);
  }
}

class ByteCache extends Cache {
  override read(addr: number, out: Uint8Array): Uint8Array {
    for (let i = 0; i < out.length; i++) {
      const a = addr + i;
      const l = this.lines.get(this.lineOf(a));
      out[i] = l ? l.data[a % this.lineBytes] : this.memory.readByte(a);
    }
    return out;
  }
  override write(addr: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const a = addr + i;
      const l = this.fill(this.lineOf(a));
      l.data[a % this.lineBytes] = bytes[i];
      l.dirty = true;
    }
  }
  override snoopWrite(addr: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const a = addr + i;
      const l = this.lines.get(this.lineOf(a));
      if (l) {
        l.data[a % this.lineBytes] = bytes[i];
        l.dirty = true;
      } else {
        this.memory.writeByte(a, bytes[i]);
      }
    }
  }
}

const addr = fc.integer({ min: 0x0f00, max: 0x1400 }); // spans several 256-byte chunks and lines
const bytes = fc.uint8Array({ minLength: 0, maxLength: 600 });
const op = fc.oneof(
  fc.record({ k: fc.constant('read' as const), addr, size: fc.nat(600) }),
  fc.record({ k: fc.constant('write' as const), addr, bytes }),
  fc.record({ k: fc.constant('snoopWrite' as const), addr, bytes }),
  fc.record({ k: fc.constant('memWrite' as const), addr, bytes }),
  fc.record({ k: fc.constant('memFill' as const), addr, size: fc.nat(600), byte: fc.nat(255) }),
  fc.record({ k: fc.constant('memRead' as const), addr, size: fc.nat(600) }),
  fc.record({ k: fc.constant('fill' as const), addr }),
  fc.record({ k: fc.constant('evict' as const), addr }),
  fc.record({ k: fc.constant('clean' as const), addr }),
  fc.record({ k: fc.constant('invalidate' as const), addr, up: fc.boolean() }),
);

test('Memory and Cache fast paths equal the byte-at-a-time reference', () => {
  fc.assert(fc.property(fc.constantFrom(64, 128, 256), fc.array(op, { maxLength: 40 }), (line, ops) => {
    const run = (m: Memory, c: Cache) => {
      const events: CacheEvent[] = [];
      const reads: number[][] = [];
      c.onEvent = (e) => events.push(e);
      for (const o of ops) {
        switch (o.k) {
          case 'read': reads.push([...c.read(o.addr, new Uint8Array(o.size))]); break;
          case 'write': c.write(o.addr, o.bytes); break;
          case 'snoopWrite': c.snoopWrite(o.addr, o.bytes); break;
          case 'memWrite': m.write(o.addr, o.bytes); break;
          case 'memFill': m.fill(o.addr, o.size, o.byte); break;
          case 'memRead': reads.push([...m.read(o.addr, new Uint8Array(o.size))]); break;
          case 'fill': c.fill(c.lineOf(o.addr)); break;
          case 'evict': c.evict(c.lineOf(o.addr)); break;
          case 'clean': c.clean(c.lineOf(o.addr)); break;
          case 'invalidate': c.invalidate(c.lineOf(o.addr), o.up); break;
        }
      }
      const lines = [...c.lines].map(([k, l]) => [k, [...l.data], l.dirty]);
      return { events, reads, lines, memory: m.fingerprint() };
    };
    const fast = new Memory(), ref = new ByteMemory();
    expect(run(fast, new Cache(line, fast))).toEqual(run(ref, new ByteCache(line, ref)));
  }), { seed: 7, numRuns: 300 });
});

test('judging the run made while resolving an execution equals judging the execution afresh', async () => {
  const { fuzzTarget, materialize } = await import('../src/selftest/targets.js');
  const { judgeExecution, judgeRun } = await import('../src/oracle/oracle.js');
  for (const name of ['well-behaved', 'bug-class:3', 'bug-class:9']) {
    for (const k of fc.sample(fuzzTarget(name).cases, { seed: 3, numRuns: 150 })) {
      const m = materialize(k);
      expect(judgeRun(m.compiled, m.model)).toEqual(judgeExecution(m.compiled, m.counterexample.execution));
    }
  }
});

// --- observation equality without JSON.stringify (oracle.ts, witness-search.ts) ---

test('sameObservations agrees with comparing observationKey strings', async () => {
  const { observationKey, sameObservations } = await import('../src/exec/observations.js');
  const { fuzzTarget, buildCase, runCase, executionsOf } = await import('../src/selftest/targets.js');
  const { runIdealLike } = await import('../src/model/machines.js');
  type Obs = import('../src/exec/observations.js').Observations;
  const agree = (a: Obs, b: Obs) => expect(sameObservations(a, b)).toBe(observationKey(a) === observationKey(b));
  // Real observations: model vs ideal of the same interleaving, and across executions of one program.
  let equal = 0, differ = 0;
  for (const name of ['well-behaved', 'bug-class:3', 'bug-class:9']) {
    for (const k of fc.sample(fuzzTarget(name).cases, { seed: 5, numRuns: 100 })) {
      const built = buildCase(k.scenario);
      const all = executionsOf(k).flatMap((steps) => {
        const model = runCase(built, steps).model;
        return [model.observations(), runIdealLike(built.compiled, model.order).observations()];
      });
      for (const a of all) for (const b of all) {
        agree(a, b);
        if (sameObservations(a, b)) equal++; else differ++;
      }
    }
  }
  expect(equal).toBeGreaterThan(100);
  expect(differ).toBeGreaterThan(100);
  // Made-up observations from a tiny alphabet, so near misses are common: actor order, missing
  // reads, lengths, done flags, finals, bail-outs.
  const value = fc.constantFrom(undefined, '0x00', '0x01');
  const obs: fc.Arbitrary<Obs> = fc.record({
    actors: fc.uniqueArray(fc.constantFrom('cpu0', 'dev', 'cpu1'), { maxLength: 3 }),
    reads: fc.array(fc.array(value, { maxLength: 3 }), { minLength: 3, maxLength: 3 }),
    done: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    final: fc.array(fc.constantFrom('0x00', '0x01'), { maxLength: 2 }),
    bailedOut: fc.option(fc.constantFrom('cpu0:1', 'cpu0:2'), { nil: undefined }),
  }).map((r) => ({
    reads: Object.fromEntries(r.actors.map((n, i) => [n, r.reads[i]])),
    done: Object.fromEntries(r.actors.map((n, i) => [n, r.done[i]])),
    final: r.final,
    ...(r.bailedOut !== undefined ? { bailedOut: r.bailedOut } : {}),
  }));
  fc.assert(fc.property(obs, obs, (a, b) => {
    agree(a, b);
    agree(a, structuredClone(a));
  }), { seed: 11, numRuns: 5000 });
});

test('formatValue with its hex table prints exactly as the toString(16) original', async () => {
  const { formatValue } = await import('../src/exec/values.js');
  const original = (bytes: Uint8Array): string => {
    if (bytes.length <= 8) {
      let s = '';
      for (let i = bytes.length - 1; i >= 0; i--) s += bytes[i].toString(16).padStart(2, '0');
      return '0x' + s;
    }
    return '[' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ') + ']';
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 20 }), (b) => formatValue(b) === original(b)), { seed: 13, numRuns: 2000 });
});

// --- byte arrays carved from slabs (src/platform/bytes.ts) instead of new Uint8Array ---

test('zeroedBytes behaves as new Uint8Array: zeroed, the right length, never shared, same errors', async () => {
  const { copyOfBytes, zeroedBytes } = await import('../src/platform/bytes.js');
  fc.assert(fc.property(fc.array(fc.nat(5000), { maxLength: 100 }), (sizes) => {
    const got = sizes.map((n, i) => {
      const b = zeroedBytes(n);
      expect(b.length).toBe(n);
      expect(b.every((x) => x === 0)).toBe(true);
      return b.fill(i % 256);
    });
    got.forEach((b, i) => expect(b.every((x) => x === i % 256)).toBe(true)); // no two arrays overlap
    got.forEach((b) => expect([...copyOfBytes(b)]).toEqual([...b.slice()]));
  }), { seed: 17, numRuns: 200 });
  for (const n of [-1, 100.5, 3000.5, NaN, 2 ** 53]) {
    const want = (() => { try { return new Uint8Array(n).length; } catch (e) { return (e as Error).name; } })();
    const got = (() => { try { return zeroedBytes(n).length; } catch (e) { return (e as Error).name; } })();
    expect(got).toBe(want);
  }
});
