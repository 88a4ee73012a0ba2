// Allocator placements of a program's kmalloc buffers. The slab allocator puts an object of size
// class `cls` at page + i*cls (mm/slub.c), so within a cache line it may start at any
// (i*cls) mod CWG, with the size class fixed by the kernel's minimum alignment
// (__kmalloc_minalign(), src/kernel/layout.ts). The objects before and after it in the slab belong
// to someone else; when they share a line with the buffer, code outside the driver may write them
// at any time — modelled as an extra CPU thread storing one byte to the neighbour.

import { kmallocMinAlign, kmallocSizeRoundup, layoutProgram, PAGE_SIZE, REGION } from './layout.js';
import { cacheLineSize, makePlatform, type PlatformConfig } from '../platform/platform.js';
import type { Actor, BufferDecl, Program } from '../program/types.js';

/** A non-default placement of one top-level kmalloc buffer. */
export interface BufferPlacement {
  buffer: string;
  /** Slab slot index i: the buffer starts at slabPage + i*cls. */
  slot: number;
  /** Unrelated objects sharing its first/last line are written by another CPU. */
  neighbours: boolean;
}

/** Empty: every buffer where the allocator puts it by default, no neighbour writers. */
export type Placement = BufferPlacement[];

/** Where the fuzzer puts re-placed buffers: one 8 KiB area each, above the default layout's pages, below the stack. */
const AREA = 0x4_0000;
const AREA_STRIDE = 0x2000;
const MAX_PLACED = (REGION.stack - AREA) / AREA_STRIDE;

/** Top-level kmalloc buffers the allocator places (no `at`, smaller than a page). */
export function placeableBuffers(p: Program): BufferDecl[] {
  return p.buffers.filter((b) => b.kind === 'kmalloc' && !b.in && b.at === undefined).slice(0, MAX_PLACED);
}

/** Slab slots giving distinct offsets within a cache line: i = 0 .. CWG/gcd(cls, CWG) - 1. */
export function slotCount(b: BufferDecl, platform: PlatformConfig): number {
  const p = makePlatform(platform);
  const cls = kmallocSizeRoundup(b.size, kmallocMinAlign(p));
  if (cls >= PAGE_SIZE) return 1;
  const line = cacheLineSize(p);
  const g = gcd(cls, line);
  return Math.min(line / g, PAGE_SIZE / cls);
}

function gcd(a: number, b: number): number {
  return b ? gcd(b, a % b) : a;
}

export interface Placed {
  program: Program;
  /** Per buffer: its address and what the placement made of it, for reports. */
  notes: string[];
}

/**
 * The program with the placement applied: re-placed buffers get `at` addresses, and each
 * neighbour that shares a line gets a `kmalloc` declaration and a CPU thread writing it.
 */
export function applyPlacement(program: Program, platform: PlatformConfig, placement: Placement): Placed {
  if (!placement.length) return { program, notes: [] };
  const p = makePlatform(platform);
  const minAlign = kmallocMinAlign(p);
  const line = cacheLineSize(p);
  const high = p.highRam ? REGION.high : 0;
  const buffers = program.buffers.map((b) => ({ ...b }));
  const extra: BufferDecl[] = [];
  const actors: Actor[] = [];
  const notes: string[] = [];
  const taken = new Set([...program.buffers.map((b) => b.name), ...program.actors.map((a) => a.name)]);
  const fresh = (base: string) => {
    let name = base;
    for (let n = 1; taken.has(name); n++) name = `${base}${n}`;
    taken.add(name);
    return name;
  };
  const placeable = placeableBuffers(program);
  for (const pl of placement) {
    const idx = placeable.findIndex((b) => b.name === pl.buffer);
    if (idx < 0) continue;
    const b = buffers.find((x) => x.name === pl.buffer)!;
    const cls = kmallocSizeRoundup(b.size, minAlign);
    const slot = pl.slot % slotCount(b, platform);
    // Start the area one object in, so the slot before exists for a neighbour.
    const at = high + AREA + idx * AREA_STRIDE + (slot + 1) * cls;
    b.at = at;
    notes.push(`${b.name}: kmalloc-${cls} object at 0x${at.toString(16)} (offset ${at % line} in its ${line}-byte line)`);
    if (!pl.neighbours) continue;
    const lineOf = (a: number) => a - (a % line);
    if (at % line !== 0) {
      const nb = fresh(`${b.name}_prev`);
      extra.push({ name: nb, kind: 'kmalloc', size: cls, at: at - cls });
      actors.push({ name: fresh(`other_${b.name}_prev`), kind: 'cpu', ops: [{ op: 'store', buf: nb, off: cls - 1, size: 1, value: 0x5an }] });
      notes.push(`${nb}: the object before ${b.name}, written by another CPU`);
    }
    if (lineOf(at + b.size - 1) === lineOf(at + cls)) {
      const nb = fresh(`${b.name}_next`);
      extra.push({ name: nb, kind: 'kmalloc', size: cls, at: at + cls });
      actors.push({ name: fresh(`other_${b.name}_next`), kind: 'cpu', ops: [{ op: 'store', buf: nb, off: 0, size: 1, value: 0x5an }] });
      notes.push(`${nb}: the object after ${b.name}, written by another CPU`);
    }
  }
  return { program: { ...program, buffers: [...buffers, ...extra], actors: [...program.actors, ...actors] }, notes };
}

/** The default layout's address of each buffer, for reports. */
export function defaultAddresses(program: Program, platform: PlatformConfig): Map<string, number> {
  const l = layoutProgram(program, makePlatform(platform));
  return new Map([...l.buffers.values()].map((b) => [b.name, b.addr]));
}

export function placementKey(pl: Placement): string {
  return pl.map((x) => `${x.buffer}@${x.slot}${x.neighbours ? '+nb' : ''}`).join(',') || 'default';
}
