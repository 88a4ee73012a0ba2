// A read of a whole buffer (memcpy of a 4 KiB page into a local one) is a byte list that long
// (src/exec/values.ts formatValue): 12 KB of hex on the arm64 line and again on the ideal line,
// in which the few bytes that differ are lost. The text report shows a long list by a window of
// it at its first difference from the list it is compared with, and says how many bytes differ;
// --json keeps every byte, it is data. A list of up to a cache line prints whole, as always.

import { byteRange, hex } from '../exec/values.js';

/** Byte lists longer than this are shown by a window (64: a cache line's bytes still print whole). */
export const LONG_BYTES = 64;
/** Bytes a window shows: the 16-byte row before the one holding the first difference, and on. */
const WINDOW = 32;

const LIST = /\[((?:[0-9a-f]{2} )*[0-9a-f]{2})\]/g;

/** An observation's two values, arm64's and the ideal's, and when they are long byte lists, a line saying which bytes differ. */
export interface ShownPair { arm64: string; ideal: string; differ?: string }

/** arm64's and the ideal's value of one observation, long byte lists shown at their first difference. */
export function shownPair(arm64: string, ideal: string): ShownPair {
  const [a, b] = [longList(arm64), longList(ideal)];
  if (!a && !b) return { arm64, ideal };
  if (!a || !b || a.bytes.length !== b.bytes.length) {
    // one side is not the same list ("not performed", a shorter read): each from its start
    return { arm64: a ? windowText(a.bytes, 0) + a.rest : arm64, ideal: b ? windowText(b.bytes, 0) + b.rest : ideal };
  }
  const differ = a.bytes.flatMap((x, i) => (x === b.bytes[i] ? [] : [i]));
  const start = windowStart(differ[0] ?? 0, a.bytes.length);
  const shown = { arm64: windowText(a.bytes, start) + a.rest, ideal: windowText(b.bytes, start) + b.rest };
  if (!differ.length) return shown; // the bytes are the same; the words after them differ
  const where = differ.length === 1 ? `at ${hex(differ[0])}` : `the first at ${hex(differ[0])} and the last at ${hex(differ[differ.length - 1])}`;
  return { ...shown, differ: `${differ.length} of the ${a.bytes.length} bytes differ, ${where} (--json has every byte)` };
}

/**
 * Every long byte list in a sentence (a cause, a witness) by its window. The lists of one length
 * in it are the read and what the ideal platform reads: each is shown at their first difference,
 * or at its first difference from `against` (the read's values, when the sentence names one only).
 */
export function shortenBytes(text: string, against: readonly string[] = []): string {
  const lists = [...text.matchAll(LIST)].map((m) => m[1].split(' ')).filter((b) => b.length > LONG_BYTES);
  if (!lists.length) return text;
  const compared = [...lists, ...against.map((v) => longList(v)?.bytes).filter((b) => b !== undefined)];
  const starts = new Map<number, number>();
  for (const b of lists) if (!starts.has(b.length)) starts.set(b.length, windowStart(firstDifference(compared.filter((x) => x.length === b.length)), b.length));
  return text.replace(LIST, (whole: string, body: string) => {
    const b = body.split(' ');
    return b.length > LONG_BYTES ? windowText(b, starts.get(b.length)!) : whole;
  });
}

/** A value that is a long byte list, perhaps with words after it: its bytes and those words. */
function longList(value: string): { bytes: string[]; rest: string } | undefined {
  const m = /^\[((?:[0-9a-f]{2} )*[0-9a-f]{2})\](.*)$/s.exec(value);
  const bytes = m?.[1].split(' ');
  return bytes && bytes.length > LONG_BYTES ? { bytes, rest: m![2] } : undefined;
}

/** The first offset at which the lists (of one length) are not all the same; 0 if none. */
function firstDifference(lists: string[][]): number {
  for (let i = 0; i < lists[0].length; i++) if (lists.some((l) => l[i] !== lists[0][i])) return i;
  return 0;
}

/** A window starts a row before the row of `first`, so the bytes just before the difference show too. */
function windowStart(first: number, n: number): number {
  return Math.max(0, Math.min((first & ~15) - 16, n - WINDOW));
}

function windowText(bytes: readonly string[], start: number): string {
  return `[${bytes.slice(start, start + WINDOW).join(' ')}] (bytes ${byteRange(start, WINDOW)} of ${bytes.length})`;
}
