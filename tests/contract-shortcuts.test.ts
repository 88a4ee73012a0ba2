// The contract checker's cheap forms give what the plain ones give, on every test in scenarios/
// and tests/fixtures/ (every path of each): the actor groups found by sweeping line ranges equal
// those found line by line.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { independentGroups } from '../src/check/groups.js';
import type { Compiled } from '../src/exec/compile.js';
import type { CpuOp, DeviceOp } from '../src/program/types.js';
import { loadLitmus } from '../src/run/check-file.js';
import { litmusFiles } from '../src/run/find-files.js';

const ROOT = resolve(import.meta.dirname, '..');

/** Every compiled path of every test file that compiles. */
const paths: { file: string; c: Compiled }[] = litmusFiles([resolve(ROOT, 'scenarios'), resolve(ROOT, 'tests/fixtures')]).flatMap((file) => {
  const l = loadLitmus(file, readFileSync(file, 'utf8'));
  if ('kind' in l) return [];
  return (l.compiled.allPaths ?? [l.compiled]).map((c) => ({ file, c }));
});

/** independentGroups as first written: every cache line a thing of its own. */
function groupsLineByLine(c: Compiled): number[][] {
  const parent = c.actors.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const owner = new Map<string, number>();
  const touch = (a: number, thing: string) => {
    const b = owner.get(thing);
    if (b === undefined) owner.set(thing, a);
    else parent[find(a)] = find(b);
  };
  const cwg = c.platform.cwg;
  const lines = (a: number, buf: string, off: number, size: number) => {
    const b = c.layout.buffers.get(buf);
    if (!b) return;
    for (let l = Math.floor((b.addr + off) / cwg); l <= Math.floor((b.addr + off + Math.max(size, 1) - 1) / cwg); l++) touch(a, `line:${l}`);
  };
  const handleBytes = new Map<string, { buf: string; off: number; size: number }[]>();
  for (const ca of c.actors) {
    for (const op of ca.actor.ops as CpuOp[]) {
      if (op.op === 'dma_map') handleBytes.set(op.handle, [...(handleBytes.get(op.handle) ?? []), { buf: op.buf, off: op.off, size: op.size }]);
      if (op.op === 'dma_map_sg') handleBytes.set(op.handle, [...(handleBytes.get(op.handle) ?? []), ...op.entries]);
      if (op.op === 'dma_alloc_coherent') handleBytes.set(op.buf, [{ buf: op.buf, off: 0, size: c.layout.buffers.get(op.buf)!.size }]);
    }
  }
  c.actors.forEach((ca, a) => {
    for (const op of ca.actor.ops as (CpuOp | DeviceOp)[]) {
      if ('reg' in op) touch(a, `reg:${op.reg}`);
      if ('irq' in op) touch(a, `irq:${op.irq}`);
      if ('handle' in op) {
        touch(a, `handle:${op.handle}`);
        for (const r of handleBytes.get(op.handle) ?? []) lines(a, r.buf, r.off, r.size);
      }
      if ('buf' in op) {
        if ('off' in op && 'size' in op) lines(a, op.buf, op.off, op.size);
        else lines(a, op.buf, 0, c.layout.buffers.get(op.buf)?.size ?? 1);
      }
      if (op.op === 'dma_map_sg') for (const e of op.entries) lines(a, e.buf, e.off, e.size);
    }
  });
  const groups = new Map<number, number[]>();
  c.actors.forEach((_, a) => groups.set(find(a), [...(groups.get(find(a)) ?? []), a]));
  return [...groups.values()];
}

describe('the contract walk', () => {
  test('there are tests to compare on, some with actors apart', () => {
    expect(paths.length).toBeGreaterThan(150);
    expect(paths.some(({ c }) => independentGroups(c).length > 1)).toBe(true);
  });

  test('actor groups by line ranges equal those by single lines, on every path', () => {
    for (const { file, c } of paths) expect(independentGroups(c), file).toEqual(groupsLineByLine(c));
  });
});
