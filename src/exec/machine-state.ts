// What a machine holds (src/exec/machine.ts): each actor's progress, the values its reads
// returned, MMIO registers, interrupts, handle fields; rows shared copy-on-write between clones;
// the observations of a finished run and the fingerprint of a state.

import type { OpId } from './op-id.js';
import type { Value } from '../program/types.js';
import type { Compiled } from './compile.js';
import type { Observations } from './observations.js';
import { HandleFields, type HandleValue } from './handle-fields.js';
import { formatValue } from './values.js';
import type { World } from './world.js';
import type { TraceEntry } from './trace.js';

export abstract class MachineState {
  /** Per actor, per op: performed yet? Shared with clones until run() copies an actor's row. */
  readonly performed: Uint8Array[];
  readonly next: number[];
  /** Per actor, per op: the value a read returned, as observed. Shared with clones like `performed`. */
  readonly reads: (string | undefined)[][];
  /** Per actor, per op: the value a read returned, as a number: what registers hold. Shared likewise. */
  readonly vals: (Value | undefined)[][];
  /**
   * Not an execution to judge: an assume failed (another path of the program covers it), or a
   * cut assume held (a loop would run past --unroll). Nothing more happens once set.
   */
  dead: 'infeasible' | 'cut' | undefined;
  regs: Map<string, Value>;
  irqRaised: Map<string, number>;
  irqTaken: Map<string, number>;
  /** Writes to each MMIO register so far, and how many of them a wait_write has seen (the engine started). */
  regWrites: Map<string, number>;
  regWritesSeen: Map<string, number>;
  bailedOut: string | undefined;
  trace?: TraceEntry[];
  /** Memory fields that hold a stored DMA handle, when the program uses handles as values. */
  fields: HandleFields | undefined;
  /**
   * The same for MMIO registers, keyed by the register's place in the program's mmio list: a
   * driver hands the device a buffer by writing its handle to an address register
   * (`writel(lower_32_bits(dma), RXADDR)`), and the device's read_reg of it is that handle.
   */
  regFields: HandleFields | undefined;
  /** Per actor, per op: the handle a read returned (from such a field). Shared with clones like `vals`. */
  readonly hvals: (HandleValue | undefined)[][];
  /** The last op performed; each points back to the one before (clones share the history). */
  protected last: PerformedOp | undefined;
  /** Has any op been performed ahead of an earlier one (Step.skip)? */
  protected reordered = false;
  /** Actors whose `performed` and `reads` rows only this machine holds. */
  protected owned: boolean[];
  /**
   * Loads performed ahead of an earlier access whose computed address was not known yet: that
   * access must not turn out to touch the load's bytes (src/exec/ordering.ts DYNAMIC). If it does,
   * the execution is not one Arm allows (a store: `addr; lrs` in dob would have held the load
   * behind the store's address read; a load: the two reads would have to agree, which this model
   * does not check, so it drops them — never a false bug) and another schedule covers it.
   */
  protected guards: Guard | undefined;

  /** from: a machine to clone (Machine.clone) over `world`, its clone's world: rows and maps are shared copy-on-write. */
  constructor(readonly c: Compiled, readonly world: World, from?: MachineState) {
    if (from) {
      this.performed = from.performed.slice();
      this.next = from.next.slice();
      this.reads = from.reads.slice();
      this.vals = from.vals.slice();
      this.hvals = from.hvals.slice();
      this.dead = from.dead;
      this.regs = from.regs;
      this.irqRaised = from.irqRaised;
      this.irqTaken = from.irqTaken;
      this.regWrites = from.regWrites;
      this.regWritesSeen = from.regWritesSeen;
      this.regsShared = from.regsShared = true; // both sides copy the maps before a write (ownRegs)
      this.regsText = from.regsText;
      this.readsTexts = from.readsTexts.slice();
      this.bailedOut = from.bailedOut;
      this.fields = from.fields;
      this.regFields = from.regFields;
      this.last = from.last;
      this.reordered = from.reordered;
      this.guards = from.guards;
      this.owned = new Array<boolean>(from.owned.length).fill(false);
      from.owned.fill(false); // both sides copy a row before changing it (own)
      return;
    }
    this.readsTexts = new Array<string | undefined>(c.actors.length).fill(undefined);
    this.regs = new Map();
    this.irqRaised = new Map();
    this.irqTaken = new Map();
    this.regWrites = new Map();
    this.regWritesSeen = new Map();
    this.performed = c.actors.map((a) => new Uint8Array(a.actor.ops.length));
    this.next = c.actors.map(() => 0);
    this.reads = c.actors.map((a) => new Array(a.actor.ops.length).fill(undefined));
    // Only actors that compute with what they read keep the numbers (compile: CompiledActor.registers).
    this.vals = c.actors.map((a) => (a.registers ? new Array(a.actor.ops.length).fill(undefined) : NO_VALUES));
    this.owned = c.actors.map(() => true);
    this.fields = c.handleValues ? HandleFields.EMPTY : undefined;
    this.regFields = this.fields;
    this.hvals = c.actors.map((a) => (c.handleValues && a.registers ? new Array(a.actor.ops.length).fill(undefined) : NO_HANDLES));
  }

  /** Performed ops in order. */
  get order(): OpId[] {
    const out: OpId[] = [];
    for (let p = this.last; p; p = p.prev) out.push(p.code);
    return out.reverse();
  }

  /** Are regs, irqRaised, irqTaken, regWrites and regWritesSeen shared with a clone? Then copy them before a write. */
  protected regsShared = false;

  /** The registers' and interrupts' part of the fingerprint, kept until ownRegs (called before every write to them). */
  private regsText: string | undefined;

  protected ownRegs(): void {
    this.regsText = undefined;
    if (!this.regsShared) return;
    this.regs = new Map(this.regs);
    this.irqRaised = new Map(this.irqRaised);
    this.irqTaken = new Map(this.irqTaken);
    this.regWrites = new Map(this.regWrites);
    this.regWritesSeen = new Map(this.regWritesSeen);
    this.regsShared = false;
  }

  /** Per actor, readsText(a) as last made: kept until own(a) (called before every write to the actor's rows). */
  private readsTexts: (string | undefined)[];

  /** Actor a's reads for a merge key (src/oracle/state-key.ts): encodeReads of its row, made once per change. */
  readsText(a: number): string {
    return (this.readsTexts[a] ??= encodeReads(this.reads[a]));
  }

  protected own(a: number): void {
    this.readsTexts[a] = undefined;
    if (this.owned[a]) return;
    this.performed[a] = this.performed[a].slice();
    this.reads[a] = this.reads[a].slice();
    if (this.c.actors[a].registers) this.vals[a] = this.vals[a].slice();
    if (this.hvals[a] !== NO_HANDLES) this.hvals[a] = this.hvals[a].slice();
    this.owned[a] = true;
  }

  done(a: number): boolean {
    return this.next[a] === this.performed[a].length;
  }

  observations(): Observations {
    const reads: Observations['reads'] = {};
    const done: Observations['done'] = {};
    this.c.actors.forEach((ca, a) => {
      const name = ca.actor.name;
      done[name] = this.done(a);
      // Reads performed early beyond a hang are squashed: the program never reaches them.
      reads[name] = this.reads[a].map((v, j) => (j < this.next[a] ? v : undefined));
    });
    const final = this.c.final.map((f) => {
      const bytes = this.world.cpuLoad(f.buf, f.off, f.size);
      return this.fields?.read(f.buf.addr + f.off, bytes)?.text ?? formatValue(bytes);
    });
    return this.bailedOut === undefined ? { reads, done, final } : { reads, done, final, bailedOut: this.bailedOut };
  }

  /** The state as text, for merge keys. Built as parts joined once: a flat string, which a Map hashes without first copying a rope of small pieces. */
  fingerprint(): string {
    // Each actor's progress: next, then the ops performed ahead of it (none in program order).
    const out: (string | number | bigint)[] = [this.next.join(',')];
    if (this.reordered) {
      for (let a = 0; a < this.next.length; a++) {
        const done = this.performed[a];
        for (let j = this.next[a] + 1; j < done.length; j++) if (done[j]) out.push('/', a, '+', j);
      }
    }
    out.push((this.regsText ??= this.registersText()));
    for (let g = this.guards; g; g = g.prev) out.push(';g', g.actor, ':', g.op, ':', g.bytes.join('-'));
    if (this.fields) out.push(';', this.fields.fingerprint(), ';', this.regFields!.fingerprint());
    out.push(';', this.world.fingerprint());
    return out.join('');
  }

  /** By register and irq name, not in the order they were first written: two orders of writes to different registers reach one state. */
  private registersText(): string {
    const out: (string | number | bigint)[] = [';'];
    for (const [k, v] of sorted(this.regs)) out.push(k, '=', v, ',');
    out.push(';');
    for (const [k, v] of sorted(this.irqRaised)) out.push(k, '=', v, ',');
    out.push(';');
    for (const [k, v] of sorted(this.irqTaken)) out.push(k, '=', v, ',');
    for (const [k, v] of sorted(this.regWrites)) out.push('w', k, '=', v, '/', this.regWritesSeen.get(k) ?? 0, ',');
    return out.join('');
  }
}

/** A map's entries by key (most hold one or two: the copy costs nothing). */
function sorted<T>(m: Map<string, T>): [string, T][] {
  return m.size < 2 ? [...m] : [...m].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
}

/**
 * A row of reads as text that reads back one way only: each read with its length before it, '_'
 * for a read not made (the row's length is the program's).
 */
export function encodeReads(row: readonly (string | undefined)[]): string {
  const out: (string | number)[] = [];
  for (let j = 0; j < row.length; j++) {
    const v = row[j];
    if (v === undefined) out.push('_');
    else out.push(v.length, ':', v);
  }
  return out.join('');
}

/** A load performed ahead of op `op` of `actor`, whose address was unknown: op must miss `bytes`. */
export interface Guard { readonly actor: number; readonly op: number; readonly bytes: readonly number[]; readonly prev: Guard | undefined }
/** The value row of an actor without registers: never written. */
export const NO_VALUES: (Value | undefined)[] = [];
/** The handle row of an actor without registers (or of a program without handle values): never written. */
export const NO_HANDLES: (HandleValue | undefined)[] = [];

export interface PerformedOp { readonly code: OpId; readonly prev: PerformedOp | undefined }
