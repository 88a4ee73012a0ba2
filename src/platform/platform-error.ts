/** A platform setting no arm64 machine can have; `option` names the setting for the one-line error. */
export class PlatformError extends Error {
  constructor(readonly option: string, message: string) {
    super(message);
  }
}
