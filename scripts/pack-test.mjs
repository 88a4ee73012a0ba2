// Proof that another project can use dmafuzz: pack this package, install the tarball into a fresh
// temporary project (from npm's cache where it can, with vitest), and run a Vitest test there that
// uses the typed API (checkLitmus, parseLitmus, fuzzFiles, the program builder) and the
// toBeDmaSafe() matcher. Exit status is the consumer's test run's. CI runs it (npm run pack-test).

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

const dir = mkdtempSync(join(tmpdir(), 'dmafuzz-consumer-'));
const packed = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', dir], root));
const tarball = join(dir, packed[0].filename);
const vitestVersion = JSON.parse(readFileSync(join(root, 'node_modules/vitest/package.json'), 'utf8')).version;
console.log(`packed ${packed[0].filename}: ${packed[0].entryCount} files, ${(packed[0].size / 1024).toFixed(0)} KiB`);

const project = join(dir, 'driver');
execFileSync('mkdir', ['-p', project]);
writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-driver-tests', private: true, type: 'module', scripts: { test: 'vitest run' } }, null, 2));
copyFileSync(join(root, 'scenarios/aligned-from-device.litmus'), join(project, 'rx.litmus'));
copyFileSync(join(root, 'scenarios/beginner-missing-sync.litmus'), join(project, 'rx-missing-sync.litmus'));
writeFileSync(join(project, 'dma.test.ts'), `
import { expect, test } from 'vitest';
import 'dmafuzz/vitest';
import { checkLitmus, parseLitmus, fuzzFiles, program, kmalloc, cpu, device, dma_map_single, dma_unmap_single, writel, wait_irq, load, wait_doorbell, dma_write, raise_irq, FROM_DEVICE, LitmusInputError, type FuzzSummary } from 'dmafuzz';

test('a correct RX path is DMA-safe', async () => {
  expect(await checkLitmus('rx.litmus')).toBeDmaSafe();
});

test('reading before unmap is not, and the failure explains why', async () => {
  const r = await checkLitmus('rx-missing-sync.litmus');
  expect(r).not.toBeDmaSafe();
  expect(r.text).toMatch(/speculative fill|filled from memory/);
});

test('parseLitmus points at the line', () => {
  expect(() => parseLitmus('DMA x\\n{ kmalloc b[0]; }', 'x.litmus')).toThrow(LitmusInputError);
});

test('the program builder and a text check', async () => {
  const rx = program('rx', {
    buffers: [kmalloc('buf', 64)], registers: ['DOORBELL'],
    actors: [
      cpu('cpu0', [dma_map_single('h', 'buf', 0, 64, FROM_DEVICE), writel('DOORBELL', 1), wait_irq(), dma_unmap_single('h', 64, FROM_DEVICE), load('buf', 0, 4)]),
      device('dev', [wait_doorbell('DOORBELL', 1), dma_write('h', 0, 4, 0x11223344), raise_irq()]),
    ],
  });
  expect(rx.actors).toHaveLength(2);
  expect(await checkLitmus({ text: 'DMA t\\n{ kmalloc b[64]; }\\ncpu c { *(u32 *)b = 1; }\\n' })).toBeDmaSafe();
});

test('fuzzFiles across the platform matrix', async () => {
  const s: FuzzSummary = await fuzzFiles({ files: ['rx.litmus'], timeMs: 30_000, seed: 1, maxTrials: 4 });
  expect(s.trials).toBe(4);
  expect(s.failures).toEqual([]);
});
`);
run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, `vitest@${vitestVersion}`], project);
console.log(`installed ${tarball} and vitest ${vitestVersion} into ${project}`);
execFileSync(npm, ['test'], { cwd: project, stdio: 'inherit' });
