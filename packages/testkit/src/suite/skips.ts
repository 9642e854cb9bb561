/**
 * Checks a suite cannot run (a capability the provider does not declare, a fixture it cannot
 * express, no call counter) are skipped out loud: through the runner's own skip where it has
 * one (vitest's and node:test's test context), and in the suite's report.
 */

export type Report = (message: string) => void;

/** The report function of the options: default console.warn, `false` for silence. */
export function resolveReport(option: ((message: string) => void) | false | undefined): Report {
  if (option === false) return () => {};
  return option ?? ((message) => console.warn(message));
}

/**
 * Marks the running test skipped with the runner, when its context can (vitest's `skip` throws
 * to end the test; node:test's returns). Jest has no runtime skip: the test then passes, and
 * the report is what says it was skipped.
 */
export function skipWithRunner(runnerContext: unknown, reason: string): void {
  const skip = (runnerContext as { skip?: unknown } | undefined)?.skip;
  if (typeof skip === 'function') skip.call(runnerContext, reason);
}
