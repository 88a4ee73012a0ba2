// A small state per byte of a buffer, kept as runs: a 32 KiB ring of page_pool pages whose driver
// hands a few bytes at a time between the CPU and the device is a handful of runs, not 32,768
// bytes to copy at every step of the contract walk and to read through for every state's key.

export class ByteRuns {
  /** Run k covers [ends[k - 1] ?? 0, ends[k]) and holds vals[k]; neighbours never hold the same value. */
  private constructor(private ends: number[], private vals: number[]) {}

  /** `size` bytes, each `value`. */
  static of(size: number, value: number): ByteRuns {
    return size > 0 ? new ByteRuns([size], [value]) : new ByteRuns([], []);
  }

  clone(): ByteRuns {
    return new ByteRuns(this.ends.slice(), this.vals.slice());
  }

  /** Set bytes [lo, hi) to `value` (lo and hi within the buffer). */
  fill(lo: number, hi: number, value: number): void {
    if (lo >= hi) return;
    const ends: number[] = [], vals: number[] = [];
    const push = (end: number, v: number) => {
      if (vals.length && vals[vals.length - 1] === v) ends[ends.length - 1] = end;
      else { ends.push(end); vals.push(v); }
    };
    let start = 0, placed = false;
    for (let k = 0; k < this.ends.length; k++) {
      const end = this.ends[k], v = this.vals[k];
      if (start < lo) push(Math.min(end, lo), v);
      if (!placed && end > lo) { push(hi, value); placed = true; }
      if (end > hi) push(end, v);
      start = end;
    }
    this.ends = ends;
    this.vals = vals;
  }

  /** Does any byte of [lo, hi) hold `value`? */
  has(lo: number, hi: number, value: number): boolean {
    let start = 0;
    if (lo >= hi) return false;
    for (let k = 0; k < this.ends.length && start < hi; k++) {
      if (this.ends[k] > lo && this.vals[k] === value) return true;
      start = this.ends[k];
    }
    return false;
  }

  /** "value*count " for each run: equal contents, equal text. */
  key(): string {
    let out = '', start = 0;
    for (let k = 0; k < this.ends.length; k++) {
      out += `${this.vals[k]}*${this.ends[k] - start} `;
      start = this.ends[k];
    }
    return out;
  }
}
