import { IllegalTransitionError } from '../errors/errors.js';

/** The states a managed worker goes through. */
export const LifecycleState = {
  /** The manager asked the provider to create it; the create call has not returned yet. */
  Created: 'Created',
  /** It exists and is starting; not yet ready. */
  Initializing: 'Initializing',
  /** Ready, and idle (the caller's "mark idle"). */
  Ready: 'Ready',
  /** Ready and busy with a job (the caller's "mark busy"). */
  Running: 'Running',
  /** Being stopped: the grace period is running. */
  Terminating: 'Terminating',
  /** Stopped; its resource (exit status, logs) waits for its TTL. */
  Terminated: 'Terminated',
  /** Ended with an error (non-zero exit, provider failure). */
  Failed: 'Failed',
  /** The physical worker is gone. Final. */
  CleanedUp: 'CleanedUp',
} as const;

export type LifecycleState = (typeof LifecycleState)[keyof typeof LifecycleState];

const S = LifecycleState;

/**
 * The transition table. Anything not listed is illegal. CleanedUp is reachable from every
 * state because a worker can vanish out of band at any moment (a lost worker). Each
 * transition is one the manager's decision function makes (its table test produces them all):
 * Created -> Terminating when the caller ends a worker still being created, Created -> Failed
 * when the create call fails after making something, Created -> CleanedUp when it made nothing.
 */
export const lifecycleTransitions: Readonly<Record<LifecycleState, readonly LifecycleState[]>> = {
  [S.Created]: [S.Initializing, S.Terminating, S.Failed, S.CleanedUp],
  [S.Initializing]: [S.Ready, S.Running, S.Terminating, S.Terminated, S.Failed, S.CleanedUp],
  [S.Ready]: [S.Running, S.Terminating, S.Terminated, S.Failed, S.CleanedUp],
  [S.Running]: [S.Ready, S.Terminating, S.Terminated, S.Failed, S.CleanedUp],
  [S.Terminating]: [S.Terminated, S.Failed, S.CleanedUp],
  [S.Terminated]: [S.CleanedUp],
  [S.Failed]: [S.CleanedUp],
  [S.CleanedUp]: [],
};

export function canTransition(from: LifecycleState, to: LifecycleState): boolean {
  return lifecycleTransitions[from].includes(to);
}

/** Throws IllegalTransitionError (and changes nothing) when the table does not allow it. */
export function assertTransition(
  from: LifecycleState,
  to: LifecycleState,
  workerId?: string,
): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to, workerId);
}

/** States in which the physical worker may still be running. */
export function isActiveState(state: LifecycleState): boolean {
  return (
    state === S.Created || state === S.Initializing || state === S.Ready || state === S.Running
  );
}

/** States after which the worker will not run again. */
export function isFinishedState(state: LifecycleState): boolean {
  return state === S.Terminated || state === S.Failed || state === S.CleanedUp;
}
