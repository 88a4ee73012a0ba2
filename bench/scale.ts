// The exhaustive check at the size of real drivers (issue 11): one `checkCompiled` per family and
// size, each in its own process so peak memory is its own, with a time limit. Prints a table
// (time, verdict, exhaustive bound, states, executions, peak RSS) and with --write puts it into
// BENCHMARKS.md. A benchmark, not a test: no number fails anything.
//
//   node dist/bench/scale.js [--write] [--limit SECONDS] [--only FAMILY] [--max-states N]
//   node dist/bench/scale.js --one FAMILY N [--max-states N]     (one measurement, JSON)

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLitmusFile, loadLitmus } from '../src/run/check-file.js';
import { compile } from '../src/exec/compile.js';
import { checkCompiled, checkPaths } from '../src/oracle/check.js';
import { makePlatform, type PlatformConfig } from '../src/platform/platform.js';
import { FAMILIES, familyProgram, type Family } from './families.js';

interface Measurement {
  family: string;
  n: number;
  ms: number;
  verdict: string;
  exhaustive: boolean;
  events: number;
  states: number;
  executions: number;
  rssMB: number;
}

const SIZES: Record<Family, number[]> = {
  'loopback': [1, 2, 3, 4, 6, 8],
  'loopback-read-before-unmap': [2, 3, 4, 8],
  'threads': [1, 2, 3, 4, 6, 8],
  'ring': [1, 2, 4, 8, 16],
  'rx-seq': [1, 2, 4, 8, 16],
};

/**
 * Real drivers at real size (issue 20): `dmafuzz check` of each file with default options, the
 * value check alone and the whole file check, in its own process like the families.
 */
const DRIVERS: (string | [string, Partial<PlatformConfig>])[] = [
  'scenarios/drivers/napi-rx-page-pool.litmus',
  'scenarios/drivers/napi-rx-page-pool-no-rmb.litmus',
  'scenarios/drivers/fec-rx-bufdesc.litmus',
  'scenarios/drivers/fec-rx-bufdesc-no-rmb.litmus',
  'bench/drivers/napi-rx-page-pool-4.litmus',
  'bench/drivers/stmmac-tx-ring-4.litmus',
  'bench/drivers/sdhci-adma-sg-8.litmus',
  'bench/drivers/stmmac-txrx-two-cpus-4.litmus',
  'bench/drivers/spi-page-duplex-swiotlb-force.litmus',
  'bench/drivers/fec-rx-ring8-swiotlb-force.litmus',
  // written by a new user from the kernel's drivers: a device following an index to a descriptor
  // (virtio's avail ring), an event ring's cycle bit polled lap after lap (xHCI)
  'bench/drivers/virtio-blk-split-ring.litmus',
  'bench/drivers/xhci-bulk-in-event-ring.litmus',
  // mlx5e's RX: a CQ whose owner bits the driver sets, WQEs holding cpu_to_be64(dma), pages recycled (256 paths)
  'bench/drivers/mlx5-cq-owner-rq-recycle.litmus',
  // the same drivers on platforms of the fuzz matrix: a dma-coherent device, a restricted DMA pool
  ['bench/drivers/napi-rx-page-pool-4.litmus', { deviceCoherent: true, declaredCoherent: true }],
  ['bench/drivers/sdhci-adma-sg-8.litmus', { deviceCoherent: true, declaredCoherent: true }],
  ['bench/drivers/napi-rx-page-pool-4.litmus', { restrictedPool: true }],
  ['bench/drivers/sdhci-adma-sg-8.litmus', { restrictedPool: true }],
  ['bench/drivers/fec-rx-ring8-swiotlb-force.litmus', { swiotlb: 'present', deviceCoherent: true, declaredCoherent: true }],
  ['bench/drivers/virtio-blk-split-ring.litmus', { deviceCoherent: true, declaredCoherent: true }],
];

/** A driver row: the file, and the --platform settings it is checked under. */
const driverFile = (d: string | [string, Partial<PlatformConfig>]): [string, Partial<PlatformConfig>] => (typeof d === 'string' ? [d, {}] : d);

function measureFile(file: string, platform: Partial<PlatformConfig>): Measurement & { wholeMs: number } {
  const path = resolve(fileURLToPath(import.meta.url), '../../..', file);
  const loaded = loadLitmus(path, readFileSync(path, 'utf8'), platform);
  if ('kind' in loaded) throw new Error(`${file}: ${loaded.message}`);
  const t = process.hrtime.bigint();
  const r = checkPaths(loaded.compiled.allPaths ?? [loaded.compiled]);
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  const w = process.hrtime.bigint();
  checkLitmusFile(path, { platform });
  const wholeMs = Number(process.hrtime.bigint() - w) / 1e6;
  return {
    family: file, n: 0, ms, wholeMs, verdict: r.verdict, exhaustive: r.exhaustive, events: r.bound.events, states: r.states, executions: r.executions,
    rssMB: process.resourceUsage().maxRSS / 1024,
  };
}

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};

function measureOne(f: Family, n: number, maxStates: number | undefined): Measurement {
  const p = familyProgram(f, n);
  const t = process.hrtime.bigint();
  const c = compile(p, makePlatform(p.platform));
  const r = checkCompiled(c, maxStates ? { maxStates } : {});
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  return {
    family: f, n, ms, verdict: r.verdict, exhaustive: r.exhaustive, events: r.bound.events, states: r.states, executions: r.executions,
    rssMB: process.resourceUsage().maxRSS / 1024,
  };
}

// The small ordering tests (whole file against value check) moved to bench/check-cost.ts.
if (process.argv.includes('--file')) {
  console.log(JSON.stringify(measureFile(arg('--file')!, JSON.parse(arg('--platform') ?? '{}') as Partial<PlatformConfig>)));
} else if (process.argv.includes('--one')) {
  const i = process.argv.indexOf('--one');
  const ms = arg('--max-states');
  console.log(JSON.stringify(measureOne(process.argv[i + 1] as Family, Number(process.argv[i + 2]), ms ? Number(ms) : undefined)));
} else {
  const limit = Number(arg('--limit') ?? 120);
  const only = arg('--only');
  const maxStates = arg('--max-states');
  const rows: string[] = [];
  for (const f of FAMILIES) {
    if (only && f !== only) continue;
    for (const n of SIZES[f]) {
      let cells: string;
      try {
        const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--one', f, String(n), ...(maxStates ? ['--max-states', maxStates] : [])], {
          timeout: limit * 1000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
        });
        const m = JSON.parse(out) as Measurement;
        const bound = m.verdict === 'bug' ? `counterexample, levels below ${m.events} events complete`
          : m.exhaustive ? `exhaustive, ${m.events} events` : m.events < 0 ? 'none (random)' : `to ${m.events} events (+ random)`;
        cells = `${(m.ms / 1000).toFixed(2)} s | ${m.verdict} | ${bound} | ${m.states.toLocaleString('en-US')} | ${m.executions.toLocaleString('en-US')} | ${Math.round(m.rssMB)} MB`;
      } catch {
        cells = `> ${limit} s | — | — | — | — | —`;
      }
      const row = `| ${f} | ${n} | ${cells} |`;
      console.log(row);
      rows.push(row);
    }
  }
  const drivers: string[] = [];
  for (const d of only ? [] : DRIVERS) {
    const [file, platform] = driverFile(d);
    let cells: string;
    try {
      const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--file', file, '--platform', JSON.stringify(platform)], { timeout: limit * 1000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      const m = JSON.parse(out) as Measurement & { wholeMs: number };
      const bound = m.verdict === 'bug' ? 'counterexample' : m.exhaustive ? `exhaustive, ${m.events} events` : m.events < 0 ? 'none (random)' : `to ${m.events} events (+ random)`;
      cells = `${(m.ms / 1000).toFixed(2)} s | ${(m.wholeMs / 1000).toFixed(2)} s | ${m.verdict} | ${bound} | ${m.states.toLocaleString('en-US')} | ${Math.round(m.rssMB)} MB`;
    } catch {
      cells = `> ${limit} s | — | — | — | — | —`;
    }
    const settings = Object.entries(platform).map(([k, v]) => `${k}=${v}`).join(' ');
    const row = `| \`${file}\`${settings ? ` (\`${settings}\`)` : ''} | ${cells} |`;
    console.log(row);
    drivers.push(row);
  }
  const driverTable = drivers.length
    ? `\n\nReal drivers at real size, \`dmafuzz check\` with default options, on their own platform or under the settings named (value check alone, then the whole file check: value, contract, explanation, fix):\n\n| file | value check | whole file | verdict | covered | states | peak RSS |\n|---|---:|---:|---|---|---:|---:|\n${drivers.join('\n')}`
    : '';
  const table = ['| family | size | time | verdict | covered | states | executions | peak RSS |', '|---|---:|---:|---|---|---:|---:|---:|', ...rows].join('\n') + driverTable;
  if (process.argv.includes('--write')) {
    const file = 'BENCHMARKS.md';
    const text = readFileSync(file, 'utf8');
    const block = `<!-- scale:start -->\nCommand: \`npm run bench -- --write\` (this part: \`node dist/bench/scale.js --write\` after \`npm run build\`; each size in its own process, ${limit} s limit, default \`--max-states\` and \`--max-events\`), ${new Date().toISOString().slice(0, 10)}\n\n${table}\n<!-- scale:end -->`;
    writeFileSync(file, text.includes('<!-- scale:start -->') ? text.replace(/<!-- scale:start -->[\s\S]*<!-- scale:end -->/, block) : `${text.trimEnd()}\n\n${block}\n`);
  }
}
