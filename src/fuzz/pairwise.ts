// A pairwise covering of a file's platform matrix: rows (one value per varied setting) such that
// every pair of values of two settings that some platform has appears in some row — a few dozen
// rows where the whole matrix has thousands. `dmafuzz fuzz` runs these rows first, so within any
// time box every pair of settings is tried before any combination repeats; then it samples at
// random. Built greedily (AETG: Cohen et al., IEEE TSE 1997): each row starts from a pair not yet
// covered and takes, setting by setting, the value covering most new pairs. Deterministic from
// the seed.
// Constraints (src/kernel/platform-constraints.ts) are honoured exactly: a pair is impossible
// when no platform of the matrix has both values (cwg 64 with lineSize 128, a dma-ranges offset
// without a window, vmapStack on 4.9, ...), and such pairs are left out of what must be covered;
// every other pair is covered, and every row is a platform makePlatform() accepts.

import { DEFAULT_PLATFORM, type PlatformConfig } from '../platform/platform.js';
import { axisName, axisValueIndex, platformAt, type FileMatrix } from '../kernel/platform-matrix.js';
import { matrixConstraints, type MatrixConstraints } from '../kernel/platform-constraints.js';
import seedrandom from 'seedrandom';

type Row = number[];

/** Pair (axis i, value a) × (axis j, value b), i < j, as one number. */
function pairId(m: FileMatrix, i: number, a: number, j: number, b: number): number {
  const V = 16; // no setting has more values than this
  return ((i * m.axes.length + j) * V + a) * V + b;
}

function pairsOf(m: FileMatrix, row: Row): number[] {
  const out: number[] = [];
  for (let i = 0; i < row.length; i++) for (let j = i + 1; j < row.length; j++) out.push(pairId(m, i, row[i], j, row[j]));
  return out;
}

interface Pair { i: number; a: number; j: number; b: number }

/** Every pair of the matrix some platform has, by id (in axis and value order). */
function possiblePairs(m: FileMatrix, c: MatrixConstraints): Map<number, Pair> {
  const out = new Map<number, Pair>();
  const n = m.axes.length;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
    for (let a = 0; a < m.axes[i].values.length; a++) for (let b = 0; b < m.axes[j].values.length; b++) {
      if (c.possible([[i, a], [j, b]])) out.set(pairId(m, i, a, j, b), { i, a, j, b });
    }
  }
  return out;
}

const cache = new Map<string, Row[]>();

/** The covering rows of this matrix for this seed (choice indices, as platformAt takes them). */
export function coveringRows(m: FileMatrix, seed: string): Row[] {
  const key = JSON.stringify([m, seed]);
  const hit = cache.get(key);
  if (hit) return hit;
  const rng = seedrandom(`pairwise/${seed}`);
  const n = m.axes.length;
  const rows: Row[] = [];
  if (n >= 2) {
    const c = matrixConstraints(m);
    const pairs = possiblePairs(m, c);
    const open = new Set(pairs.keys());
    while (open.size) {
      let best: Row | undefined;
      let bestGain = 0;
      const openIds = [...open];
      for (let k = 0; k < 12; k++) {
        // the first candidate starts from the first open pair; the others from a random one
        const start = pairs.get(openIds[k === 0 ? 0 : Math.floor(rng() * openIds.length)])!;
        const row: (number | undefined)[] = new Array(n).fill(undefined);
        row[start.i] = start.a;
        row[start.j] = start.b;
        const order = [...Array(n).keys()].filter((i) => row[i] === undefined).sort(() => rng() - 0.5);
        for (const i of order) {
          // only values some platform has together with what the row already holds
          const allowed = c.valuesWith(i, row);
          let pick = allowed[0], gain = -1;
          for (const v of allowed) {
            let g = 0;
            for (let j = 0; j < n; j++) {
              if (j === i || row[j] === undefined) continue;
              if (open.has(i < j ? pairId(m, i, v, j, row[j]!) : pairId(m, j, row[j]!, i, v))) g++;
            }
            if (g > gain || (g === gain && rng() < 0.3)) [pick, gain] = [v, g];
          }
          row[i] = pick;
        }
        const full = row as Row;
        const g = pairsOf(m, full).filter((p) => open.has(p)).length;
        if (g > bestGain) [best, bestGain] = [full, g];
      }
      // Each candidate holds its starting pair, which is open: a row always covers something.
      if (!best || !platformAt(m, best)) throw new Error(`pairwise: row ${JSON.stringify(best)} is no platform: a rule of makePlatform() is missing from PLATFORM_CONSTRAINTS`);
      rows.push(best);
      for (const p of pairsOf(m, best)) open.delete(p);
    }
  }
  cache.set(key, rows);
  return rows;
}

export interface PairCoverage {
  /** The settings that vary. */
  axes: string[];
  /** Pairs some platform of the matrix has, and how many of them the tried platforms covered. */
  coverable: number;
  covered: number;
  /** Pairs no platform has (not counted in coverable), as "lineSize=128 × cwg=64". */
  impossible: number;
  impossiblePairs: string[];
  /** The coverable pairs not covered, as "kernel=5.4 × swiotlb=force". */
  missing: string[];
}

/** Which pairs of settings the tried platforms cover. */
export function pairCoverage(m: FileMatrix, tried: readonly PlatformConfig[]): PairCoverage {
  const c = matrixConstraints(m);
  const seen = new Set<number>();
  for (const p of tried) {
    const row = m.axes.map((a) => axisValueIndex(a, p));
    if (row.every((v) => v >= 0)) for (const id of pairsOf(m, row)) seen.add(id);
  }
  const missing: string[] = [];
  const impossiblePairs: string[] = [];
  let coverable = 0, covered = 0;
  const n = m.axes.length;
  const name = (i: number, a: number) => `${axisName(m.axes[i])}=${String(m.axes[i].values[a])}`;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
    for (let a = 0; a < m.axes[i].values.length; a++) for (let b = 0; b < m.axes[j].values.length; b++) {
      const text = `${name(i, a)} × ${name(j, b)}`;
      if (!c.possible([[i, a], [j, b]])) { impossiblePairs.push(text); continue; }
      coverable++;
      if (seen.has(pairId(m, i, a, j, b))) covered++;
      else missing.push(text);
    }
  }
  return { axes: m.axes.map(axisName), coverable, covered, impossible: impossiblePairs.length, impossiblePairs, missing };
}

/** platformKey() read back: "cwg=128,kernel=5.15" over the defaults. */
export function platformFromKey(key: string): PlatformConfig {
  const p: Record<string, unknown> = { ...DEFAULT_PLATFORM };
  if (key === 'default' || key === 'none') return p as unknown as PlatformConfig;
  for (const part of key.split(',')) {
    const [k, v] = [part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1)];
    const def = (DEFAULT_PLATFORM as unknown as Record<string, unknown>)[k];
    p[k] = typeof def === 'number' ? Number(v) : typeof def === 'boolean' ? v === 'true' : v;
  }
  return p as unknown as PlatformConfig;
}
