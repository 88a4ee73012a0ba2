// A pairwise covering of a file's platform matrix: rows (one value per varied setting) such that
// every pair of values of two settings appears in some row — a few dozen rows where the whole
// matrix has thousands. `dmafuzz fuzz` runs these rows first, so within any time box every pair
// of settings is tried before any combination repeats; then it samples at random.
// Built greedily (AETG: Cohen et al., IEEE TSE 1997): each row starts from a pair not yet covered
// and takes, setting by setting, the value covering most new pairs. Deterministic from the seed.
// Pairs no machine has (cwg 64 with lineSize 128: CTR_EL0.CWG is at least DminLine) are left out.

import seedrandom from 'seedrandom';
import { DEFAULT_PLATFORM, type PlatformConfig } from '../platform/platform.js';
import { platformAt, type FileMatrix } from '../kernel/platform-matrix.js';

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

/** Every pair of the matrix, each with a valid row containing it, or none if no machine has it. */
function allPairs(m: FileMatrix, rng: () => number): Map<number, Row | undefined> {
  const out = new Map<number, Row | undefined>();
  const n = m.axes.length;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
    for (let a = 0; a < m.axes[i].values.length; a++) for (let b = 0; b < m.axes[j].values.length; b++) {
      let witness: Row | undefined;
      for (let t = 0; t < 40 && !witness; t++) {
        const row = m.axes.map((ax) => (t === 0 ? 0 : Math.floor(rng() * ax.values.length)));
        row[i] = a;
        row[j] = b;
        if (platformAt(m, row)) witness = row;
      }
      out.set(pairId(m, i, a, j, b), witness);
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
    const pairs = allPairs(m, rng);
    const open = new Set([...pairs].filter(([, w]) => w).map(([p]) => p));
    const ids = [...open];
    while (open.size) {
      const start = ids.find((p) => open.has(p))!;
      let best: Row = pairs.get(start)!;
      let bestGain = pairsOf(m, best).filter((p) => open.has(p)).length;
      for (let c = 0; c < 12; c++) {
        const row: (number | undefined)[] = new Array(n).fill(undefined);
        // the starting pair, decoded from its id
        const first = ids.filter((p) => open.has(p))[c === 0 ? 0 : Math.floor(rng() * open.size)];
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
          for (let a = 0; a < m.axes[i].values.length; a++) for (let b = 0; b < m.axes[j].values.length; b++) {
            if (row[i] === undefined && pairId(m, i, a, j, b) === first) [row[i], row[j]] = [a, b];
          }
        }
        const order = [...Array(n).keys()].filter((i) => row[i] === undefined).sort(() => rng() - 0.5);
        for (const i of order) {
          let pick = 0, gain = -1;
          for (let v = 0; v < m.axes[i].values.length; v++) {
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
        if (!platformAt(m, full)) continue;
        const g = pairsOf(m, full).filter((p) => open.has(p)).length;
        if (g > bestGain) [best, bestGain] = [full, g];
      }
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
  /** Pairs some machine has, and how many of them the tried platforms covered. */
  coverable: number;
  covered: number;
  /** Pairs no machine has (not counted in coverable). */
  impossible: number;
  /** The coverable pairs not covered, as "kernel=5.4 × swiotlb=force". */
  missing: string[];
}

/** Which pairs of settings the tried platforms cover. */
export function pairCoverage(m: FileMatrix, tried: readonly PlatformConfig[]): PairCoverage {
  const pairs = allPairs(m, seedrandom('pairs'));
  const seen = new Set<number>();
  for (const p of tried) {
    const row = m.axes.map((a) => a.values.indexOf(p[a.key]));
    if (row.every((v) => v >= 0)) for (const id of pairsOf(m, row)) seen.add(id);
  }
  const missing: string[] = [];
  let coverable = 0, covered = 0, impossible = 0;
  const n = m.axes.length;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
    for (let a = 0; a < m.axes[i].values.length; a++) for (let b = 0; b < m.axes[j].values.length; b++) {
      const id = pairId(m, i, a, j, b);
      if (!pairs.get(id)) { impossible++; continue; }
      coverable++;
      if (seen.has(id)) covered++;
      else missing.push(`${m.axes[i].key}=${String(m.axes[i].values[a])} × ${m.axes[j].key}=${String(m.axes[j].values[b])}`);
    }
  }
  return { axes: m.axes.map((a) => a.key), coverable, covered, impossible, missing };
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
