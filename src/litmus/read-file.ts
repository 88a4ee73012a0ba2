// Read a litmus file as text, refusing what cannot be one: huge files and binary data.

import { readFileSync, statSync } from 'node:fs';
import { LitmusError } from './litmus-error.js';

export const MAX_LITMUS_BYTES = 1 << 20;

export function readLitmusFile(file: string): string {
  const size = statSync(file).size;
  if (size > MAX_LITMUS_BYTES) throw new LitmusError(1, 1, `file is ${size} bytes; a litmus test is at most ${MAX_LITMUS_BYTES} bytes (1 MiB)`);
  return decodeLitmus(readFileSync(file));
}

/** UTF-8 text without NUL or other control bytes; the first bad byte is reported where it is. */
export function decodeLitmus(bytes: Uint8Array): string {
  const text = new TextDecoder('utf-8').decode(bytes);
  const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/.exec(text);
  if (bad) {
    const before = text.slice(0, bad.index).split('\n');
    throw new LitmusError(before.length, before[before.length - 1].length + 1, 'binary data: this is not a text file (a litmus test is UTF-8 text)');
  }
  return text.startsWith('\ufeff') ? text.slice(1) : text;
}
