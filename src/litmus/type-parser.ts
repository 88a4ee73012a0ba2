// C type names and struct declarations as drivers write them: `struct bufdesc { __le16 cbd_datlen;
// __le16 cbd_sc; __le32 cbd_bufaddr; };`, `__packed`, `u8 data[16]`, `struct bufdesc *bdp`.
// Layout rules are src/litmus/c-types.ts'.

import { TokenStream } from './token-stream.js';
import { KERNEL_ALIGNMENTS, TYPE_WORDS, layoutStruct, scalarType, spelledInt, type CType, type Member } from './c-types.js';
import type { Token } from './lexer.js';
import { closest } from './vocabulary.js';

const SPELLED = new Set(['unsigned', 'signed', 'int', 'char', 'short', 'long']);

/**
 * ____cacheline_aligned and its _in_smp form (arm64 is always SMP): SMP_CACHE_BYTES
 * (include/linux/cache.h). __cacheline_aligned adds a section, which only a variable can have.
 */
const CACHELINE_ALIGNED = new Set(['____cacheline_aligned', '____cacheline_aligned_in_smp']);

export class TypeParser extends TokenStream {
  protected readonly structs = new Map<string, CType & { k: 'struct' }>();
  protected readonly structPos = new Map<string, Token>();

  /** Does a type start `ahead` tokens on (a scalar type word, or `struct NAME`)? */
  protected isTypeStart(ahead = 0): boolean {
    const t = this.toks[Math.min(this.i + ahead, this.toks.length - 1)];
    if (t.kind !== 'ident') return false;
    if (t.text === 'struct') return this.toks[this.i + ahead + 1]?.kind === 'ident';
    return TYPE_WORDS.has(t.text) || SPELLED.has(t.text);
  }

  /** A type name: qualifiers, a scalar or `struct NAME`, then any number of `*`. */
  protected typeName(what: string): CType {
    while (this.is('const') || this.is('volatile')) this.next();
    const t = this.tok;
    let type: CType;
    if (this.is('struct')) {
      this.next();
      const name = this.ident('a struct name');
      const s = this.structs.get(name.text);
      // A pointer to a struct declared later is fine in C; here every struct is declared first.
      if (!s) {
        const hint = closest(name.text, this.structs.keys());
        this.fail(name, `unknown struct '${name.text}'${hint ? ` (did you mean '${hint}'?)` : ''}: declare it first, struct ${name.text} { u32 field; };`);
      }
      type = s;
    } else if (t.kind === 'ident' && SPELLED.has(t.text)) {
      const words: string[] = [];
      while (this.tok.kind === 'ident' && SPELLED.has(this.tok.text)) words.push(this.next().text);
      const s = spelledInt(words);
      if (!s) this.fail(t, `unknown type '${words.join(' ')}'`);
      type = s;
    } else if (t.kind === 'ident' && t.text === 'void') {
      this.next();
      if (this.is('__iomem')) this.fail(t, "an __iomem pointer (ioremap()'s base) is not modelled: declare each register the driver uses in the memory block (mmio SPI_CTRL;) and write writel(v, SPI_CTRL)");
      if (!this.is('*')) this.fail(t, "'void' is only a function's return type here; a pointer to void has no size to access (use u8 *)");
      type = { k: 'int', name: 'u8', size: 1 };
    } else {
      const s = t.kind === 'ident' ? scalarType(t.text) : undefined;
      if (!s) this.fail(t, `expected ${what}, found ${this.found(t)}`);
      this.next();
      type = s;
    }
    while (this.is('const') || this.is('volatile')) this.next();
    while (this.is('*')) {
      this.next();
      type = { k: 'ptr', to: type };
      while (this.is('const') || this.is('volatile')) this.next();
    }
    return type;
  }

  /** `[N]` after a declarator, any number of times: u8 data[4][16]. */
  protected arraySuffix(type: CType, count: (what: string) => number): CType {
    const dims: number[] = [];
    while (this.is('[')) {
      this.next();
      const n = count('an array length');
      if (n <= 0) this.fail(this.tok, 'array lengths are positive');
      dims.push(n);
      this.expectText(']', 'after the array length');
    }
    for (const n of dims.reverse()) type = { k: 'array', of: type, count: n };
    return type;
  }

  /**
   * An alignment attribute, if one is next: __aligned(N), __attribute__((aligned(N))) or
   * __attribute__((__aligned__(N))), ____cacheline_aligned(_in_smp). N is a constant, or the
   * kernel's ARCH_DMA_MINALIGN, SMP_CACHE_BYTES, L1_CACHE_BYTES (KERNEL_ALIGNMENTS: arm64's).
   */
  protected alignment(count: (what: string) => number): number | undefined {
    const t = this.tok;
    if (t.kind !== 'ident') return undefined;
    if (CACHELINE_ALIGNED.has(t.text)) { this.next(); return KERNEL_ALIGNMENTS.SMP_CACHE_BYTES; }
    if (t.text === '__cacheline_aligned' || t.text === '__cacheline_aligned_in_smp') {
      this.fail(t, `${t.text} also names a section, which only a variable has: a member or a struct is aligned with ____cacheline_aligned (SMP_CACHE_BYTES, 64 on arm64) or __aligned(ARCH_DMA_MINALIGN) (128)`);
    }
    const attribute = t.text === '__attribute__';
    if (!attribute && t.text !== '__aligned') return undefined;
    this.next();
    if (attribute) {
      this.expectText('(', "after '__attribute__'");
      this.expectText('(', "after '__attribute__('");
      const a = this.ident('an attribute');
      if (a.text !== 'aligned' && a.text !== '__aligned__') this.fail(a, `__attribute__((${a.text})) is not supported here: __packed after a struct, and __aligned(N) or ____cacheline_aligned after a struct or a member, are`);
    }
    this.expectText('(', `after '${attribute ? 'aligned' : '__aligned'}'`);
    const at = this.tok;
    let n: number;
    if (at.kind === 'ident' && at.text in KERNEL_ALIGNMENTS && this.is(')', 1)) { this.next(); n = KERNEL_ALIGNMENTS[at.text]; }
    else n = count('an alignment');
    if (n <= 0 || n & (n - 1)) this.fail(at, `an alignment is a power of two, not ${n}`);
    this.expectText(')', 'after the alignment');
    if (attribute) { this.expectText(')', 'after the attribute'); this.expectText(')', 'after the attribute'); }
    return n;
  }

  /**
   * struct NAME { TYPE member [attr]; ... } [__packed] [attr];  — the `struct` keyword is current; attr
   * is an alignment (this.alignment()). `count` reads
   * a constant (array lengths may be #defined or computed).
   */
  protected structDeclaration(count: (what: string) => number): void {
    this.next();
    const name = this.ident('a struct name');
    if (this.structs.has(name.text)) this.fail(name, `struct '${name.text}' is already declared at line ${this.structPos.get(name.text)!.line}`);
    const open = this.expectText('{', `after 'struct ${name.text}' (a declaration: struct ${name.text} { u32 field; };)`);
    const members: Member[] = [];
    const seen = new Set<string>();
    while (!this.is('}')) {
      if (this.tok.kind === 'eof') this.fail(open, `unterminated 'struct ${name.text}': '{' has no closing '}'`);
      if (this.is('union')) this.fail(this.tok, 'unions are not supported: declare the member you use');
      if (this.is('struct') && this.is('{', 2)) this.fail(this.tok, 'a struct declared inside another is not supported: declare it first and name it');
      const base = this.typeName('a member type (u8, __le16, u32, dma_addr_t, struct NAME, ...)');
      const before = this.alignment(count); // u8 ____cacheline_aligned rx[256];
      for (;;) {
        let type = base;
        while (this.is('*')) { this.next(); type = { k: 'ptr', to: type }; }
        const m = this.ident('a member name');
        if (this.is(':')) this.fail(this.tok, `bit-field '${m.text}' is not supported: declare the whole word and use FIELD_GET()/FIELD_PREP()`);
        type = this.arraySuffix(type, count);
        if (seen.has(m.text)) this.fail(m, `member '${m.text}' is declared twice in struct ${name.text}`);
        seen.add(m.text);
        const aligned = Math.max(before ?? 1, this.alignment(count) ?? 1); // u8 rx[256] ____cacheline_aligned;
        members.push({ name: m.text, type, ...(aligned > 1 ? { aligned } : {}) });
        if (!this.is(',')) break;
        this.next();
      }
      this.expectText(';', 'after the member');
    }
    this.next();
    let packed = false;
    let aligned: number | undefined;
    for (;;) {
      if (this.is('__packed')) { this.next(); packed = true; continue; }
      if (this.is('__attribute__') && (this.is('packed', 3) || this.is('__packed__', 3))) {
        this.next();
        this.expectText('(', "after '__attribute__'");
        this.expectText('(', "after '__attribute__('");
        this.next();
        packed = true;
        this.expectText(')', 'after the attribute');
        this.expectText(')', 'after the attribute');
        continue;
      }
      const a = this.alignment(count);
      if (a === undefined) break;
      aligned = Math.max(aligned ?? 1, a);
    }
    this.expectText(';', `after the declaration of 'struct ${name.text}'`);
    if (!members.length) this.fail(name, `struct ${name.text} has no members`);
    this.structs.set(name.text, layoutStruct(name.text, members, packed, aligned));
    this.structPos.set(name.text, name);
  }
}
