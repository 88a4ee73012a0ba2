/** A malformed litmus file: one message at a line and column (both 1-based). */
export class LitmusError extends Error {
  constructor(readonly line: number, readonly col: number, message: string) {
    super(message);
  }

  /** The one line a user sees: `file:line:col: message`. */
  format(file: string): string {
    return `${file}:${this.line}:${this.col}: ${this.message}`;
  }
}

export interface Pos { line: number; col: number }
