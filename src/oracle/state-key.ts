import { createHash } from 'node:crypto';
import type { Machine } from '../exec/machine.js';

/** The arm64 searches' merge key: the scheduler's and the world's state (Machine.fingerprint), plus what was read so far. */
export function stateKey(m: Machine, extra = ''): string {
  return createHash('sha1').update(m.fingerprint()).update(JSON.stringify(m.reads)).update(String(m.bailedOut)).update(extra).digest('base64');
}
