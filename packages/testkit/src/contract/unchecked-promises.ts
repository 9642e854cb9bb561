/**
 * Promises of the guide that no test of the suites checks, each with the reason. Listed in the
 * guide's "The promises" section next to the ones the suites check, from this one source.
 */
export interface UncheckedPromise {
  readonly promise: string;
  readonly reason: string;
}

export const uncheckedPromises: readonly UncheckedPromise[] = Object.freeze([
  {
    promise:
      'watch never misses the latest state, also between the list it starts from and the changes it follows, and after a reconnection',
    reason:
      'a race inside the provider that no test can time from outside; the suite checks the current state first, every change it causes, and that a dropped connection is an error, which makes the manager re-list',
  },
  {
    promise: 'a cancelled create removes what it made, whichever step the abort interrupts',
    reason:
      'the suite aborts at one moment (timeouts.abortAfterMs, default at once); a provider with several steps should test each in its own tests',
  },
  {
    promise:
      'retryable is true for every transient fault (connection refused or reset, timeouts, HTTP 5xx and 429, a full process table) and false for every refusal',
    reason:
      'the suite checks the transient faults createProvider can inject (faults.failNext) and the refusals it can cause everywhere (a duplicate id, an unknown worker, an invalid spec, a closed provider); the mapping of each status of your infrastructure belongs to your own tests',
  },
  {
    promise: 'a worker stopped by SIGTERM exits with 143',
    reason:
      'a convention, not a requirement: Kubernetes stops a pod by its deadline (137); the suite checks 137 for a worker killed when its grace period ends',
  },
  {
    promise: "env is exactly the spec's env, and resources are enforced or refused, never ignored",
    reason:
      'what a worker sees of its environment and limits cannot be read back through the contract; the providers test it themselves (the process provider checks its environment)',
  },
  {
    promise: 'a removal already under way is joined, or returns at once',
    reason:
      'both are allowed, so the suite checks only that a second remove during the grace period succeeds',
  },
  {
    promise:
      'labels and annotations are escaped where the infrastructure is more restrictive (escapeLabelValue), and annotations kept as labels where it has none',
    reason:
      'specific to each infrastructure; the suite checks that what the caller wrote comes back as written',
  },
  {
    promise:
      'the package is ESM with types, declares core as a peer dependency and imports only package names',
    reason: 'packaging, not behaviour: the pack test of this repository checks it',
  },
]);
