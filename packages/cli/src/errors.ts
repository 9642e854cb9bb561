/** The command's exit codes, and the error that means "you asked wrongly". */

/** Exit codes of `hodei-lifecycle` (documented in its --help and the README). */
export const ExitCode = {
  /** Done; nothing failed. */
  ok: 0,
  /** A failure: the worker to explain does not exist, an unexpected error. */
  failure: 1,
  /** A usage error: an unknown option or provider type, a bad value, a missing --scope. */
  usage: 2,
  /** The infrastructure is unreachable (a retryable provider error: connection, timeout, 5xx). */
  unreachable: 3,
  /** Partly done: some of the stops or removals failed (each is reported). */
  partial: 4,
} as const;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}
