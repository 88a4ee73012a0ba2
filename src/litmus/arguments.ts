// Call arguments: a small expression language covering what the kernel calls take (numbers,
// buffer + offset, *(u32 *)ptr, &sgl[0], DMA_BIT_MASK(32), GFP flags), nested at most MAX_NESTING deep.

import { MAX_NESTING } from '../program/limits.js';
import type { Token } from './lexer.js';
import { TokenStream, integer } from './token-stream.js';
import { CPU_CALLS, DEVICE_CALLS, closest, scalarTypeSize } from './vocabulary.js';

export interface Addr { name: string; entry?: number; off: number }
export type Arg =
  | { kind: 'num'; value: bigint; tok: Token }
  | { kind: 'addr'; addr: Addr; plain: boolean; tok: Token } // plain: a bare identifier
  | { kind: 'deref'; size: number; addr: Addr; at: Token; tok: Token } // *(u32 *)(buf + 4)
  | { kind: 'ref'; name: string; index: number; tok: Token } // &sgl[0]
  | { kind: 'call'; name: string; args: Arg[]; tok: Token } // DMA_BIT_MASK(32)
  | { kind: 'flags'; names: string[]; tok: Token }; // GFP_KERNEL | __GFP_DMA


export interface Call { name: string; args: Arg[]; tok: Token; end: Token }

export class ArgumentParser extends TokenStream {
  protected call(known: Record<string, string>, block: 'cpu' | 'device'): Call {
    const name = this.ident('an operation');
    if (!(name.text in known)) {
      const other = block === 'cpu' ? DEVICE_CALLS : CPU_CALLS;
      if (name.text in other) this.fail(name, `${name.text}() is a ${block === 'cpu' ? 'device' : 'CPU'} operation; it belongs in a '${block === 'cpu' ? 'device' : 'cpu'}' block`);
      const hint = closest(name.text, Object.keys(known));
      this.fail(name, `unknown function '${name.text}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
    }
    this.expectText('(', `after '${name.text}'`);
    const args: Arg[] = [];
    if (!this.is(')')) {
      args.push(this.arg());
      while (this.is(',')) { this.next(); args.push(this.arg()); }
    }
    const end = this.expectText(')', `to close ${name.text}${known[name.text]}`);
    return { name: name.text, args, tok: name, end };
  }

  protected arity(c: Call, n: number): void {
    if (c.args.length !== n) {
      this.fail(c.tok, `wrong number of arguments: ${c.name} takes ${n} ${n === 1 ? 'argument' : 'arguments'} ${CPU_CALLS[c.name] ?? DEVICE_CALLS[c.name]}, found ${c.args.length}`);
    }
  }

  /** One argument; nesting is bounded (MAX_NESTING) so the recursion is too. */
  protected arg(): Arg {
    if (this.depth >= MAX_NESTING) this.fail(this.tok, `more than ${MAX_NESTING} nested parentheses, casts or calls`);
    this.depth++;
    try {
      return this.argAt();
    } finally {
      this.depth--;
    }
  }

  protected depth = 0;

  protected argAt(): Arg {
    const t = this.tok;
    if (this.is('*')) { const d = this.deref(); return { kind: 'deref', ...d, tok: t }; }
    if (this.is('&')) {
      this.next();
      const name = this.ident('an sg table after &');
      this.expectText('[', `after '&${name.text}'`);
      const index = this.int('an sg entry index');
      this.expectText(']', 'after the index');
      return { kind: 'ref', name: name.text, index, tok: t };
    }
    if (this.is('(')) {
      this.next();
      const inner = this.arg();
      this.expectText(')', 'to close the parenthesis');
      return inner;
    }
    if (t.kind === 'number') { this.next(); return { kind: 'num', value: integer(t, 'a number'), tok: t }; }
    if (this.is('-')) this.fail(t, 'negative numbers are not values a device or CPU can store here');
    if (t.kind !== 'ident') this.fail(t, `expected an argument, found ${this.found(t)}`);
    this.next();
    if (this.is('(')) {
      this.next();
      const args: Arg[] = [];
      if (!this.is(')')) {
        args.push(this.arg());
        while (this.is(',')) { this.next(); args.push(this.arg()); }
      }
      this.expectText(')', `to close ${t.text}(`);
      return { kind: 'call', name: t.text, args, tok: t };
    }
    if (this.is('|')) {
      const names = [t.text];
      while (this.is('|')) { this.next(); names.push(this.ident('a flag after |').text); }
      return { kind: 'flags', names, tok: t };
    }
    const addr: Addr = { name: t.text, off: 0 };
    let plain = true;
    if (this.is('[')) {
      this.next();
      addr.entry = this.int('an sg entry index');
      this.expectText(']', 'after the sg entry index');
      plain = false;
    }
    if (this.is('+')) {
      this.next();
      addr.off = this.int('an offset');
      plain = false;
    }
    return { kind: 'addr', addr, plain, tok: t };
  }

  /** *(u32 *)ptr — the access size comes from the type. */
  protected deref(): { size: number; addr: Addr; at: Token } {
    this.expectText('*', 'before the cast');
    this.expectText('(', "in the cast '*(u32 *)'");
    const ty = this.ident("a type such as u32");
    let size = scalarTypeSize(ty.text);
    if (size === undefined) this.fail(ty, `unknown type '${ty.text}': use u8, u16, u32, u64 (u24, u40, u48, u56 for odd widths) or u8[N]`);
    if (this.is('[')) {
      if (ty.text !== 'u8') this.fail(this.tok, 'only u8[N] arrays are accesses');
      this.next();
      size = this.int('an array length');
      if (size <= 8) this.fail(ty, `write u8[${size}] accesses as u${size * 8}`);
      this.expectText(']', 'after the array length');
    }
    this.expectText('*', "in the cast '*(u32 *)'");
    this.expectText(')', "to close the cast '*(u32 *)'");
    const a = this.arg();
    if (a.kind !== 'addr' || a.addr.entry !== undefined) this.fail(a.tok, 'expected a buffer, optionally + offset, after the cast');
    return { size, addr: a.addr, at: a.tok };
  }
}
