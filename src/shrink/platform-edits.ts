// Platform candidates, for both fuzzers: each setting back to where the test would run without
// the fuzzer (the defaults for `selftest`, the file's own settings for `fuzz FILES`), one at a
// time, while the failure still shows. What is left is the platform the bug needs.

import { platformError, type PlatformConfig } from '../platform/platform.js';
import { sweeps, type Candidates, type Pass } from './shrink.js';

type Key = keyof PlatformConfig;

/** Can some arm64 machine be this (makePlatform's rules: CWG ≥ the line size, …)? */
export function validPlatform(p: PlatformConfig): boolean {
  return platformError(p) === undefined;
}

/**
 * One pass over `keys`: each setting that differs from `base` set to it, unless `protect`ed or
 * the result is no machine. After an edit is taken the pass goes on with the next key.
 */
export function towardBase(keys: readonly Key[], base: PlatformConfig, protect: readonly Key[] = []): Pass<PlatformConfig> {
  return function* (p, from) {
    for (let i = (from as number | undefined) ?? 0; i < keys.length; i++) {
      const key = keys[i];
      if (protect.includes(key) || p[key] === base[key]) continue;
      const next = { ...p, [key]: base[key] } as PlatformConfig;
      // What the firmware says and what the hardware does change together: resetting one alone
      // would make a misdeclared platform, which is bug class 14 in itself.
      if (key === 'deviceCoherent' || key === 'declaredCoherent') {
        if (protect.includes('deviceCoherent') || protect.includes('declaredCoherent') || p.deviceCoherent !== p.declaredCoherent) continue;
        next.deviceCoherent = base.deviceCoherent;
        next.declaredCoherent = base.declaredCoherent;
      }
      if (validPlatform(next)) yield { value: next, resume: i + 1 };
    }
  };
}

/** CWG back down to the line size: the simplest geometry. */
export function cwgToLineSize(protect: readonly Key[] = []): Pass<PlatformConfig> {
  return function* (p, from) {
    if (from === undefined && !protect.includes('cwg') && p.cwg !== p.lineSize) yield { value: { ...p, cwg: p.lineSize }, resume: 1 };
  };
}

/** Every setting back to `base`, again while one round takes something (`fuzz FILES`). */
export function platformCandidates(keys: readonly Key[], base: PlatformConfig, protect: readonly Key[] = []): Candidates<PlatformConfig> {
  return sweeps([towardBase(keys, base, protect)]);
}
