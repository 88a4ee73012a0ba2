// Structs, arrays and pointers, resolved to what the rest of the parser already reads: a byte
// range of a declared buffer. `ring[i].cbd_sc` is `*(u16 *)(ring + i * 8 + 2)`, `&ring[i]` is the
// pointer `ring + i * 8`, and a register assigned a pointer (`bdp = &ring[idx];`) holds the byte
// offset into its buffer, so `bdp->cbd_sc` is `*(u16 *)(ring + bdp + 2)` and `bdp + 1` steps by
// sizeof(*bdp). A pointer register points into one buffer for the whole thread: the buffer is part
// of its type, as the compiler knows which array a driver's descriptor pointer walks.

import { type BinaryOp } from '../program/expr.js';
import { sizeOf, typeText, type CType } from './c-types.js';
import { ArgumentChecks } from './argument-checks.js';
import { placeName } from './load-names.js';
import type { Syn } from './syntax-tree.js';
import { closest } from './vocabulary.js';

/** A typed location or pointer: buffer, byte offset (an expression), type of what is there / pointed at. */
export interface Typed { buf: string; off: Syn; type: CType }

/** What a desugared expression is: a value, a location (a place) or a pointer. */
export type Resolved = { syn: Syn; place?: Typed; ptr?: Typed };

const COMPARE = new Set<BinaryOp>(['==', '!=', '<', '<=', '>', '>=']);

/** sg_dma_address(), sg_dma_len(): a scatterlist entry's DMA segment (include/linux/scatterlist.h). */
export const SG_SEGMENT_CALLS: ReadonlySet<string> = new Set(['sg_dma_address', 'sg_dma_len']);

export class CLang extends ArgumentChecks {
  /** Element type of each buffer declared with one (`coherent struct bufdesc ring[64];`): the whole buffer's type. */
  protected readonly bufferTypes = new Map<string, CType>();
  /** The current thread's pointer registers: register → the buffer it points into and the type pointed at. */
  protected pointers = new Map<string, { buf: string; to: CType }>();

  protected override desugar(s: Syn): Syn {
    return this.valueSyn(this.resolve(s));
  }

  /** A resolved expression used as a value: a scalar place is loaded, an array decays to a pointer, a pointer is buf + offset. */
  protected valueSyn(r: Resolved): Syn {
    if (r.ptr) return this.pointerSyn(r.ptr);
    if (!r.place) return r.syn;
    const t = r.place.type;
    if (t.k === 'array') return this.pointerSyn({ ...r.place, type: t.of });
    if (t.k === 'struct') this.fail(r.syn.tok, `a whole 'struct ${t.name}' is not a value: name one of its members (${[...t.fields.keys()].slice(0, 3).join(', ')}, ...)`);
    // `name`: the place as written (desc->status), for the register a load of it goes into
    const name = placeName(r.syn);
    return this.node(r.syn.tok, { s: 'deref', size: sizeOf(t), ptr: this.pointerSyn(r.place), ...(name === undefined ? {} : { name }) }, r.place.off);
  }

  protected pointerSyn(p: Typed): Syn {
    const base = this.node(p.off.tok, { s: 'name', name: p.buf });
    return p.off.s === 'num' && p.off.v === 0n ? base : this.node(p.off.tok, { s: 'bin', op: '+', l: base, r: p.off }, base, p.off);
  }

  protected resolve(s: Syn): Resolved {
    switch (s.s) {
      case 'name': {
        const p = this.pointers.get(s.name);
        if (p && s.index === undefined) return { syn: s, ptr: { buf: p.buf, off: s, type: p.to } };
        const type = this.bufferTypes.get(s.name);
        if (type) {
          const place: Typed = { buf: s.name, off: this.num(s, 0n), type };
          if (s.index === undefined) return { syn: s, place };
          return { syn: s, place: this.element(place, this.num(s, BigInt(s.index)), s) };
        }
        // p[1]: element 1 of the array p walks, from p's own offset (the bare register, not p[1] again)
        if (p) return { syn: s, place: this.element({ buf: p.buf, off: this.node(s.tok, { s: 'name', name: s.name }), type: { k: 'array', of: p.to, count: Infinity } }, this.num(s, BigInt(s.index!)), s) };
        return { syn: s };
      }
      case 'index': {
        const base = this.resolve(s.base);
        const i = this.desugar(s.i);
        if (base.place) return { syn: s, place: this.element(base.place, i, s) };
        if (base.ptr) return { syn: s, place: this.element({ ...base.ptr, type: { k: 'array', of: base.ptr.type, count: Infinity } }, i, s) };
        return this.fail(s.tok, `'${s.base.tok.text}' is not an array: index a buffer declared with a type (kmalloc u32 words[16];) or a pointer`);
      }
      case 'member': {
        const field = this.tableField(s);
        if (field) return { syn: field };
        const base = this.resolve(s.base);
        let at: Typed | undefined;
        if (s.arrow) {
          at = base.ptr ?? (base.place?.type.k === 'array' ? { ...base.place, type: base.place.type.of } : undefined);
          if (!at) this.fail(s.tok, `'->${s.field}' needs a pointer to a struct: assign one first (bdp = &ring[0];)`);
        } else {
          at = base.place;
          // kmalloc struct priv p; declares one object: p.field as well as p->field.
          if (at?.type.k === 'array' && at.type.count === 1 && s.base.s === 'name' && s.base.index === undefined) at = { ...at, type: at.type.of };
          if (!at) this.fail(s.tok, base.ptr ? `'${s.base.tok.text}' is a pointer: write ${s.base.tok.text}->${s.field}` : `'.${s.field}' needs a struct: declare the buffer with its type (coherent struct NAME ring[N];)`);
        }
        const t = at.type;
        if (t.k !== 'struct') this.fail(s.tok, `'${s.field}': ${typeText(t)} is not a struct`);
        const f = t.fields.get(s.field);
        if (!f) {
          const hint = closest(s.field, t.fields.keys());
          this.fail(s.tok, `struct ${t.name} has no member '${s.field}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
        }
        return { syn: s, place: { buf: at.buf, off: this.binSyn('+', at.off, this.num(s, BigInt(f.off))), type: f.type } };
      }
      case 'star': {
        const p = this.resolve(s.e);
        if (p.ptr) return { syn: s, place: p.ptr };
        if (p.place?.type.k === 'array') return { syn: s, place: { ...p.place, type: p.place.type.of } };
        return this.fail(s.tok, "'*' needs a pointer with a type: a pointer register (bdp = &ring[0];), or a cast *(u32 *)(buf + 4)");
      }
      case 'addr': {
        const p = this.resolve(s.e);
        if (p.place) return { syn: s, ptr: p.place };
        // &lock, &flag: the address of a declared untyped object is its name, as everywhere in the format
        if (s.e.s === 'name' && s.e.index === undefined) return { syn: this.node(s.tok, { s: 'name', name: s.e.name }) };
        return this.fail(s.tok, "'&' takes a struct member or an array element (&ring[i], &ring[i].status) or an sg entry (&sgl[0])");
      }
      case 'sizeof': {
        // sizeof(buf) of a buffer declared by its size alone (kmalloc buf[64];) is that size.
        if (s.e.s === 'name' && s.e.index === undefined && this.buffers.has(s.e.name) && !this.bufferTypes.has(s.e.name)) return { syn: this.num(s, BigInt(this.buffers.get(s.e.name)!.size)) };
        const p = this.resolve(s.e);
        const t = p.place?.type ?? (p.ptr ? { k: 'ptr' as const, to: p.ptr.type } : undefined);
        if (!t) this.fail(s.tok, 'sizeof needs a type or a typed location: sizeof(struct bufdesc), sizeof(*bdp), sizeof(ring[0])');
        return { syn: this.num(s, BigInt(sizeOf(t))) };
      }
      case 'ref': {
        // &ring[0] of a typed buffer or a pointer is an element's address; of anything else, an sg entry.
        if (!this.bufferTypes.has(s.name) && !this.pointers.has(s.name)) return { syn: s };
        const p = this.resolve(this.node(s.tok, { s: 'name', name: s.name, index: s.index }));
        return { syn: s, ptr: p.place };
      }
      case 'bin': return this.binary(s);
      case 'un': {
        const e = this.desugar(s.e);
        return { syn: e === s.e ? s : this.node(s.tok, { s: 'un', op: s.op, e }, e) };
      }
      case 'call': {
        // &sgl[i] names a scatterlist entry, not a C place: src/litmus/expressions.ts reads it
        if (SG_SEGMENT_CALLS.has(s.name)) return { syn: s };
        if (s.name === 'ARRAY_SIZE') return { syn: this.arraySize(s) };
        const args = s.args.map((a) => this.desugar(a));
        return { syn: this.node(s.tok, { s: 'call', name: s.name, args, end: s.end }, ...args) };
      }
      case 'deref': {
        const ptr = this.desugar(s.ptr);
        return { syn: this.node(s.tok, { s: 'deref', size: s.size, ptr, ...(s.name === undefined ? {} : { name: s.name }) }, ptr) };
      }
      case 'list': {
        const items = s.items.map((a) => this.desugar(a));
        return { syn: this.node(s.tok, { s: 'list', items }, ...items) };
      }
      case 'cond': {
        const [ra, rb] = [this.resolve(s.a), this.resolve(s.b)];
        const [pa, pb] = [ra.ptr ?? arrayPointer(ra.place), rb.ptr ?? arrayPointer(rb.place)];
        if (pa && pb && (ra.ptr || rb.ptr || (s.a.s !== 'name' && s.b.s !== 'name'))) {
          // c ? &ring[0] : bdp + 1 — a pointer either way, into one buffer.
          if (pa.buf !== pb.buf) this.fail(s.tok, `the two arms point into different buffers ('${pa.buf}' and '${pb.buf}')`);
          const c = this.desugar(s.c);
          return { syn: s, ptr: { ...pa, off: this.node(s.tok, { s: 'cond', c, a: pa.off, b: pb.off }, c, pa.off, pb.off) } };
        }
        const [c, a, b] = [this.desugar(s.c), this.valueSyn(ra), this.valueSyn(rb)];
        return { syn: this.node(s.tok, { s: 'cond', c, a, b }, c, a, b) };
      }
      case 'assign': {
        // The target stays a location (a name or an access); the value is a value.
        const target = this.resolve(s.target);
        const t = target.place ? this.valueSyn({ syn: s.target, place: target.place }) : target.ptr ? s.target : target.syn;
        const value = this.desugar(s.value);
        return { syn: this.node(s.tok, { s: 'assign', ...(s.op ? { op: s.op } : {}), target: t, value }, t, value) };
      }
      default: return { syn: s };
    }
  }

  /** `sgt->sgl`, `sgt->nents`, `sgt->orig_nents` of a struct sg_table (src/litmus/sg-tables.ts); undefined for any other member. */
  protected tableField(_s: Extract<Syn, { s: 'member' }>): Syn | undefined {
    return undefined;
  }

  /** ARRAY_SIZE(arr) (include/linux/array_size.h): sizeof(arr) / sizeof((arr)[0]), an array's element count. */
  private arraySize(s: Extract<Syn, { s: 'call' }>): Syn {
    if (s.args.length !== 1) this.fail(s.tok, 'ARRAY_SIZE() takes one argument');
    const a = s.args[0];
    // a buffer declared by its size alone (kmalloc buf[64];) is an array of bytes
    if (a.s === 'name' && a.index === undefined && this.buffers.has(a.name) && !this.bufferTypes.has(a.name)) return this.num(s, BigInt(this.buffers.get(a.name)!.size));
    const t = this.resolve(a).place?.type;
    if (t?.k !== 'array' || t.count === Infinity) this.fail(a.tok, 'ARRAY_SIZE() takes an array: a buffer declared with its element type (coherent struct desc ring[64];) or an array member');
    return this.num(s, BigInt(t.count));
  }

  /** Pointer arithmetic and comparison; everything else is ordinary arithmetic on values. */
  private binary(s: Extract<Syn, { s: 'bin' }>): Resolved {
    const l = this.resolve(s.l);
    const r = this.resolve(s.r);
    const lp = l.ptr ?? arrayPointer(l.place);
    const rp = r.ptr ?? arrayPointer(r.place);
    // A buffer name plus a number stays a byte offset, as everywhere in the format (`ring + 8`).
    const named = (x: Resolved) => x.syn.s === 'name' && !x.ptr;
    if (lp && !rp && (s.op === '+' || s.op === '-') && !named(l)) {
      const step = this.binSyn('*', this.valueSyn(r), this.num(s, BigInt(sizeOf(lp.type))));
      return { syn: s, ptr: { ...lp, off: this.binSyn(s.op, lp.off, step) } };
    }
    if (lp && rp && !named(l) && !named(r)) {
      if (lp.buf !== rp.buf) this.fail(s.tok, `the pointers point into different buffers ('${lp.buf}' and '${rp.buf}')`);
      if (COMPARE.has(s.op)) return { syn: this.binSyn(s.op, lp.off, rp.off) };
      if (s.op === '-') {
        const size = sizeOf(lp.type);
        if (size & (size - 1)) this.fail(s.tok, `pointer difference needs a division by ${size}: division is not modelled; compare the pointers instead`);
        return { syn: this.binSyn('>>', this.binSyn('-', lp.off, rp.off), this.num(s, BigInt(Math.log2(size)))) };
      }
    }
    const [a, b] = [this.valueSyn(l), this.valueSyn(r)];
    return { syn: a === s.l && b === s.r ? s : this.binSyn(s.op, a, b) };
  }

  /** Element i of an array place (or of the array a pointer walks). */
  private element(p: Typed, i: Syn, at: Syn): Typed {
    if (p.type.k !== 'array') this.fail(at.tok, `'${at.tok.text}' is a ${typeText(p.type)}, not an array`);
    const size = sizeOf(p.type.of);
    if (i.s === 'num' && p.type.count !== Infinity && i.v >= BigInt(p.type.count)) this.fail(i.tok, `index ${i.v} is past the end of ${p.type.count} elements`);
    return { buf: p.buf, off: this.binSyn('+', p.off, this.binSyn('*', i, this.num(at, BigInt(size)))), type: p.type.of };
  }

  protected num(at: Syn, v: bigint): Syn {
    return this.node(at.tok, { s: 'num', v });
  }
}

function arrayPointer(p: Typed | undefined): Typed | undefined {
  return p?.type.k === 'array' ? { ...p, type: p.type.of } : undefined;
}
