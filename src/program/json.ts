// Programs as JSON. JSON numbers are doubles (exact to 2^53), so a u64 value is written as a
// "0x…" string; reading turns those strings back into bigints. Used wherever a program is
// written or read: failure files, replay.

import { ProgramError } from './program-error.js';
import type { Program, Value } from './types.js';

/** JSON.stringify that writes every bigint as "0x…" (values are the only bigints in our data). */
export function toJson(data: unknown, indent?: number): string {
  return JSON.stringify(data, (_key, v: unknown) => (typeof v === 'bigint' ? valueToJson(v) : v), indent);
}

export function valueToJson(v: Value): string {
  return '0x' + v.toString(16);
}

/**
 * A value read back: "0x…" (how toJson writes it), or a JSON number that is an exact integer
 * (files written while values were numbers).
 */
export function valueFromJson(x: unknown, where: string): Value {
  if (typeof x === 'string' && /^0x[0-9a-fA-F]{1,16}$/.test(x)) return BigInt(x);
  if (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) return BigInt(x);
  throw new ProgramError(`${where}: value ${JSON.stringify(x)} is not a u64 ("0x…" or an integer below 2^53)`);
}

/** A program parsed from JSON (JSON.parse output): every op's value becomes a bigint again. */
export function programFromJson(x: unknown): Program {
  const p = x as Program;
  if (typeof p !== 'object' || p === null || !Array.isArray(p.actors) || !Array.isArray(p.buffers)) {
    throw new ProgramError('not a program (expected {"name", "buffers", "registers", "actors"})');
  }
  const actors = p.actors.map((a) => ({
    ...a,
    ops: (Array.isArray(a?.ops) ? a.ops : []).map((op, i) => ('value' in op ? { ...op, value: valueFromJson(op.value, `${a.name} op ${i + 1} (${op.op})`) } : op)),
  }));
  return { ...p, actors } as Program;
}
