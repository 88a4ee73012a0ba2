// The kernel calls of src/litmus/cpu-calls.ts (issue 18): each pair is a correct shape and the
// same shape with the ordering (or sync) dropped, so every rule is shown both to hold and to be
// what makes the difference. Bad input is one file:line:col line.

import { describe, expect, test } from 'vitest';
import { formatInputError, loadLitmus } from '../src/run/check-file.js';
import { checkPaths } from '../src/oracle/check.js';
import { newIdealMachine } from '../src/model/machines.js';
import type { ModelFault } from '../src/platform/platform.js';
import { compilePaths } from '../src/exec/compile.js';

/** The verdict of a text; `faults` runs it on a deliberately broken model (src/platform/platform.ts). */
function verdict(text: string, faults?: ModelFault[]): string {
  const loaded = loadLitmus('t.litmus', text);
  if ('kind' in loaded) throw new Error(formatInputError(loaded));
  const paths = faults ? compilePaths(loaded.compiled.source ?? loaded.compiled.program, { ...loaded.compiled.platform, faults }) : loaded.compiled.allPaths ?? [loaded.compiled];
  return checkPaths(paths).verdict;
}

function errorOf(text: string): string {
  const r = loadLitmus('t.litmus', text);
  if (!('kind' in r)) throw new Error('expected an error, but the file loaded');
  return formatInputError(r);
}

const edit = (text: string, from: string, to: string) => {
  if (!text.includes(from)) throw new Error(`test bug: '${from}' not in the text`);
  return text.replace(from, to);
};

const MP = `DMA mp-release-acquire
{ kmalloc mem[256]; field x[4] in mem; field y[4] in mem + 64; }
cpu cpu0 {
  WRITE_ONCE(*(u32 *)x, 1);
  smp_store_release(&y, 1);
}
cpu cpu1 {
  r0 = smp_load_acquire(&y);
  r1 = READ_ONCE(*(u32 *)x);
}
exists (cpu1:r0 = 1 /\\ cpu1:r1 = 0)
`;

const LOCK = `DMA spinlock-counter
{ kmalloc mem[256]; field lock[4] in mem; field cnt[4] in mem + 64; }
cpu cpu0 {
  spin_lock(&lock);
  r0 = READ_ONCE(*(u32 *)cnt);
  WRITE_ONCE(*(u32 *)cnt, r0 + 1);
  spin_unlock(&lock);
}
cpu cpu1 {
  spin_lock_irqsave(&lock, flags);
  r1 = READ_ONCE(*(u32 *)cnt);
  WRITE_ONCE(*(u32 *)cnt, r1 + 1);
  spin_unlock_irqrestore(&lock, flags);
}
exists (cpu0:r0 = 0 /\\ cpu1:r1 = 0)
`;

const SB = `DMA sb-xchg
{ kmalloc mem[256]; field x[4] in mem; field y[4] in mem + 64; }
cpu cpu0 {
  r2 = xchg(&x, 1);
  r0 = READ_ONCE(*(u32 *)y);
}
cpu cpu1 {
  r3 = cmpxchg(&y, 0, 1);
  r1 = READ_ONCE(*(u32 *)x);
}
exists (cpu0:r0 = 0 /\\ cpu1:r1 = 0)
`;

const DOORBELL = `DMA doorbell-writeq
{ coherent ring[64]; mmio DB; }
cpu drv {
  ring = dma_alloc_coherent(dev, 64, GFP_KERNEL);
  WRITE_ONCE(*(u32 *)ring, 0x11);
  writeq(0x100000001, DB);
}
device nic {
  wait_write(DB);
  r = dma_read(ring, 4);
}
exists (nic:r = 0)
`;

const POLL = `DMA readl-poll-timeout
{ coherent ring[64]; mmio STATUS; }
cpu drv {
  ring = dma_alloc_coherent(dev, 64, GFP_KERNEL);
  readl_poll_timeout(STATUS, val, val & 1, 10, 1000);
  r = READ_ONCE(*(u32 *)ring);
}
device nic {
  dma_write(ring, 4, 0x55);
  set_reg(STATUS, 1);
}
exists (drv:r = 0)
`;

const NONCOHERENT = `DMA noncoherent-rx
{ page rx[4096]; mmio DB; }
cpu drv {
  rx = dma_alloc_noncoherent(dev, 64, &rx_dma, DMA_FROM_DEVICE, GFP_KERNEL);
  dma_sync_single_for_device(dev, rx_dma, 64, DMA_FROM_DEVICE);
  writel(1, DB);
  wait_for_irq(irq);
  dma_sync_single_for_cpu(dev, rx_dma, 64, DMA_FROM_DEVICE);
  r = READ_ONCE(*(u32 *)rx);
  dma_free_noncoherent(dev, 64, rx, rx_dma, DMA_FROM_DEVICE);
}
device nic {
  wait_doorbell(DB, 1);
  dma_write(rx_dma, 4, 0x1234);
  raise_irq(irq);
}
`;

const SGTABLE = `DMA sgtable-tx
{ kmalloc a[64]; kmalloc b[64]; mmio DB; }
cpu drv {
  memset(a, 0x11, 64);
  memset(b, 0x22, 64);
  sg_set_buf(&sgt[0], a, 64);
  sg_set_buf(&sgt[1], b, 64);
  dma_map_sgtable(dev, sgt, DMA_TO_DEVICE, 0);
  writel(1, DB);
  wait_for_irq(irq);
  dma_unmap_sgtable(dev, sgt, DMA_TO_DEVICE, 0);
}
device nic {
  wait_doorbell(DB, 1);
  x = dma_read(sgt[0], 4);
  y = dma_read(sgt[1] + 60, 4);
  raise_irq(irq);
}
`;

describe('each call orders (or syncs) as the kernel does on arm64, and the shape without it is a bug', () => {
  test('smp_store_release / smp_load_acquire: message passing holds (STLR, LDAR)', () => {
    expect(verdict(MP)).toBe('ok');
    expect(verdict(edit(MP, 'smp_store_release(&y, 1)', 'WRITE_ONCE(*(u32 *)y, 1)'))).toBe('bug');
    expect(verdict(edit(MP, 'r0 = smp_load_acquire(&y)', 'r0 = READ_ONCE(*(u32 *)y)'))).toBe('bug');
  });

  test('spin_lock / spin_unlock: mutual exclusion, and the unlock must be a release', () => {
    expect(verdict(LOCK)).toBe('ok');
    // a plain store to unlock lets the critical section's store pass it: a lost update
    expect(verdict(edit(LOCK, '  spin_unlock(&lock);', '  WRITE_ONCE(*(u32 *)lock, 0);'))).toBe('bug');
    // no lock at all in one thread: both may read 0
    expect(verdict(edit(LOCK, '  spin_lock_irqsave(&lock, flags);', ''))).toBe('bug');
  });

  test('xchg / cmpxchg are fully ordered: store buffering is forbidden', () => {
    expect(verdict(SB)).toBe('ok');
    expect(verdict(edit(SB, 'r2 = xchg(&x, 1)', 'WRITE_ONCE(*(u32 *)x, 1)'))).toBe('bug');
    // against a model whose barriers order nothing the same test fails: the rule is what holds it
    expect(verdict(SB, ['barriers-order-nothing'])).toBe('bug');
  });

  test('cmpxchg with computed values is atomic: of two increments from 0 only one succeeds', () => {
    const text = `DMA cmpxchg-counter
{ kmalloc mem[256]; field cnt[4] in mem; }
cpu cpu0 {
  old0 = READ_ONCE(*(u32 *)cnt);
  r0 = cmpxchg(&cnt, old0, old0 + 1);
}
cpu cpu1 {
  old1 = READ_ONCE(*(u32 *)cnt);
  r1 = cmpxchg(&cnt, old1, old1 + 1);
}
exists (cpu0:r0 = 0 /\\ cpu1:r1 = 0 /\\ cpu0:old0 = 0 /\\ cpu1:old1 = 0)
`;
    expect(verdict(text)).toBe('ok');
    // the same update as a plain load and store loses an increment
    const plain = edit(edit(text, 'r0 = cmpxchg(&cnt, old0, old0 + 1);', 'r0 = READ_ONCE(*(u32 *)cnt); WRITE_ONCE(*(u32 *)cnt, old0 + 1);'),
      'r1 = cmpxchg(&cnt, old1, old1 + 1);', 'r1 = READ_ONCE(*(u32 *)cnt); WRITE_ONCE(*(u32 *)cnt, old1 + 1);');
    expect(verdict(plain)).toBe('bug');
  });

  test('writeq has writel\'s barrier, writeq_relaxed none; iowrite16 is writew', () => {
    expect(verdict(DOORBELL)).toBe('ok');
    expect(verdict(edit(DOORBELL, 'writeq(', 'writeq_relaxed('))).toBe('bug');
    expect(verdict(edit(DOORBELL, 'writeq(0x100000001, DB)', 'iowrite16(0, DB)'))).toBe('ok');
    expect(verdict(edit(DOORBELL, 'writeq(0x100000001, DB)', 'writew_relaxed(0, DB)'))).toBe('bug');
  });

  test('readl_poll_timeout reads with readl (its dmb oshld orders the loads after it); the relaxed form does not', () => {
    expect(verdict(POLL)).toBe('ok');
    expect(verdict(edit(POLL, 'readl_poll_timeout(', 'readl_relaxed_poll_timeout('))).toBe('bug');
  });

  test('dma_alloc_noncoherent: zeroed through the cache, so the driver must sync for the device', () => {
    expect(verdict(NONCOHERENT)).toBe('ok');
    expect(verdict(edit(NONCOHERENT, '  dma_sync_single_for_device(dev, rx_dma, 64, DMA_FROM_DEVICE);\n', ''))).toBe('bug');
  });

  test('dma_map_sgtable maps every entry set; mapping before the CPU writes is a bug', () => {
    expect(verdict(SGTABLE)).toBe('ok');
    const late = edit(edit(SGTABLE, '  memset(b, 0x22, 64);\n', ''), '  writel(1, DB);', '  memset(b, 0x22, 64);\n  writel(1, DB);');
    expect(verdict(late)).toBe('bug');
  });

  test('prefetch, udelay and friends change no value', () => {
    const text = edit(MP, '  smp_store_release(&y, 1);', '  udelay(10);\n  prefetch(x);\n  ndelay(5);\n  smp_store_release(&y, 1);');
    expect(verdict(text)).toBe('ok');
  });
});

const PERIPHERALS = `DMA two-peripherals
{ mmio PHY_EN @ phy; mmio MAC_START @ mac; }
cpu drv {
  writel_relaxed(1, PHY_EN);
  writel_relaxed(1, MAC_START);
}
device mac {
  wait_doorbell(MAC_START, 1);
  r = read_reg(PHY_EN);
}
exists (mac:r = 0)
`;

describe('doorbells as devices see them', () => {
  test('Device accesses stay in order only to the same peripheral (Arm ARM B2.7.2)', () => {
    expect(verdict(PERIPHERALS)).toBe('bug');
    expect(verdict(edit(edit(PERIPHERALS, ' @ phy', ''), ' @ mac', ''))).toBe('ok'); // one peripheral
    expect(verdict(edit(PERIPHERALS, 'writel_relaxed(1, MAC_START)', 'writel(1, MAC_START)'))).toBe('ok'); // writel's dmb oshst
  });

  test('a 64-bit register holds what writeq wrote', () => {
    const text = 'DMA w\n{ mmio u64 DB @ nic; }\ncpu c { writeq(0x100000001, DB); }\ndevice nic { wait_doorbell(DB, 0x100000001); r = read_reg(DB); }\nexists (nic:r != 0x100000001)\n';
    expect(verdict(text)).toBe('ok');
    // a 32-bit register cannot be waited on for a 64-bit value
    expect(errorOf(text.replace('mmio u64 DB', 'mmio DB'))).toMatch(/^t\.litmus:4:32: value 0x100000001 does not fit in a 32-bit MMIO register/);
  });

  test('wait_write starts on a write of any value, once per write seen', () => {
    /** Does the device finish when every thread runs in program order? */
    const deviceDone = (text: string) => {
      const loaded = loadLitmus('t.litmus', text);
      if ('kind' in loaded) throw new Error(formatInputError(loaded));
      const m = newIdealMachine(loaded.compiled);
      m.finish();
      return m.done(loaded.compiled.actorIndex.get('nic')!);
    };
    const one = 'DMA w\n{ mmio RDAR; }\ncpu c { writel(0, RDAR); }\ndevice nic { wait_write(RDAR); }\n';
    expect(deviceDone(one)).toBe(true); // writel(0, RDAR) rings it: RDAR held 0 already
    expect(deviceDone(one.replace('writel(0, RDAR);', 'readl(RDAR);'))).toBe(false); // a read does not
    expect(deviceDone(one.replace('wait_write(RDAR);', 'wait_write(RDAR); wait_write(RDAR);'))).toBe(false); // one write, one start
    // two writes before the device looks ring it once (the engine was started): the second wait hangs
    expect(deviceDone(one.replace('writel(0, RDAR);', 'writel(0, RDAR); writel(0, RDAR);').replace('wait_write(RDAR);', 'wait_write(RDAR); wait_write(RDAR);'))).toBe(false);
    expect(verdict(edit(DOORBELL, 'writeq(0x100000001, DB)', 'writel(0, DB)'))).toBe('ok');
  });
});

describe('bad input in the new calls is one file:line:col line', () => {
  const cases: [string, string, RegExp][] = [
    ['a wait for 0 holds at reset', 'DMA e\n{ mmio R; }\ncpu c { writel(0, R); }\ndevice d { wait_doorbell(R, 0); }\n',
      /^t\.litmus:4:12: R is 0 at reset, so wait_doorbell\(R, 0\) holds before the driver writes anything: wait for the write itself with wait_write\(R\);$/],
    ['an unsupported call says what to write', 'DMA e\n{ kmalloc b[4]; }\ncpu c { atomic_inc(b); }\n', /^t\.litmus:3:9: atomic_inc\(\) is not supported: .*cmpxchg/],
    ['acquire of a wide buffer', 'DMA e\n{ kmalloc b[16]; }\ncpu c { r = smp_load_acquire(&b); }\n', /^t\.litmus:3:30: 'b' is 16 bytes; an atomic or acquire\/release access is 1, 2, 4 or 8 bytes/],
    ['a spinlock is 4 bytes', 'DMA e\n{ kmalloc b[8]; }\ncpu c { spin_lock(&b); }\n', /^t\.litmus:3:19: a spinlock_t is 4 bytes/],
    ['dma_pool_alloc of an unknown pool', 'DMA e\n{ coherent c[64]; }\ncpu d { c = dma_pool_alloc(p, GFP_KERNEL, &c_dma); }\n', /^t\.litmus:3:28: unknown dma_pool 'p'/],
    ['a block larger than the pool', 'DMA e\n{ coherent c[128]; }\ncpu d { p = dma_pool_create("x", dev, 64, 8, 0); c = dma_pool_alloc(p, GFP_KERNEL, &c_dma); }\n', /^t\.litmus:3:50: 'c' \(128 bytes\) is larger than a block of pool 'p' \(64\)/],
    ['noncoherent memory is pages', 'DMA e\n{ kmalloc b[64]; }\ncpu d { b = dma_alloc_noncoherent(dev, 64, &h, DMA_TO_DEVICE, GFP_KERNEL); }\n', /^t\.litmus:3:9: 'b' is not declared 'page'/],
    ['writew of a 32-bit value', 'DMA e\n{ mmio R; }\ncpu c { writew(0x10000, R); }\n', /^t\.litmus:3:16: value 0x10000 does not fit in a 16-bit access/],
    ['an unterminated string', 'DMA e\n{ }\ncpu c { p = dma_pool_create("x, dev, 64, 8, 0); }\n', /^t\.litmus:3:29: unterminated string/],
  ];
  for (const [name, text, want] of cases) test(name, () => expect(errorOf(text)).toMatch(want));
});
