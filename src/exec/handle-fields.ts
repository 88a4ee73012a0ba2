// DMA handles held in memory fields of any width. A driver stores a handle into a descriptor
// (`*(u32 *)(bd + 4) = h;`, FEC's 32-bit cbd_bufaddr) and the device reads it back; with swiotlb
// or RAM above 4 GiB the arm64 run and the ideal run hold different numbers there, so a read of
// a field that still holds what a handle-valued store put is observed as that handle
// (`h + 0x80`), in both runs, whatever the field's width. Fields are keyed by the CPU's physical
// address (a bounce slot's bytes belong to its original), and a read names the handle only while
// the bytes it returns are the ones stored: a stale or overwritten field is a plain number.
//
// Where the field is narrower than the address (a bus address above 4 GiB in a 32-bit field),
// arm64 keeps the low bits, as the hardware does: the device is given a truncated address, and
// the observation says so. The ideal platform keeps a handle whole at any width — it stands for
// what the driver means — so a truncation is always a difference, with its own explanation.
// A driver that splits the address itself (`lo = h & 0xffffffff`, `hi = h >> 32`, the kernel's
// lower_32_bits()/upper_32_bits()) stores the halves of h: named so, never a truncation.

import { evaluate, leaves, type Expr } from '../program/expr.js';
import type { Value } from '../program/types.js';
import { bytesEqual, formatValue, maxValue } from './values.js';
import type { BusSegment } from './world.js';

/** A value that is a DMA handle plus an offset: the mapping it points into, as this world numbers it. */
export interface HandleValue {
  /** The segment's name in reports: h, h#2, sgl[1]. */
  name: string;
  bus: number;
  size: number;
  off: bigint;
  /**
   * A half of the address, as `lower_32_bits()` / `upper_32_bits()` take it (`h & 0xffffffff`,
   * `h >> 32`), or the whole of it byte-swapped, as `cpu_to_be64()` stores it (`be64`), or some
   * of its bits packed with other fields (`packed`).
   */
  part?: 'lo' | 'hi' | 'be64' | 'packed';
  /** For `packed`: the bits that come from the handles, and the value's other bits. */
  packed?: { mask: Value; rest: Value; names: string };
}

interface Field {
  addr: number;
  size: number;
  bytes: Uint8Array;
  /** What a read of the field observes. */
  text: string;
  /** What the ideal platform's register holds after reading it: the whole handle. */
  value: Value;
  handle: HandleValue;
  /** arm64 kept only the field's low bits of the address. */
  truncated: boolean;
}

/** A value inside the segment, named as handle + offset; undefined when it lies outside. */
export function handleValueIn(seg: Pick<BusSegment, 'name' | 'bus' | 'size'>, v: Value): HandleValue | undefined {
  const off = v - BigInt(seg.bus);
  return off >= 0n && off < BigInt(seg.size) ? { name: seg.name, bus: seg.bus, size: seg.size, off } : undefined;
}

/**
 * The handle a computed value `v` is: a handle, or a register holding one, plus an offset that
 * stays inside its mapping (`h + 128`, `a | 1`); or its low or high 32 bits (`h & 0xffffffff`,
 * `h >> 32`: lower_32_bits(), upper_32_bits()). Undefined for anything else.
 */
export function handleOf(e: Expr, v: Value, at: {
  handle: (name: string, entry?: number) => HandleValue | undefined;
  read: (op: number) => HandleValue | undefined;
  evaluate: (x: Expr) => Value;
}): HandleValue | undefined {
  const whole = (x: Expr): HandleValue | undefined => {
    const h = sym(x);
    return h && !h.part ? h : undefined;
  };
  const sym = (x: Expr, value?: Value): HandleValue | undefined => {
    switch (x.k) {
      case 'handle': return at.handle(x.name, x.entry);
      case 'read': return at.read(x.op);
      case 'bin': {
        const half = x.r.k === 'num' && ((x.op === '&' && x.r.v === 0xffffffffn) || (x.op === '>>' && x.r.v === 32n)) ? whole(x.l) : undefined;
        if (half) return { ...half, part: x.op === '&' ? 'lo' : 'hi' };
        const lo = x.op === '+' ? (loPlus(x.l, x.r, x) ?? loPlus(x.r, x.l, x)) : undefined;
        if (lo) return lo;
        const base = whole(x.l) ?? whole(x.r);
        return base && handleValueIn(base, value ?? at.evaluate(x));
      }
      default: return undefined;
    }
  };
  /**
   * `lower_32_bits(h) + off` (8250_dma's `tx_addr + xmit->tail` into a 32-bit register) is
   * lower_32_bits(h + off) while the sum stays within 32 bits: the driver's offset into its
   * mapping, as `h + off` stored in a u32 field is. A carry out of bit 31 is a plain number.
   */
  const loPlus = (half: Expr, other: Expr, sum: Expr): HandleValue | undefined => {
    const h = sym(half);
    if (h?.part !== 'lo' || sym(other)) return undefined;
    const lo = (sum === e ? v : at.evaluate(sum));
    if (lo > 0xffffffffn) return undefined;
    const addr = ((BigInt(h.bus) + h.off) & ~0xffffffffn) + lo;
    const inside = handleValueIn(h, addr);
    return inside && { ...inside, part: 'lo' };
  };
  return sym(e, v) ?? swapped(e, v, at) ?? packed(e, v, at);
}

/** Operators that move and mask bits: what FIELD_PREP(), GENMASK(), upper_32_bits() and a cast are made of. */
const BIT_OPS: ReadonlySet<string> = new Set(['&', '|', '^', '<<', '>>']);

/**
 * Some of a handle's bits packed with other fields (ath11k's `FIELD_PREP(BUFFER_ADDR_INFO1_ADDR,
 * upper_32_bits(paddr)) | FIELD_PREP(..._SW_COOKIE, cookie)`, iwlwifi's `upper_32_bits(addr) &
 * 0xF | len << 4`): a value computed with bit operators only from handles (or fields naming a
 * whole handle or a half of one) and other values. Its bits that come from the handles are the
 * driver's address wherever it runs; its other bits must be the same on both platforms. So it is
 * named by those other bits and the handles, and two platforms' values that differ only in the
 * handles' bits are the same observation. Which bits come from the handles: those that change
 * when the handles' bits all flip (bit operators move bits, they never carry).
 */
function packed(e: Expr, v: Value, at: Parameters<typeof handleOf>[2]): HandleValue | undefined {
  const from = new Map<Expr, HandleValue>(); // the leaves that are handles, or name a whole handle or a half of one
  const bitsOnly = (x: Expr): boolean => {
    switch (x.k) {
      case 'num': return true;
      case 'un': return x.op === '~' && bitsOnly(x.e);
      case 'bin': return BIT_OPS.has(x.op) && bitsOnly(x.l) && bitsOnly(x.r);
      case 'handle': { const h = at.handle(x.name, x.entry); if (h) from.set(x, h); return !!h; }
      case 'read': { const h = at.read(x.op); if (h && h.part !== 'packed') from.set(x, h); return true; }
      default: return false;
    }
  };
  if (!bitsOnly(e) || !from.size) return undefined;
  const withHandles = (bits: Value) => evaluate(e, (x) => (from.has(x) ? bits : at.evaluate(x)));
  const ALL = (1n << 64n) - 1n;
  const base = withHandles(0n);
  const mask = BigInt.asUintN(64, (base ^ withHandles(ALL)) | (base ^ withHandles(0x5555555555555555n)) | (base ^ withHandles(0xaaaaaaaaaaaaaaaan)));
  if (!mask) return undefined;
  const names = [...new Set([...from.values()].map((h) => handleText({ ...h, off: 0n })))].join(', ');
  return { ...from.values().next().value!, off: 0n, part: 'packed', packed: { mask, rest: BigInt.asUintN(64, v & ~mask), names } };
}

/**
 * A handle in a big-endian field (mlx4/mlx5 WQEs: `dseg->addr = cpu_to_be64(dma)`, __swab64 on
 * arm64): a value computed from a whole handle whose bytes reversed lie in its mapping is that
 * handle byte-swapped; one computed from such a value that lies in the mapping (the device's
 * be64_to_cpu()) is the handle again. Either way, both platforms name the same byte of the buffer.
 */
function swapped(e: Expr, v: Value, at: Parameters<typeof handleOf>[2]): HandleValue | undefined {
  for (const l of leaves(e)) {
    const h = l.k === 'handle' ? at.handle(l.name, l.entry) : l.k === 'read' ? at.read(l.op) : undefined;
    if (h?.part === 'be64') {
      const back = handleValueIn(h, v);
      if (back) return back;
    } else if (h && !h.part) {
      const be = handleValueIn(h, swab64(v));
      if (be) return { ...be, part: 'be64' };
    }
  }
  return undefined;
}

/** The 8 bytes of v in the other order (include/uapi/linux/swab.h __swab64). */
function swab64(v: Value): Value {
  let out = 0n;
  for (let k = 0n; k < 8n; k++) out |= ((v >> (8n * k)) & 0xffn) << (8n * (7n - k));
  return out;
}

export function handleText(h: HandleValue): string {
  if (h.part === 'packed') return `0x${h.packed!.rest.toString(16)} | (bits 0x${h.packed!.mask.toString(16)} from ${h.packed!.names})`;
  const whole = `${h.name}${h.off ? ` + 0x${h.off.toString(16)}` : ''}`;
  return h.part === 'lo' ? `lower_32_bits(${whole})` : h.part === 'hi' ? `upper_32_bits(${whole})` : h.part === 'be64' ? `cpu_to_be64(${whole})` : whole;
}

/** Immutable: a store returns new fields, so machines that branch share them. */
export class HandleFields {
  static readonly EMPTY = new HandleFields([]);

  private constructor(private readonly fields: readonly Field[]) {}

  /**
   * A store of `bytes` at CPU physical address `addr`: it overwrites every field it touches, and
   * becomes one when its value is handle `h` (computed as `value`). `whole`: the world keeps a
   * handle whole at any width (the ideal platform).
   */
  store(addr: number, bytes: Uint8Array, h: HandleValue | undefined, value: Value, whole: boolean): HandleFields {
    if (!h && !this.fields.length) return this; // most stores: no handle stored, none overwritten
    const end = addr + bytes.length;
    const kept = this.fields.filter((f) => f.addr + f.size <= addr || end <= f.addr);
    if (!h || bytes.length > 8) return kept.length === this.fields.length ? this : new HandleFields(kept);
    const truncated = !h.part && value > maxValue(bytes.length) && !whole;
    const text = truncated
      ? `${handleText(h)} truncated to ${8 * bytes.length} bits: the device was given a truncated address, ${formatValue(bytes)} instead of 0x${value.toString(16)}`
      : handleText(h);
    // The ideal register after a read: the whole handle, a low half included (the device that
    // takes only the low word is given all of h there); a high half is what was stored.
    const ideal = h.part === 'lo' ? BigInt(h.bus) + h.off : value;
    // Kept in address order (fields never overlap): two states whose stores ran in different
    // orders hold the same fields, and must have the same fingerprint to merge.
    const field = { addr, size: bytes.length, bytes: bytes.slice(), text, value: ideal, handle: h, truncated };
    const at = kept.findIndex((f) => f.addr > addr);
    return new HandleFields(at < 0 ? [...kept, field] : [...kept.slice(0, at), field, ...kept.slice(at)]);
  }

  /** The field a read of `bytes` at `addr` finds, when it returns exactly what the handle store put there. */
  read(addr: number, bytes: Uint8Array): Readonly<Field> | undefined {
    for (const f of this.fields) {
      if (f.addr === addr && f.size === bytes.length && bytesEqual(f.bytes, bytes)) return f;
    }
    return undefined;
  }

  fingerprint(): string {
    return this.fields.map((f) => `${f.addr}:${f.size}:${f.text}`).join(',');
  }
}
