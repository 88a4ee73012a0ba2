// The arm64 cache maintenance routines the DMA API calls (arch/arm64/mm/cache.S), op by op.
// Each `dc` acts on the line containing its address at every level before the PoC — the DminLine
// line at L1 and the CWG line at L2 (src/platform/cache.ts); the loops step by DminLine and detect
// partial lines at DminLine, exactly as the assembly does.

import type { Cache } from '../platform/cache.js';

export type DcOp = 'cvac' | 'civac' | 'ivac';

export interface MaintenanceOptions {
  dminLine: number;
  /** ARM64_WORKAROUND_CLEAN_CACHE: dc cvac is issued as dc civac. */
  cleanIsCivac: boolean;
  /** The core upgrades dc ivac to dc civac on a dirty line. */
  ivacUpgrade: boolean;
  /** Called for every dc instruction issued, for traces. */
  onDc?: (op: DcOp, addr: number) => void;
}

function dc(cache: Cache, op: DcOp, addr: number, o: MaintenanceOptions): void {
  if (op === 'cvac' && o.cleanIsCivac) op = 'civac'; // __dcache_op_workaround_clean_cache
  o.onDc?.(op, addr);
  if (op === 'cvac') cache.cleanToPoc(addr);
  else if (op === 'civac') cache.cleanInvalidateToPoc(addr);
  else cache.invalidateToPoc(addr, o.ivacUpgrade);
}

/** dcache_by_line_op: bic start to a line; do { dc op, start; start += line } while (start < end). */
function byLine(cache: Cache, op: DcOp, start: number, end: number, o: MaintenanceOptions): void {
  let a = start - (start % o.dminLine);
  do {
    dc(cache, op, a, o);
    a += o.dminLine;
  } while (a < end);
}

/** dcache_clean_poc(start, end): dc cvac over every line the range touches. */
export function dcacheCleanPoc(cache: Cache, start: number, end: number, o: MaintenanceOptions): void {
  byLine(cache, 'cvac', start, end, o);
}

/** dcache_clean_inval_poc(start, end): dc civac over every line the range touches. */
export function dcacheCleanInvalPoc(cache: Cache, start: number, end: number, o: MaintenanceOptions): void {
  byLine(cache, 'civac', start, end, o);
}

/**
 * dcache_inval_poc(start, end) (pre-5.14: __dma_inv_area): civac on a partial end line, civac on a
 * partial start line, ivac on every other line, as a do-while from the start line.
 */
export function dcacheInvalPoc(cache: Cache, start: number, end: number, o: MaintenanceOptions): void {
  // Addresses may exceed 32 bits, so % rather than & for the line offset.
  let x1 = end;
  if (x1 % o.dminLine) {
    x1 -= x1 % o.dminLine;
    dc(cache, 'civac', x1, o); // partial END line
  }
  let x0 = start;
  if (x0 % o.dminLine) {
    x0 -= x0 % o.dminLine;
    dc(cache, 'civac', x0, o); // partial START line
    x0 += o.dminLine;
    if (x0 >= x1) return;
  }
  do {
    dc(cache, 'ivac', x0, o);
    x0 += o.dminLine;
  } while (x0 < x1);
}
