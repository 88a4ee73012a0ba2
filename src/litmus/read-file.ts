// Read a litmus file as text, refusing what cannot be one: anything but a regular file, huge
// files, binary data. The size cap is enforced while reading, not by stat(): /dev/zero and
// /proc files report size 0. Opening with O_NONBLOCK means a FIFO with no writer never blocks
// the open; fstat() then refuses it before any read.

import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { LitmusError } from './litmus-error.js';

export const MAX_LITMUS_BYTES = 1 << 20;

/** A file that cannot be read as a whole; the message is for the user, after "FILE: ". */
export class FileReadError extends Error {}

export function readLitmusFile(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readRegularFile(file, MAX_LITMUS_BYTES, 'a litmus test');
  } catch (e) {
    if (e instanceof FileReadError) throw new LitmusError(1, 1, e.message);
    throw e;
  }
  return decodeLitmus(bytes);
}

/** The bytes of a regular file of at most maxBytes, or a FileReadError that says why not. */
export function readRegularFile(file: string, maxBytes: number, what: string): Buffer {
  let fd: number;
  try {
    refuseUnlessRegular(statSync(file), maxBytes, what); // before open(): opening a device can have effects
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    if (e instanceof FileReadError) throw e;
    throw new FileReadError(fsErrorMessage(e));
  }
  try {
    const st = fstatSync(fd);
    refuseUnlessRegular(st, maxBytes, what); // the file opened, if the name changed meanwhile
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // A first chunk one byte larger than the size fstat() gave: a short read of exactly that size
      // is the whole file, with no second read() to see the end (syscalls are dear). A size that
      // lies (0 for /proc, 4096 for sysfs) or a file that grew makes the read come out otherwise,
      // and the loop reads on to the end as for any file.
      const want = total === 0 && st.size > 0 ? st.size + 1 : 64 * 1024;
      const chunk = Buffer.allocUnsafe(Math.min(want, maxBytes + 1 - total)); // only the n bytes read are kept
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (e) {
        throw new FileReadError(fsErrorMessage(e));
      }
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > maxBytes) throw new FileReadError(`file is larger than ${maxBytes} bytes; ${what} is at most ${maxBytes} bytes (${maxBytes / (1 << 20)} MiB)`);
      if (total === st.size && n < chunk.length) break;
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

function refuseUnlessRegular(st: Stats, maxBytes: number, what: string): void {
  if (!st.isFile()) throw new FileReadError(`not a regular file (${fileType(st)}); ${what} is a regular file`);
  if (st.size > maxBytes) throw new FileReadError(`file is ${st.size} bytes; ${what} is at most ${maxBytes} bytes (${maxBytes / (1 << 20)} MiB)`);
}

/** What went wrong with a path, in words (errno names are for programmers). */
export function fsErrorMessage(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT': return 'no such file or directory';
    case 'ENOTDIR': return 'no such file or directory (a part of the path is not a directory)';
    case 'EACCES': case 'EPERM': return 'cannot read: permission denied';
    case 'ELOOP': return 'cannot read: too many levels of symbolic links (a symlink loop?)';
    case 'ENAMETOOLONG': return 'cannot read: file name too long';
    case 'EISDIR': return 'cannot read: is a directory';
    case 'EIO': return 'cannot read: input/output error';
    default:
      if (code) return `cannot read: ${code}`;
      throw e; // not a file-system error: a bug, reported as one
  }
}

function fileType(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a plain file';
}

/** UTF-8 text without NUL or other control bytes; the first bad byte is reported where it is. */
const utf8 = new TextDecoder('utf-8'); // decode() without `stream` keeps no state between calls

export function decodeLitmus(bytes: Uint8Array): string {
  const text = utf8.decode(bytes);
  const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/.exec(text);
  if (bad) {
    const before = text.slice(0, bad.index).split('\n');
    throw new LitmusError(before.length, before[before.length - 1].length + 1, 'binary data: this is not a text file (a litmus test is UTF-8 text)');
  }
  return text.startsWith('\ufeff') ? text.slice(1) : text;
}
