import type { ErrorSite } from '../program/program-error.js';

/**
 * A platform setting no arm64 machine can have; `option` names the setting for the one-line error.
 * `where`: the op a program cannot do on this platform (an error at that statement).
 */
export class PlatformError extends Error {
  constructor(readonly option: string, message: string, readonly where?: ErrorSite) {
    super(message);
  }
}
