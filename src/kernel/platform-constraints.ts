// Which combinations of a file's platform matrix some platform has, exactly, from the rules of
// makePlatform() (PLATFORM_CONSTRAINTS, each naming the settings it reads). The varied settings
// fall into groups: two settings are in one group when a rule reads both. A rule's outcome
// depends only on its own group's values (the fixed settings are the same in every row), so a
// row is a platform exactly when each group's part of it is one of that group's allowed
// assignments — and the groups are small (the largest, kernel × vmapStack × iommu ×
// restrictedPool × the window × deviceAddressBits, has under a thousand assignments), so they
// are enumerated whole. The pairwise covering (src/fuzz/pairwise.ts) asks which pairs are
// possible and builds only rows that are platforms.

import { mergePlatform, PLATFORM_CONSTRAINTS, PlatformError, type PlatformConfig } from '../platform/platform.js';
import { parseKernelVersion } from '../platform/kernel-version.js';
import { assignAxis, type FileMatrix } from './platform-matrix.js';

type Choice = readonly [axis: number, value: number];

export interface MatrixConstraints {
  /** Some platform of the matrix has all these choices (axis index, value index) together. */
  possible(choices: readonly Choice[]): boolean;
  /** The values of axis `i` some platform has together with the values `row` already holds (undefined: not chosen). */
  valuesWith(i: number, row: readonly (number | undefined)[]): number[];
  /** The groups of axes (indices) that rules tie together, for tests and docs. */
  groups: number[][];
}

/** A group's assignments are enumerated whole: a rule that ties more settings together must not make this explode. */
const MAX_GROUP = 100_000;

const cache = new Map<string, MatrixConstraints>();

export function matrixConstraints(m: FileMatrix): MatrixConstraints {
  const key = JSON.stringify(m);
  let c = cache.get(key);
  if (!c) cache.set(key, (c = build(m)));
  return c;
}

function build(m: FileMatrix): MatrixConstraints {
  const n = m.axes.length;
  // a setting tied to an axis (declaredCoherent on deviceCoherent's) is read through that axis
  const axisOf = new Map(m.axes.flatMap((a, i) => [a.key, ...(a.tied ?? [])].map((k) => [k as string, i] as const)));
  // union-find over the axes a rule reads together
  const parent = [...Array(n).keys()];
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i])));
  const axesOf = (settings: readonly string[]) => settings.flatMap((s) => (axisOf.has(s) ? [axisOf.get(s)!] : []));
  for (const rule of PLATFORM_CONSTRAINTS) {
    const [first, ...rest] = axesOf(rule.settings);
    for (const i of rest) parent[root(i)] = root(first);
  }
  const groups: number[][] = [];
  const groupOf: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    let g = groups.findIndex((members) => root(members[0]) === root(i));
    if (g < 0) g = groups.push([]) - 1;
    groups[g].push(i);
    groupOf[i] = g;
  }
  // Rules that read no varied setting hold or fail for the whole matrix.
  const refuses = (config: PlatformConfig, rules: typeof PLATFORM_CONSTRAINTS): boolean => {
    let version;
    try {
      version = parseKernelVersion(config.kernel);
    } catch (e) {
      if (e instanceof PlatformError) return true;
      throw e;
    }
    return rules.some((r) => r.refuse(config, version) !== undefined);
  };
  const constant = PLATFORM_CONSTRAINTS.filter((r) => axesOf(r.settings).length === 0);
  const empty = refuses(mergePlatform(m.fixed), constant);
  // Each group's allowed assignments (value indices, in the group's member order).
  const allowed: number[][][] = groups.map((members) => {
    const rules = PLATFORM_CONSTRAINTS.filter((r) => axesOf(r.settings).some((i) => members.includes(i)));
    const size = members.reduce((k, i) => k * m.axes[i].values.length, 1);
    if (size > MAX_GROUP) throw new Error(`platform matrix: the settings ${members.map((i) => m.axes[i].key).join(', ')} are tied by rules into ${size} combinations, more than the covering enumerates (${MAX_GROUP})`);
    const out: number[][] = [];
    if (empty) return out;
    const assignment = members.map(() => 0);
    for (let k = 0; k < size; k++) {
      let rest = k;
      members.forEach((axis, t) => { assignment[t] = rest % m.axes[axis].values.length; rest = Math.floor(rest / m.axes[axis].values.length); });
      const layer: Record<string, unknown> = { ...m.fixed };
      members.forEach((axis, t) => assignAxis(layer, m.axes[axis], m.axes[axis].values[assignment[t]]));
      if (!refuses(mergePlatform(layer as Partial<PlatformConfig>), rules)) out.push([...assignment]);
    }
    return out;
  });
  const agrees = (g: number, assignment: number[], fixed: (number | undefined)[]): boolean =>
    groups[g].every((axis, t) => fixed[axis] === undefined || fixed[axis] === assignment[t]);
  return {
    groups,
    possible(choices) {
      const fixed: (number | undefined)[] = new Array(n).fill(undefined);
      for (const [axis, value] of choices) {
        if (fixed[axis] !== undefined && fixed[axis] !== value) return false;
        fixed[axis] = value;
      }
      return groups.every((_, g) => allowed[g].some((a) => agrees(g, a, fixed)));
    },
    valuesWith(i, row) {
      const g = groupOf[i];
      const others = row.map((v, axis) => (axis === i ? undefined : v));
      const values = new Set<number>();
      for (const a of allowed[g]) if (agrees(g, a, others)) values.add(a[groups[g].indexOf(i)]);
      return [...values].sort((x, y) => x - y);
    },
  };
}
