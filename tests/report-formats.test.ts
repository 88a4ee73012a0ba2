// Every failure `dmafuzz fuzz` can shrink gets reports: for generated RX drivers with control
// flow — a loop over ring slots, a poll loop, a branch on a length the device wrote, a device
// that reads a descriptor and writes where it points, an MMIO status register, an `exists`
// condition — each with one of three real bugs (no dma_rmb(), no sync for the CPU, a sync with
// the wrong direction), a failing trial is shrunk, and the shrunk failure renders as text and
// JSON (`dmafuzz check` of the saved test), JUnit (valid against the schema) and HTML (the why
// first), and reproduces: `dmafuzz check` of the saved test finds a bug, or its --replay does.
// Before reports compiled the path the failure ran, the HTML and JUnit writer stopped at the
// first `if` or `for` ("control flow must be expanded into paths first", exit 4).

import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { checkLitmusFile, checkProgramAs, loadLitmus, type Checked } from '../src/run/check-file.js';
import { checkShrunk } from '../src/run/check-shrunk.js';
import { parseLitmus } from '../src/litmus/parse.js';
import { failureKey, saveToCorpus } from '../src/fuzz/corpus.js';
import type { FuzzSummary, SavedFailure } from '../src/fuzz/fuzz-files.js';
import { shrinkFailure } from '../src/fuzz/shrink.js';
import { runTrial } from '../src/fuzz/trial.js';
import { platformKey } from '../src/kernel/platform-matrix.js';
import { DEFAULT_PLATFORM } from '../src/platform/platform.js';
import { writeReports } from '../src/report/fuzz-reports.js';
import { renderJson, renderText } from '../src/report/render.js';

const ROOT = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'dmafuzz-report-formats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Shape {
  slots: 1 | 2;
  loop: boolean; // slots as a for loop, or written out
  wait: 'poll' | 'readl'; // poll the descriptor's OWN bit, or test (readl_relaxed) an MMIO status register the device sets
  branch: boolean; // read the packet at an offset chosen by the length the device wrote
  deviceReadsDesc: boolean; // the device takes the buffer address from the descriptor (a value it read)
  exists: boolean;
  bug: 'no-rmb' | 'no-sync' | 'wrong-direction';
}

const shapeArb: fc.Arbitrary<Shape> = fc.record({
  // One slot: shrinking a two-slot ring takes minutes on a shared machine (the report-check test in
  // tests/cli-fuzz-files.test.ts fuzzes scenarios/drivers/rx-ring-two-slots-no-rmb.litmus).
  slots: fc.constant(1 as const),
  loop: fc.boolean(),
  wait: fc.constantFrom('poll' as const, 'readl' as const),
  branch: fc.boolean(),
  deviceReadsDesc: fc.boolean(),
  exists: fc.boolean(),
  bug: fc.constantFrom('no-rmb' as const, 'no-sync' as const, 'wrong-direction' as const),
});

/** An RX driver in the style of scenarios/drivers/rx-ring-two-slots.litmus, with one bug. */
function driver(s: Shape): string {
  const i = s.loop ? 'i' : undefined;
  const cpuSlot = (k: string) => {
    const ctrl = `ring + 16 * ${k} + 8`;
    const wait = s.wait === 'poll'
      ? `while (READ_ONCE(*(u32 *)(${ctrl})) & 0x80000000) cpu_relax();`
      : 'st = readl_relaxed(STATUS);'; // a poll loop on a register makes shrinking take minutes
    const rmb = s.bug === 'no-rmb' ? '' : 'dma_rmb();';
    const dir = s.bug === 'wrong-direction' ? 'DMA_TO_DEVICE' : 'DMA_FROM_DEVICE';
    const sync = s.bug === 'no-sync' ? '' : `dma_sync_single_range_for_cpu(dev, h, 128 * ${k}, 128, ${dir});`;
    const read = s.branch
      ? `if (len > 32) r = *(u32 *)(pkts + 128 * ${k} + 32); else r = *(u32 *)(pkts + 128 * ${k});`
      : `r = *(u32 *)(pkts + 128 * ${k});`;
    const body = [rmb, `len = READ_ONCE(*(u32 *)(ring + 16 * ${k} + 12)) & 0x3fff;`, sync, read].filter(Boolean);
    // With the register: the slot is read only if the device says it is done (no loop on it).
    return s.wait === 'poll' ? [wait, ...body].join('\n    ') : `${wait}\n    if (st & (1 << ${k})) {\n      ${body.join('\n      ')}\n    }`;
  };
  const devSlot = (k: string) => {
    const target = s.deviceReadsDesc ? 'a' : `h + 128 * ${k}`;
    return [
      ...(s.deviceReadsDesc ? [`a = dma_read(ring + 16 * ${k}, 8);`] : []),
      `dma_write(${target}, 64, 0xa0 + ${k});`,
      `dma_write(ring + 16 * ${k} + 12, 4, 64);`,
      s.wait === 'poll' ? `dma_write(ring + 16 * ${k} + 8, 4, 0);` : /^\d$/.test(k) ? `set_reg(STATUS, ${(2 << Number(k)) - 1});` : `if (${k} == 0) set_reg(STATUS, 1); else set_reg(STATUS, 3);`,
    ].join('\n    ');
  };
  const each = (body: (k: string) => string, v: string) => (s.loop
    ? `  for (${v} = 0; ${v} < ${s.slots}; ${v}++) {\n    ${body(v)}\n  }`
    : Array.from({ length: s.slots }, (_, k) => `  ${body(String(k)).replace(/\n {4}/g, '\n  ')}`).join('\n'));
  return `DMA gen-rx
// generated: ${JSON.stringify(s)}
expect ok
{ coherent ring[4096]; kmalloc pkts[256]; mmio RX_TAIL; mmio STATUS; }
cpu cpu0 {
  ring = dma_alloc_coherent(dev, 4096, GFP_KERNEL);
  h = dma_map_single(dev, pkts, 256, DMA_FROM_DEVICE);
  if (dma_mapping_error(dev, h)) return -ENOMEM;
${each((k) => `*(u64 *)(ring + 16 * ${k}) = h + 128 * ${k};\n    *(u32 *)(ring + 16 * ${k} + 8) = 0x80000000;`, i ?? 'i')}
  writel(${s.slots}, RX_TAIL);
${each(cpuSlot, 'i')}
}
device nic {
  wait_doorbell(RX_TAIL, ${s.slots});
${each(devSlot, 's')}
}
${s.exists ? 'exists (cpu0:len = 0)\n' : ''}`;
}

const hasControlFlow = (litmus: string) => /^\s*(if|for|while) \(|= dma_read\(|readl\(/m.test(litmus);

let rendered = 0, withControlFlow = 0;

describe('every shrunk failure of a test with control flow renders in every format and reproduces', () => {
  test('generated RX drivers (seeded, bounded)', () => {
    fc.assert(fc.property(shapeArb, (shape) => {
      const text = driver(shape);
      const parsed = parseLitmus(text);
      const platform = { ...DEFAULT_PLATFORM, ...(parsed.program.platform ?? {}) };
      const t0 = Date.now();
      const lap = (what: string) => { if (process.env.REPORT_FORMATS_LOG) appendFileSync(process.env.REPORT_FORMATS_LOG, `${JSON.stringify(shape)} ${what} ${Date.now() - t0} ms\n`); };
      const trial = runTrial([parsed], { index: 0, file: 0, platform, placement: [], seed: 1 }, new Map());
      // Each shape has its bug on the default platform: a test whose trial finds nothing is a broken generator.
      expect(trial.failure, text).toBeDefined();
      lap('trial');
      const shrunk = shrinkFailure('gen-rx.litmus', parsed, trial.failure!);
      lap('shrunk');
      const saved = saveToCorpus(join(dir, 'corpus'), shrunk);
      const f: SavedFailure = { ...shrunk, key: failureKey(shrunk), alsoFoundOn: [], ms: 1, ...(saved ? { saved } : {}) };
      if (hasControlFlow(f.litmus)) withControlFlow++;

      // Reproduces: `dmafuzz check` of the saved test, or with its replay data.
      const file = f.saved?.litmus ?? join(dir, 'corpus', `gen-rx-${f.key}.litmus`);
      const checked = checkLitmusFile(file, f.reproducesWithCheck ? { fix: false } : { replay: f.saved!.replay, fix: false }) as Checked;
      expect(checked.kind, f.litmus).toBe('checked');
      expect(checked.verdict, `${f.litmus}\n${renderText(checked)}`).toBe('bug');

      lap('checked');
      // Text and JSON: as `dmafuzz check` prints the shrunk test.
      const loaded = loadLitmus(file, f.litmus);
      if ('kind' in loaded) throw new Error(`${loaded.line}:${loaded.col}: ${loaded.message}`);
      const again = checkProgramAs(file, loaded.compiled, loaded.parsed.expect, { fix: false }, loaded.parsed.source);
      expect(renderText(again)).toMatch(/^BUG /);
      expect(JSON.parse(JSON.stringify(renderJson(again))).verdict).toBe('bug');

      // JUnit and HTML: the fuzz reports of a run that found it.
      const summary: FuzzSummary = {
        seed: 1, shard: { index: 0, count: 1 }, workers: 1, startedAt: new Date(0).toISOString(), elapsedMs: 10, stoppedBy: 'time', trials: 1, executions: 1,
        files: [{ file: 'gen-rx.litmus', test: 'gen-rx', platforms: 1, cases: [{ platform: platformKey(platform), trials: 1, executions: 1, bugs: 1, inconclusive: 0, invalid: 0, ms: 1 }] }],
        failures: [f],
      };
      lap('text and json');
      const out = join(dir, `report-${rendered}`);
      writeReports(out, summary, { checkShrunk });
      lap('reports');
      const json = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      const why: string = json.failures[0].why;
      expect(why).toBeTruthy();
      const lint = spawnSync('xmllint', ['--noout', '--schema', join(ROOT, 'tests/fixtures/junit.xsd'), join(out, 'junit.xml')], { encoding: 'utf8' });
      expect(lint.status, lint.stderr).toBe(0);
      expect(readFileSync(join(out, 'junit.xml'), 'utf8').match(/<failure /g)).toHaveLength(1);
      const page = join(out, `failure-gen-rx-${f.key}.html`);
      expect(existsSync(page)).toBe(true);
      const html = readFileSync(page, 'utf8');
      expect(html).toMatch(/<p id="why" class="why">/);
      expect(html).toMatch(/<table class="timeline">/);
      expect(html.indexOf('id="why"')).toBeLessThan(html.indexOf('id="timeline"'));
      rendered++;
      lap(`${hasControlFlow(f.litmus) ? 'keeps control flow' : 'straight line'}: ${why}`);
    }), { seed: 19, numRuns: 5, endOnFailure: true });
    // The property is about control flow: most shrunk failures keep some (a loop, a branch, a read value).
    expect(withControlFlow, `${withControlFlow} of ${rendered} shrunk failures kept control flow`).toBeGreaterThanOrEqual(rendered / 2);
  }, 300_000);
});
