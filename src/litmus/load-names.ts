// The names of the registers the parser makes itself: a load lowered out of an expression
// (`len = READ_ONCE(desc->status) & 0x3fff;` loads desc->status first), the old value of a
// compound assignment to memory, a mapping check's result. Reports print them where the driver's
// own names stand, so each is named from the driver's text: `desc_status`, `ring_12` for
// `*(u32 *)(ring + 12)`, `rx_dma_error` for dma_mapping_error(dev, rx_dma). Unique names are
// src/litmus/thread-scope.ts's job (fresh()).

import type { Syn } from './syntax-tree.js';

/** A place as the driver wrote it (`desc->status`, `ring[i].len`, `*bdp`), as the words of an identifier; undefined for anything else. */
export function placeName(s: Syn): string | undefined {
  switch (s.s) {
    case 'name': {
      const name = s.name.replace(/^.*__(?=.)/, ''); // an inlined function's FN__param is the driver's param
      return s.index === undefined ? name : `${name}_${s.index}`;
    }
    case 'member': { const b = placeName(s.base); return b === undefined ? s.field : `${b}_${s.field}`; }
    case 'index': {
      const b = placeName(s.base);
      if (b === undefined) return undefined;
      return s.i.s === 'num' ? `${b}_${s.i.v}` : s.i.s === 'name' && s.i.index === undefined ? `${b}_${s.i.name}` : b;
    }
    case 'star': { const p = placeName(s.e); return p === undefined ? undefined : `${p}_val`; }
    case 'deref': return s.name ?? accessName(s.ptr);
    case 'call': return s.name === 'READ_ONCE' && s.args.length === 1 ? placeName(s.args[0]) : undefined;
    default: return undefined;
  }
}

/** `*(u32 *)(ring + 12)` is `ring_12`, `*(u32 *)buf` is `buf_val`, `*(u32 *)(ring + 16 * i)` is `ring_val`. */
function accessName(ptr: Syn): string | undefined {
  if (ptr.s === 'name' && ptr.index === undefined) return `${ptr.name}_val`;
  if (ptr.s === 'bin' && ptr.op === '+' && ptr.l.s === 'name' && ptr.l.index === undefined) return ptr.r.s === 'num' ? `${ptr.l.name}_${ptr.r.v}` : `${ptr.l.name}_val`;
  if (ptr.s === 'bin' && (ptr.op === '+' || ptr.op === '-')) return accessName(ptr.l);
  return undefined;
}

/** Words as a C identifier: `_` between them, never two in a row (inlining's NAME__param names have two). */
export function identifier(words: string): string {
  const id = words.replace(/[^A-Za-z0-9_]+/g, '_').replace(/_+/g, '_').replace(/^_|_$/g, '');
  return /^[A-Za-z]/.test(id) ? id : `v_${id}`;
}
