#!/usr/bin/env node
// The Arm-model agreement table: each row is one small shape written once, rendered twice — as
// an AArch64 herd7 litmus test (docs/arm-model/herd/) and as a dmafuzz litmus file
// (scenarios/arm-model/) whose `expect` is the verdict herd7 implies. Run it with herd7 built
// from herdtools7 df942d9d8aec (see docs/arm-model/README.md):
//
//   node docs/arm-model/generate.mjs /path/to/herdtools7
//
// Encoding. P0 is the CPU; P1 (and P2) are DMA devices, which perform their accesses in program
// order: DMB SY between every two of them. Coherent memory (Normal-NC on a non-coherent device)
// is plain herd locations x, y, z; MMIO registers DB and ST are herd locations too. A poll
// (`while (READ_ONCE(x) != v)`, dma_poll, wait_doorbell) is one load with `filter` on the value
// it waits for; a device's last `wait_doorbell(DB, v)` after the CPU is done observes DB's final
// value. The verdict: herd7 lists every final state of the observed registers under aarch64.cat
// (Arm) and under sc.cat (the ideal, in-order platform); dmafuzz must say `bug` iff Arm allows
// a state SC does not (DESIGN.md's oracle).

import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');

// CPU barriers and accessors as arm64 emits them (arch/arm64/include/asm/barrier.h, io.h).
const BARRIER = {
  mb: ['DSB SY'], rmb: ['DSB LD'], wmb: ['DSB ST'],
  dma_mb: ['DMB OSH'], dma_rmb: ['DMB OSHLD'], dma_wmb: ['DMB OSHST'],
  smp_mb: ['DMB ISH'], smp_rmb: ['DMB ISHLD'], smp_wmb: ['DMB ISHST'],
};
const LOC = { x: 0, y: 64, z: 128 }; // byte offsets in the coherent page
const REGS = ['DB', 'ST'];

/** A row: name, cpu ops, device ops (one or two devices), the rule, optional kernel / cpu-only. */
const rows = [];
const row = (name, cpu, devices, rule, opts = {}) => rows.push({ name, cpu, devices: Array.isArray(devices[0]) ? devices : [devices], rule, ...opts });

// --- message passing, CPU writes: X=1; B; Y=1 against a device reading y then x.
const W2W = { none: 'nothing orders two stores to different locations', dma_wmb: 'dmb oshst: [W]; po; [dmb.st]; po; [W] in bob', wmb: 'dsb st: DSB-ob [Exp & W]; po; [dsb.st]; po (aarch64hwreqs.cat)',
  mb: 'dsb sy: po; [dmb.full]; po in bob', dma_mb: 'dmb osh: po; [dmb.full]; po in bob', dma_rmb: 'dmb oshld orders earlier loads only',
  smp_wmb: 'dmb ishst: bob; shareability does not matter (Arm ARM Known issues M.a, AARCH-24234)', smp_mb: 'dmb ish: full barrier; shareability does not matter (AARCH-24234)' };
for (const [b, rule] of Object.entries(W2W)) row(`mp-cpu-writes-${b}`, ['W x 1', ...(b === 'none' ? [] : [b]), 'W y 1'], ['R y', 'R x'], rule);

// --- message passing, CPU reads: device X=1; Y=1; the CPU reads y, B, x.
const R2R = { none: 'nothing orders two loads of different locations', dma_rmb: 'dmb oshld: [R]; po; [dmb.ld]; po in bob', rmb: 'dsb ld: [R]; po; [dmb.ld]; po in bob',
  mb: 'dsb sy: full barrier', dma_wmb: 'dmb oshst orders stores only', wmb: 'dsb st waits for earlier stores only; earlier loads may still be outstanding',
  smp_rmb: 'dmb ishld: bob; shareability does not matter (AARCH-24234)' };
for (const [b, rule] of Object.entries(R2R)) row(`mp-cpu-reads-${b}`, ['R y', ...(b === 'none' ? [] : [b]), 'R x'], ['W x 1', 'W y 1'], rule);

// --- store buffering: X=1; B; r0=Y against device Y=1; r1=X.
const W2R = { none: 'a later load may be satisfied before an earlier store is visible', dma_wmb: 'dmb oshst does not order a store before a later load',
  dma_rmb: 'dmb oshld orders earlier loads only', wmb: 'dsb st completes the earlier stores before any later access: DSB-ob [Exp & W]; po; [dsb.st]; po (aarch64hwreqs.cat)',
  mb: 'dsb sy: full barrier', dma_mb: 'dmb osh: full barrier', smp_mb: 'dmb ish: full barrier; shareability does not matter (AARCH-24234)' };
for (const [b, rule] of Object.entries(W2R)) row(`sb-${b}`, ['W x 1', ...(b === 'none' ? [] : [b]), 'R y'], ['W y 1', 'R x'], rule);

// --- load buffering: r0=X; B; Y=1 against device r1=Y; X=1.
const R2W = { none: 'a store may become visible before an earlier load of another location is satisfied', dma_rmb: 'dmb oshld: [R]; po; [dmb.ld]; po in bob', rmb: 'dsb ld: earlier loads before everything later',
  dma_wmb: 'dmb oshst orders stores only', smp_rmb: 'dmb ishld: bob (AARCH-24234)' };
for (const [b, rule] of Object.entries(R2W)) row(`lb-${b}`, ['R x', ...(b === 'none' ? [] : [b]), 'W y 1'], ['R y', 'W x 1'], rule);

// --- 2+2W: X=1; B; Y=2 against device Y=1; X=2; final x and y.
for (const [b, rule] of Object.entries({ none: 'two stores to different locations may become visible in either order', dma_wmb: 'dmb oshst: [W]; po; [dmb.st]; po; [W] in bob' })) {
  row(`2+2w-${b}`, ['W x 1', ...(b === 'none' ? [] : [b]), 'W y 2'], ['W y 1', 'W x 2'], rule, { final: ['x', 'y'] });
}

// --- WRC: device 1 writes x; the CPU reads x, B, writes y; device 2 reads y then x.
row('wrc-none', ['R x', 'W y 1'], [['W x 1'], ['R y', 'R x']], 'the CPU store may pass its earlier load (no dependency)');
row('wrc-dma_rmb', ['R x', 'dma_rmb', 'W y 1'], [['W x 1'], ['R y', 'R x']], 'dmb oshld orders the load before the store; Armv8 is other-multi-copy-atomic, so device 2 sees x too');

// --- polling: the CPU waits for a flag the device sets after the data.
for (const [b, rule] of Object.entries({ none: 'a control dependency does not order a later load (the load may be satisfied before the poll exits)', dma_rmb: 'dmb oshld orders the poll\'s load before the data load', rmb: 'dsb ld orders the poll\'s load before the data load' })) {
  row(`poll-then-load-${b}`, ['poll y 1', ...(b === 'none' ? [] : [b]), 'R x'], ['W x 1', 'W y 1'], rule);
}
row('poll-then-store', ['poll x 1', 'W y 1'], ['R y', 'W x 1'], 'a store is control dependent on the poll loop: [R]; ctrl; [W] in dob');
row('device-polls-descriptor-dma_wmb', ['W x 1', 'dma_wmb', 'W y 1'], ['poll y 1', 'R x'], 'dmb oshst orders payload before ownership; the device polls ownership');
row('device-polls-descriptor-none', ['W x 1', 'W y 1'], ['poll y 1', 'R x'], 'the ownership store may become visible before the payload');

// --- MMIO: writel doorbell after a Normal store (device waits for DB, then reads x).
const doorbell = [['wait DB 1', 'R x']];
row('doorbell-writel', ['W x 1', 'writel DB 1'], doorbell, 'writel = dmb oshst; str: the barrier orders the earlier store before the MMIO store');
row('doorbell-writel_relaxed', ['W x 1', 'writel_relaxed DB 1'], doorbell, 'writel_relaxed = str: nothing orders Normal and Device stores');
row('doorbell-dma_wmb-writel_relaxed', ['W x 1', 'dma_wmb', 'writel_relaxed DB 1'], doorbell, 'dmb oshst orders the store before the MMIO store');
row('doorbell-wmb-writel_relaxed', ['W x 1', 'wmb', 'writel_relaxed DB 1'], doorbell, 'dsb st orders the store before the MMIO store');
row('doorbell-smp_wmb-writel_relaxed', ['W x 1', 'smp_wmb', 'writel_relaxed DB 1'], doorbell, 'dmb ishst: bob; shareability does not matter (AARCH-24234)');
// writel then a Normal load (SB shape): only the pre-v5.4 dsb st keeps the load behind the earlier store.
row('sb-writel', ['W x 1', 'writel DB 1', 'R y'], ['W y 1', 'R x'], 'dmb oshst does not order the earlier store before a later load');
row('sb-writel-v5.3', ['W x 1', 'writel DB 1', 'R y'], ['W y 1', 'R x'], 'writel before v5.4 = dsb st; str (22ec71615d82): DSB-ob orders the earlier store before the later load', { kernel: '5.3' });
row('doorbell-load-writel', ['R x', 'writel DB 1'], [['wait DB 1', 'W x 1']], 'dmb oshst does not order an earlier load before the MMIO store (LB shape)');
row('doorbell-load-rmb-writel', ['R x', 'rmb', 'writel DB 1'], [['wait DB 1', 'W x 1']], 'dsb ld orders the earlier load before the MMIO store');
// A later Normal store may pass writel's MMIO store: the device sees y=1, writes DB=2, and the CPU's DB=1 lands after it.
const after = [['poll y 1', 'set DB 2', 'waitfinal DB 2']];
row('store-after-writel', ['writel DB 1', 'W y 1'], after, 'writel = dmb oshst; str: the barrier is before the MMIO store, so a later Normal store may pass it');
row('store-after-writel-v5.3', ['writel DB 1', 'W y 1'], after, 'dsb st; str: the DSB is before the MMIO store as well', { kernel: '5.3' });
row('store-after-writel-dma_wmb', ['writel DB 1', 'dma_wmb', 'W y 1'], after, 'dmb oshst orders the MMIO store before the later store');
row('store-after-writel_relaxed', ['writel_relaxed DB 1', 'W y 1'], after, 'nothing orders Device and Normal stores');
// readl: the device writes x, then sets ST.
row('readl-then-load', ['readl ST', 'R x'], [['W x 1', 'set ST 1']], 'readl = ldr; dmb oshld: the MMIO load is ordered before later loads');
row('readl_relaxed-then-load', ['readl_relaxed ST', 'R x'], [['W x 1', 'set ST 1']], 'readl_relaxed = ldr: nothing orders it against Normal loads');
row('readl_relaxed-dma_rmb-then-load', ['readl_relaxed ST', 'dma_rmb', 'R x'], [['W x 1', 'set ST 1']], 'dmb oshld orders the MMIO load before the later load');
// An earlier Normal load may be satisfied after readl's MMIO load: the device sets ST, then writes x.
row('load-then-readl', ['R x', 'readl ST'], [['set ST 1', 'W x 1']], 'readl = ldr; dmb oshld: the barrier is after the MMIO load, so an earlier Normal load may be satisfied after it');
row('load-rmb-readl', ['R x', 'rmb', 'readl ST'], [['set ST 1', 'W x 1']], 'dsb ld orders the earlier load before the MMIO load');

// --- store-buffer forwarding: X=1; r0=X; B; r1=Y against device Y=1; r2=X.
const SBF = { dma_rmb: 'the CPU reads its own store early (rfi is not in ob); dmb oshld then orders only that load', rmb: 'dsb ld completes the loads; the forwarded load completes before the store is visible',
  dma_mb: 'dmb osh orders the store before the later load', mb: 'dsb sy orders the store before the later load', wmb: 'dsb st completes the store before the later load: DSB-ob (aarch64hwreqs.cat)' };
for (const [b, rule] of Object.entries(SBF)) row(`forwarding-${b}`, ['W x 1', 'R x', b, 'R y'], ['W y 1', 'R x'], rule);

// --- two CPU threads (no device): smp_* barriers order memory for the other CPU.
row('cpus-mp-smp', ['W x 1', 'smp_wmb', 'W y 1'], [['R y', 'smp_rmb', 'R x']], 'dmb ishst / dmb ishld: bob', { cpus: true });
row('cpus-mp-smp_wmb-only', ['W x 1', 'smp_wmb', 'W y 1'], [['R y', 'R x']], 'the reader\'s loads may be satisfied out of order', { cpus: true });
row('cpus-mp-none', ['W x 1', 'W y 1'], [['R y', 'smp_rmb', 'R x']], 'the writer\'s stores may become visible out of order', { cpus: true });
row('cpus-sb-smp_mb', ['W x 1', 'smp_mb', 'R y'], [['W y 1', 'smp_mb', 'R x']], 'dmb ish: full barrier', { cpus: true });

// --- dependencies (aarch64hwreqs.cat dob). `dep` after an access: its address is the location plus
// (r0 & 0), r0 the thread's first load; `data` after a store: its value is (r0 & 0) + the value.
// A store after an access whose address depends on a read waits for that read: LB and the
// doorbell form ("read an index, read ring[idx], then write the doorbell").
row('addr-po-w', ['R x', 'R z dep', 'W y 1'], ['R y', 'W x 1'], 'addr; [Exp]; po; [W] in dob: the store waits for the read the earlier address depends on');
row('addr-po-writel_relaxed', ['R x', 'R z dep', 'writel_relaxed DB 1'], [['wait DB 1', 'W x 1']], 'addr; [Exp]; po; [W] in dob: the MMIO store waits for the read the earlier address depends on');
// An access at a computed address touches only its own bytes: a later load of another location in
// the same buffer may be satisfied first (MP), one of the same location may not (coherence).
row('computed-load-then-load', ['R z', 'R y dep', 'R x'], ['W x 1', 'W y 1'], 'nothing orders a load after a load at a computed address of another location: addr orders only the load it computes');
row('computed-load-then-same-load', ['R z', 'R y dep', 'R y'], ['W x 1', 'W y 1'], 'two loads of one location: coherence (Exp-haz-ob; the computed address turns out to be the same location)');
// Forwarding (rfi is not in ob) also from a store whose value or address is computed, or into a
// load whose address is: the forwarded load waits only for the reads they depend on.
row('forwarding-data-dma_rmb', ['R z', 'W x 1 data', 'R x', 'dma_rmb', 'R y'], ['W y 1', 'R x'], 'rfi is not in ob: data; [Exp]; lrs orders only the data read before the forwarded load');
row('forwarding-addr-store-dma_rmb', ['R z', 'W x 1 dep', 'R x', 'dma_rmb', 'R y'], ['W y 1', 'R x'], 'rfi is not in ob: addr; [Exp]; lrs orders only the address read before the forwarded load');
row('forwarding-addr-load-dma_rmb', ['R z', 'W x 1', 'R x dep', 'dma_rmb', 'R y'], ['W y 1', 'R x'], 'rfi is not in ob: the load\'s own addr orders only its address read before it');
// An MMIO read is never performed speculatively past an unresolved branch (Arm ARM B2.7.2: no
// speculative data accesses to Device memory). herd7's model has no memory types, so the herd
// test puts an ISB after the branch: [R]; ctrl; [ISB]; po in CSE-ob is exactly "not before the
// branch resolves". One verdict for the wait loop and the while loop.
row('poll-then-readl_relaxed', ['poll x 1', 'readl_relaxed ST'], [['set ST 1', 'W x 1']], 'Device memory is not read speculatively (Arm ARM B2.7.2): herd: ctrl; [ISB]; po in CSE-ob');
row('while-then-readl_relaxed', ['loop x 1', 'readl_relaxed ST'], [['set ST 1', 'W x 1']], 'the same rule for a while loop on a read value (Arm ARM B2.7.2): herd: ctrl; [ISB]; po in CSE-ob');

// ---------------------------------------------------------------------------------------------

const ADDR = { x: 'X1', y: 'X2', z: 'X3', DB: 'X4', ST: 'X5' };
const HERD_LOC = { x: 'x', y: 'y', z: 'z', DB: 'db', ST: 'status' }; // MMIO registers as herd locations

/** herd7 code of one thread; `observe` collects [herdReg, dmafuzzLabel] of observed loads, `filters` the waits. */
function herdThread(t, ops, isCpu, kernel, observe, filters) {
  const code = [];
  let reg = 6, label = 0;
  const v = (n) => `MOV W0,#${n}`;
  let branched = false;
  const at = (loc, dep) => (dep === 'dep' ? `[${ADDR[loc]},W9,SXTW]` : `[${ADDR[loc]}]`);
  const depOn = (dep) => (dep === 'dep' || dep === 'data' ? ['EOR W9,W6,W6'] : []); // r0 & 0: a dependency on the first load
  ops.forEach((op, i) => {
    const parts = op.split(' ');
    const [kind, loc] = parts;
    const val = kind === 'R' ? undefined : parts[2];
    const dep = kind === 'R' ? parts[2] : parts[3];
    if (!isCpu && i > 0 && kind !== 'waitfinal') code.push('DMB SY'); // a device performs its accesses in program order
    switch (kind) {
      case 'W': case 'set':
        code.push(...depOn(dep), dep === 'data' ? `ADD W0,W9,#${val}` : v(val), `STR W0,${at(loc, dep)}`);
        break;
      case 'R': case 'readl_relaxed': case 'readl': {
        const r = `W${reg++}`;
        if (kind !== 'R' && branched) code.push('ISB'); // Device memory: not read before the branch resolves
        code.push(...depOn(dep), `LDR ${r},${at(loc, dep)}`);
        if (kind === 'readl') code.push('DMB OSHLD');
        observe.push(`${t}:${r.replace('W', 'X')}`);
        break;
      }
      case 'poll': case 'wait': case 'loop': {
        const r = `W${reg++}`;
        if (isCpu) branched = true;
        code.push(`LDR ${r},[${ADDR[loc]}]`);
        filters.push(`${t}:${r.replace('W', 'X')}=${val}`);
        if (isCpu) code.push(`CBNZ ${r},LC${t}${label}`, `LC${t}${label++}:`); // the loop exit: later stores are control dependent
        break;
      }
      case 'waitfinal': observe.push(HERD_LOC[loc]); break;
      case 'writel': code.push(kernel === '5.3' ? 'DSB ST' : 'DMB OSHST', v(val), `STR W0,[${ADDR[loc]}]`); break;
      case 'writel_relaxed': code.push(v(val), `STR W0,[${ADDR[loc]}]`); break;
      default: code.push(...BARRIER[kind]);
    }
  });
  return code;
}

function herdTest(r) {
  const threads = [r.cpu, ...r.devices];
  const observe = [], filters = [];
  const code = threads.map((ops, t) => herdThread(t, ops, t === 0 || !!r.cpus, r.kernel, observe, filters));
  for (const l of r.final ?? []) observe.push(l);
  const n = Math.max(...code.map((c) => c.length));
  const lines = [];
  lines.push(threads.map((_, t) => ` P${t}`.padEnd(22)).join('|') + ';');
  for (let i = 0; i < n; i++) lines.push(code.map((c) => ` ${c[i] ?? ''}`.padEnd(22)).join('|') + ';');
  const init = threads.map((_, t) => Object.entries(ADDR).map(([loc, x]) => `${t}:${x}=${HERD_LOC[loc]};`).join(' ')).join('\n');
  return [
    `AArch64 ${r.name}`,
    `"${r.rule.replace(/"/g, "'")}"`,
    `{`, init, `}`,
    ...lines,
    `locations [${observe.map((o) => `${o};`).join(' ')}]`,
    ...(filters.length ? [`filter (${filters.join(' /\\ ')})`] : []),
    `exists (${observe.length ? observe.map((o) => `${o}=0`).join(' \\/ ') : 'true'})`, // herd needs a condition; the verdict uses the state lists
    '',
  ].join('\n');
}

const usesZ = (r) => [r.cpu, ...r.devices].some((ops) => ops.some((op) => op.split(' ')[1] === 'z'));

/** The dmafuzz litmus of a row. */
function dmafuzzTest(r, verdict, herdNote) {
  const cpuOnly = !!r.cpus;
  let n = 0;
  const reg = () => `r${n++}`;
  const place = (loc) => (cpuOnly ? loc : `ring + ${LOC[loc]}`).replace(' + 0', '');
  const cpuLine = (op) => {
    const parts = op.split(' ');
    const [kind, loc] = parts;
    const val = kind === 'R' ? undefined : parts[2];
    const dep = kind === 'R' ? parts[2] : parts[3];
    const ptr = dep === 'dep' ? `(${loc} + (r0 & 0))` : loc; // r0: the thread's first load
    switch (kind) {
      case 'W': return `WRITE_ONCE(*(u32 *)${ptr}, ${dep === 'data' ? `(r0 & 0) + ${val}` : val});`;
      case 'R': return `${reg()} = READ_ONCE(*(u32 *)${ptr});`;
      case 'poll': return `while (READ_ONCE(*(u32 *)${loc}) != ${val}) cpu_relax();`;
      case 'loop': { const r = reg(); return `${r} = READ_ONCE(*(u32 *)${loc});\n  while (${r} != ${val}) {\n    ${r} = READ_ONCE(*(u32 *)${loc});\n  }`; }
      case 'writel': case 'writel_relaxed': return `${kind}(${val}, ${loc});`;
      case 'readl': case 'readl_relaxed': return `${reg()} = ${kind}(${loc});`;
      default: return `${kind}();`;
    }
  };
  const devLine = (op) => {
    const [kind, loc, val] = op.split(' ');
    switch (kind) {
      case 'W': return `dma_write(${place(loc)}, 4, ${val});`;
      case 'R': return `${reg()} = dma_read(${place(loc)}, 4);`;
      case 'poll': return `dma_poll(${place(loc)}, 4, ${val});`;
      case 'wait': case 'waitfinal': return `wait_doorbell(${loc}, ${val});`;
      case 'set': return `set_reg(${loc}, ${val});`;
    }
  };
  const body = (lines) => lines.map((l) => `  ${l}`).join('\n');
  const platform = r.kernel ? `platform { kernel = ${r.kernel}; }\n` : '';
  const mem = cpuOnly
    ? `{ kmalloc mem[256]; field x[4] in mem; field y[4] in mem + 64; }`
    : `{ coherent ring[4096]; field x[4] in ring; field y[4] in ring + 64;${usesZ(r) ? ' field z[4] in ring + 128;' : ''} mmio DB; mmio ST; }`;
  const cpu0 = cpuOnly ? r.cpu.map(cpuLine) : ['ring = dma_alloc_coherent(dev, 4096, GFP_KERNEL);', ...r.cpu.map(cpuLine)];
  const others = r.devices.map((ops, i) => (cpuOnly ? `cpu cpu${i + 1} {\n${body(ops.map(cpuLine))}\n}` : `device dev${i ? i + 1 : ''} {\n${body(ops.map(devLine))}\n}`));
  const final = r.final ? `final ${r.final.map((l) => `(${l}, 4)`).join(', ')};\n` : '';
  return `DMA arm-${r.name}
// Generated by docs/arm-model/generate.mjs from docs/arm-model/herd/${r.name}.litmus — do not edit.
// Rule: ${r.rule}.
// ${herdNote}
expect ${verdict}
${platform}
${mem}

cpu cpu0 {
${body(cpu0)}
}

${others.join('\n\n')}
${final}`;
}

/** herd7's final states, each as a sorted string of the observed values. */
function herdStates(herd, libdir, model, file) {
  const out = execFileSync(herd, ['-set-libdir', libdir, '-model', model, file], { encoding: 'utf8' });
  const m = /States \d+\n([\s\S]*?)\n(Ok|No)\n/.exec(out);
  if (!m) throw new Error(`${file}: no states in herd7 output:\n${out}`);
  return new Set(m[1].split('\n').map((s) => s.trim().replace(/;$/, '')).filter(Boolean));
}

const herdtools = process.argv[2];
if (!herdtools) {
  console.error('usage: node docs/arm-model/generate.mjs /path/to/herdtools7  (built: _build/default/herd/herd.exe)');
  process.exit(2);
}
const herd = join(herdtools, '_build/default/herd/herd.exe');
const libdir = join(herdtools, 'herd/libdir');
const herdDir = join(HERE, 'herd');
const ourDir = join(REPO, 'scenarios/arm-model');
for (const d of [herdDir, ourDir]) {
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
}
const table = [];
for (const r of rows) {
  const file = join(herdDir, `${r.name}.litmus`);
  writeFileSync(file, herdTest(r));
  const arm = herdStates(herd, libdir, 'aarch64.cat', file);
  const sc = herdStates(herd, libdir, 'sc.cat', file);
  const extra = [...arm].filter((st) => !sc.has(st));
  const verdict = extra.length ? 'bug' : 'ok';
  const note = extra.length ? `herd7 aarch64.cat: Allowed, beyond sc.cat: ${extra.join(' | ')}` : 'herd7 aarch64.cat: every state is an sc.cat state (non-SC outcomes Forbidden)';
  writeFileSync(join(ourDir, `${r.name}.litmus`), dmafuzzTest(r, verdict, note));
  table.push(`| ${r.name} | ${verdict === 'bug' ? 'Allowed' : 'Forbidden'} | ${verdict} | ${r.rule} |`);
}
writeFileSync(join(HERE, 'TABLE.md'), `# Arm-model agreement table (generated by generate.mjs)

herd7 (herdtools7 df942d9d8aec) verdict on the non-SC outcomes of each shape, the dmafuzz verdict
it implies, and the rule. \`tests/arm-model.test.ts\` checks every row with \`dmafuzz check\`.

| row | non-SC outcome | dmafuzz | rule |
|---|---|---|---|
${table.join('\n')}
`);
console.log(`${rows.length} rows written; herd files in ${herdDir}, dmafuzz files in ${ourDir}`);
