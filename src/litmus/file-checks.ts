// The checks that need the whole file read: names a thread uses that no thread defines, memcpy()
// into memory the model would lose its bytes from, and loads wider than a register that are read.

import type { Actor, Program } from '../program/types.js';
import { Conditions } from './condition.js';
import { walkOps } from './registers.js';
import { assignmentToHandle } from './thread-scope.js';
import { closest } from './vocabulary.js';

export class FileChecks extends Conditions {
  /** Names are checked once every thread is read: a device may use a handle a later CPU block maps. */
  protected checkNames(): void {
    for (const regs of this.threadRegisters.values()) {
      for (const [name, tok] of regs) if (this.handles.has(name)) this.fail(tok, assignmentToHandle(name));
    }
    for (const use of this.handleUses) {
      if (this.handles.has(use.name) || this.handleAliases.has(use.name)) continue;
      const hint = closest(use.name, this.handles);
      const did = hint ? ` (did you mean '${hint}'?)` : '';
      const owner = [...this.threadRegisters].find(([, regs]) => regs.has(use.name))?.[0];
      // dma_unmap_single(dev, d, ...) with d read back from the driver's own ring (dma_unmap_addr())
      if (!use.asValue && owner) this.fail(use.tok, `'${use.name}' is a register, not a DMA handle: a handle read back from memory (dma_unmap_addr(tx_buffer, dma)) is not followed; name the handle the dma_map_*() assigned${hint ? ` ('${hint}'?)` : ''}`);
      if (!use.asValue) this.fail(use.tok, `unknown DMA handle '${use.name}': no dma_map_*() or dma_alloc_coherent() defines it${did}`);
      if (owner) this.fail(use.tok, `'${use.name}' is a register of ${owner}: each thread has its own registers`);
      if (this.buffers.has(use.name)) this.fail(use.tok, `'${use.name}' is a buffer, not a value: its address is not a number the format computes with (a NULL check of an allocation can be left out: the model's allocations do not fail), and the device addresses it through its DMA handle`);
      this.fail(use.tok, `unknown name '${use.name}': neither a register this thread assigns before using it nor a DMA handle${did}`);
    }
  }

  /**
   * A memcpy() into DMA memory (coherent, or a buffer some thread maps) would drop the stores the
   * device must see, and into memory a thread reads back the bytes it reads: refused, with how to
   * write it. Into a CPU-only buffer nobody reads (copybreak's new skb) it is the read of its source.
   */
  protected checkMemcpyInto(actors: Actor[]): void {
    if (!this.memcpyInto.length) return;
    const root = (name: string): string => {
      const b = this.buffers.get(name);
      return b?.in ? root(b.in.parent) : name;
    };
    const dma = new Set<string>(), read = new Set<string>();
    for (const b of this.buffers.values()) if (b.kind === 'coherent') dma.add(root(b.name));
    for (const a of actors) {
      walkOps(a.ops, (op) => {
        if (op.op === 'dma_map') dma.add(root(op.buf));
        if (op.op === 'dma_map_sg') for (const e of op.entries) dma.add(root(e.buf));
        if (op.op === 'load' || op.op === 'poll') read.add(root(op.buf));
      });
    }
    for (const m of this.memcpyInto) {
      const what = dma.has(root(m.name)) ? 'DMA memory' : read.has(root(m.name)) ? 'memory the test reads back' : undefined;
      if (!what) continue;
      this.fail(m.tok, `memcpy into '${m.name}', ${what}, is not modelled (its bytes would be dropped): write what it puts there as stores (memset(${m.name}, 0x55, size); or *(u32 *)${m.name} = value;), and read a DMA buffer with memcpy(r, ptr, size) into a local r`);
    }
  }

  /** A register holds at most 8 bytes: a wider load may be assigned (and ignored), never read. */
  protected checkWideRegisters(p: Program, read: Map<string, Set<string>>): void {
    for (const a of p.actors) {
      walkOps(a.ops, (op) => {
        const reg = op.op === 'load' || op.op === 'dma_read' ? op.reg : undefined;
        if (reg !== undefined && op.op !== 'readl' && 'size' in op && op.size > 8 && read.get(a.name)!.has(reg)) {
          this.fail(this.opPos.get(op)!, `'${reg}' is read, but a register holds at most 8 bytes and this reads ${op.size}`);
        }
      });
    }
  }
}
