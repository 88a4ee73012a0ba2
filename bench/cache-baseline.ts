// The baseline: what plain fast-check costs on a toy of the same problem — a 4-line write-back
// cache in front of memory, checked against flat memory with fc.commands. The driver under test
// does the right maintenance (clean before the device reads, invalidate after it writes), so the
// property holds; the benchmark measures the machinery, not a bug.

import fc from 'fast-check';

const LINE = 16, LINES = 4, SIZE = 256;

class WbCache {
  mem = new Uint8Array(SIZE);
  lines = new Map<number, { data: Uint8Array; dirty: boolean }>();
  private line(addr: number) {
    const base = addr - (addr % LINE);
    let l = this.lines.get(base);
    if (!l) {
      if (this.lines.size >= LINES) this.evict(this.lines.keys().next().value!);
      l = { data: this.mem.slice(base, base + LINE), dirty: false };
      this.lines.set(base, l);
    }
    return l;
  }
  evict(base: number) {
    const l = this.lines.get(base);
    if (l?.dirty) this.mem.set(l.data, base);
    this.lines.delete(base);
  }
  write(addr: number, v: number) { const l = this.line(addr); l.data[addr % LINE] = v; l.dirty = true; }
  read(addr: number) { return this.line(addr).data[addr % LINE]; }
  clean(addr: number) { const base = addr - (addr % LINE), l = this.lines.get(base); if (l?.dirty) { this.mem.set(l.data, base); l.dirty = false; } }
  invalidate(addr: number) { this.lines.delete(addr - (addr % LINE)); }
}

type Model = { flat: Uint8Array };
type Real = { cache: WbCache };
type Cmd = fc.Command<Model, Real>;

const addr = fc.nat(SIZE - 1);
const commands: fc.Arbitrary<Cmd>[] = [
  fc.record({ a: addr, v: fc.nat(255) }).map(({ a, v }): Cmd => ({ check: () => true, run: (m, r) => { m.flat[a] = v; r.cache.write(a, v); }, toString: () => `cpuWrite(${a},${v})` })),
  addr.map((a): Cmd => ({ check: () => true, run: (m, r) => { if (r.cache.read(a) !== m.flat[a]) throw new Error(`stale read at ${a}`); }, toString: () => `cpuRead(${a})` })),
  addr.map((a): Cmd => ({ check: () => true, run: (_m, r) => r.cache.clean(a), toString: () => `clean(${a})` })),
  addr.map((a): Cmd => ({ check: () => true, run: (_m, r) => { r.cache.clean(a); r.cache.invalidate(a); }, toString: () => `invalidate(${a})` })),
  // The device writes memory; the driver cleaned and invalidated the line first (the DMA API's job).
  fc.record({ a: addr, v: fc.nat(255) }).map(({ a, v }): Cmd => ({ check: () => true, run: (m, r) => { r.cache.clean(a); r.cache.invalidate(a); r.cache.mem[a] = v; m.flat[a] = v; }, toString: () => `deviceWrite(${a},${v})` })),
];

export function cacheBaselineCommands(maxCommands: number) {
  return fc.property(fc.commands(commands, { maxCommands, size: 'max' }), (cmds) => {
    fc.modelRun(() => ({ model: { flat: new Uint8Array(SIZE) }, real: { cache: new WbCache() } }), cmds);
  });
}
