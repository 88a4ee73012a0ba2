import { describe, expect, test } from 'vitest';
import { Cache } from '../platform/cache.js';
import { Memory } from '../platform/memory.js';
import { dcacheCleanPoc, dcacheInvalPoc, type DcOp, type MaintenanceOptions } from './cache-maintenance.js';

function issued(start: number, end: number, routine: typeof dcacheInvalPoc, dminLine = 64): string[] {
  const ops: string[] = [];
  const o: MaintenanceOptions = { dminLine, cleanIsCivac: false, ivacUpgrade: false, onDc: (op: DcOp, a: number) => ops.push(`${op} ${a.toString(16)}`) };
  routine(new Cache(dminLine, new Memory()), start, end, o);
  return ops;
}

describe('dcache_inval_poc issues exactly the instructions of arch/arm64/mm/cache.S', () => {
  test('aligned range: dc ivac on every line', () => {
    expect(issued(0x1000, 0x1080, dcacheInvalPoc)).toEqual(['ivac 1000', 'ivac 1040']);
  });
  test('unaligned start and end: civac on both partial edges, ivac in between', () => {
    expect(issued(0x1004, 0x10c8, dcacheInvalPoc)).toEqual(['civac 10c0', 'civac 1000', 'ivac 1040', 'ivac 1080']);
  });
  test('8 bytes at offset 4 of one line: civac end line, civac start line (the same line)', () => {
    expect(issued(0x1004, 0x100c, dcacheInvalPoc)).toEqual(['civac 1000', 'civac 1000']);
  });
  test('aligned start, unaligned end in the same line: civac then ivac on that line (do-while)', () => {
    expect(issued(0x1000, 0x1008, dcacheInvalPoc)).toEqual(['civac 1000', 'ivac 1000']);
  });
  test('unaligned start, aligned end one line later: civac start only', () => {
    expect(issued(0x1010, 0x1040, dcacheInvalPoc)).toEqual(['civac 1000']);
  });
  test('dcache_clean_poc touches every line of the range, partial edges included', () => {
    expect(issued(0x1004, 0x1048, dcacheCleanPoc)).toEqual(['cvac 1000', 'cvac 1040']);
  });
  test('addresses above 4 GiB keep their low bits (no 32-bit masking)', () => {
    expect(issued(0x1_0000_1004, 0x1_0000_1048, dcacheInvalPoc)).toEqual(['civac 100001040', 'civac 100001000']);
  });
});

describe('what the instructions do to a dirty line', () => {
  const setup = (ivacUpgrade: boolean, cleanIsCivac = false) => {
    const mem = new Memory();
    const cache = new Cache(64, mem);
    cache.write(0x1000, Uint8Array.of(7));
    return { mem, cache, o: { dminLine: 64, cleanIsCivac, ivacUpgrade } };
  };
  test('dc ivac discards a dirty line', () => {
    const { mem, cache, o } = setup(false);
    dcacheInvalPoc(cache, 0x1000, 0x1040, o);
    expect(mem.readByte(0x1000)).toBe(0);
    expect(cache.lines.size).toBe(0);
  });
  test('dc ivac upgraded to civac writes a dirty line back', () => {
    const { mem, cache, o } = setup(true);
    dcacheInvalPoc(cache, 0x1000, 0x1040, o);
    expect(mem.readByte(0x1000)).toBe(7);
  });
  test('dc cvac writes back and keeps the line; the A53 workaround makes it civac', () => {
    const plain = setup(false);
    dcacheCleanPoc(plain.cache, 0x1000, 0x1040, plain.o);
    expect(plain.mem.readByte(0x1000)).toBe(7);
    expect(plain.cache.lines.get(0x1000)?.dirty).toBe(false);
    const a53 = setup(false, true);
    dcacheCleanPoc(a53.cache, 0x1000, 0x1040, a53.o);
    expect(a53.mem.readByte(0x1000)).toBe(7);
    expect(a53.cache.lines.size).toBe(0);
  });
  test('CWG 128 > DminLine 64: the ivac of a fully covered 64-byte line discards a neighbour dirty in the same 128-byte line', () => {
    const mem = new Memory();
    const cache = new Cache(128, mem); // the cache holds CWG lines
    cache.write(0x1050, Uint8Array.of(9)); // neighbour at 0x1050, outside the buffer [0x1000, 0x1040)
    dcacheInvalPoc(cache, 0x1000, 0x1040, { dminLine: 64, cleanIsCivac: false, ivacUpgrade: false });
    expect(mem.readByte(0x1050)).toBe(0); // the neighbour's store is gone
  });
});
