/** A mistake on the command line or with a named path: one line on stderr, exit status 2. */
export class UsageError extends Error {}
