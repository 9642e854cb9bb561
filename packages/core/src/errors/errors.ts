/**
 * The concrete error classes. Each has its own `Symbol.for` marker, so
 * `InvalidSpecError.isInstance(e)` is true only for that class (and its copies from a
 * duplicated install), while `LifecycleError.isInstance(e)` is true for all of them.
 */
import { LifecycleErrorCodes } from './codes.js';
import { LifecycleError, type LifecycleErrorOptions } from './lifecycle-error.js';

/** One problem found by validation: where it is and what is wrong. */
export interface ValidationIssue {
  /** Dotted path to the offending field, e.g. `resources.memory` or `labels.team`; '' for the root. */
  readonly path: string;
  readonly message: string;
}

function describeIssues(what: string, issues: readonly ValidationIssue[]): string {
  const lines = issues.map(
    (issue) => `  - ${issue.path === '' ? '(root)' : issue.path}: ${issue.message}`,
  );
  return `${what}:\n${lines.join('\n')}`;
}

const invalidPolicyMarker = 'hodei.lifecycle.error.InvalidPolicyError';
const invalidPolicySymbol = Symbol.for(invalidPolicyMarker);

/** A policy is invalid: negative or zero durations where they make no sense, unknown fields. */
export class InvalidPolicyError extends LifecycleError {
  private readonly [invalidPolicySymbol] = true;
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[], options: LifecycleErrorOptions = {}) {
    super(
      LifecycleErrorCodes.INVALID_POLICY,
      describeIssues('Invalid lifecycle policy', issues),
      options,
    );
    this.name = 'InvalidPolicyError';
    this.issues = issues;
  }

  static override isInstance(error: unknown): error is InvalidPolicyError {
    return LifecycleError.hasMarker(error, invalidPolicyMarker);
  }
}

const invalidSpecMarker = 'hodei.lifecycle.error.InvalidSpecError';
const invalidSpecSymbol = Symbol.for(invalidSpecMarker);

/** A worker spec is invalid. It is raised before any call to the infrastructure. */
export class InvalidSpecError extends LifecycleError {
  private readonly [invalidSpecSymbol] = true;
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[], options: LifecycleErrorOptions = {}) {
    super(LifecycleErrorCodes.INVALID_SPEC, describeIssues('Invalid worker spec', issues), options);
    this.name = 'InvalidSpecError';
    this.issues = issues;
  }

  static override isInstance(error: unknown): error is InvalidSpecError {
    return LifecycleError.hasMarker(error, invalidSpecMarker);
  }
}

const invalidOptionsMarker = 'hodei.lifecycle.error.InvalidOptionsError';
const invalidOptionsSymbol = Symbol.for(invalidOptionsMarker);

/** Options of a manager, or settings of a provider or plugin, are invalid. */
export class InvalidOptionsError extends LifecycleError {
  private readonly [invalidOptionsSymbol] = true;
  readonly issues: readonly ValidationIssue[];

  constructor(
    what: string,
    issues: readonly ValidationIssue[],
    options: LifecycleErrorOptions = {},
  ) {
    super(LifecycleErrorCodes.INVALID_OPTIONS, describeIssues(`Invalid ${what}`, issues), options);
    this.name = 'InvalidOptionsError';
    this.issues = issues;
  }

  static override isInstance(error: unknown): error is InvalidOptionsError {
    return LifecycleError.hasMarker(error, invalidOptionsMarker);
  }
}

const illegalTransitionMarker = 'hodei.lifecycle.error.IllegalTransitionError';
const illegalTransitionSymbol = Symbol.for(illegalTransitionMarker);

/**
 * A transition outside the state table. With code ILLEGAL_TRANSITION it signals a bug in the
 * manager; its subclass WorkerStateError (code INVALID_WORKER_STATE) is a caller's request the
 * worker's state does not allow. Either way the state is left unchanged.
 */
export class IllegalTransitionError extends LifecycleError {
  private readonly [illegalTransitionSymbol] = true;
  readonly from: string;
  readonly to: string;
  readonly workerId: string | undefined;

  constructor(
    from: string,
    to: string,
    workerId?: string,
    code:
      | typeof LifecycleErrorCodes.ILLEGAL_TRANSITION
      | typeof LifecycleErrorCodes.INVALID_WORKER_STATE = LifecycleErrorCodes.ILLEGAL_TRANSITION,
    message = `Illegal lifecycle transition ${from} -> ${to}${workerId ? ` for worker ${workerId}` : ''}`,
  ) {
    super(code, message);
    this.name = 'IllegalTransitionError';
    this.from = from;
    this.to = to;
    this.workerId = workerId;
  }

  static override isInstance(error: unknown): error is IllegalTransitionError {
    return LifecycleError.hasMarker(error, illegalTransitionMarker);
  }
}

const workerStateMarker = 'hodei.lifecycle.error.WorkerStateError';
const workerStateSymbol = Symbol.for(workerStateMarker);

/**
 * A caller's request that the worker's current state does not allow, such as `markBusy` on a
 * worker that has already terminated: the worker moved on, nothing was changed. Its code is
 * INVALID_WORKER_STATE; it is also an IllegalTransitionError (`from` is the worker's state,
 * `to` the one the request needed), so code written against that class keeps working.
 */
export class WorkerStateError extends IllegalTransitionError {
  private readonly [workerStateSymbol] = true;
  /** The refused request, e.g. 'markBusy'. */
  readonly operation: string;

  constructor(operation: string, state: string, requiredState: string, workerId: string) {
    super(
      state,
      requiredState,
      workerId,
      LifecycleErrorCodes.INVALID_WORKER_STATE,
      `Cannot ${operation} worker ${workerId}: it is ${state}`,
    );
    this.name = 'WorkerStateError';
    this.operation = operation;
  }

  static override isInstance(error: unknown): error is WorkerStateError {
    return LifecycleError.hasMarker(error, workerStateMarker);
  }
}

const workerNotFoundMarker = 'hodei.lifecycle.error.WorkerNotFoundError';
const workerNotFoundSymbol = Symbol.for(workerNotFoundMarker);

/** The worker is not known to this manager or provider. */
export class WorkerNotFoundError extends LifecycleError {
  private readonly [workerNotFoundSymbol] = true;
  readonly workerId: string;

  constructor(workerId: string) {
    super(LifecycleErrorCodes.WORKER_NOT_FOUND, `Worker ${workerId} not found`);
    this.name = 'WorkerNotFoundError';
    this.workerId = workerId;
  }

  static override isInstance(error: unknown): error is WorkerNotFoundError {
    return LifecycleError.hasMarker(error, workerNotFoundMarker);
  }
}

const notOwnedMarker = 'hodei.lifecycle.error.NotOwnedError';
const notOwnedSymbol = Symbol.for(notOwnedMarker);

/** The worker carries another scope's ownership labels (or none): it was left untouched. */
export class NotOwnedError extends LifecycleError {
  private readonly [notOwnedSymbol] = true;
  readonly workerId: string;

  constructor(workerId: string, detail: string) {
    super(
      LifecycleErrorCodes.NOT_OWNED,
      `Worker ${workerId} is not owned by this scope: ${detail}`,
    );
    this.name = 'NotOwnedError';
    this.workerId = workerId;
  }

  static override isInstance(error: unknown): error is NotOwnedError {
    return LifecycleError.hasMarker(error, notOwnedMarker);
  }
}

const providerErrorMarker = 'hodei.lifecycle.error.ProviderError';
const providerErrorSymbol = Symbol.for(providerErrorMarker);

/**
 * The infrastructure failed. `retryable` is true for transient faults (connection refused,
 * timeouts, 5xx, 429), false for refusals that a retry cannot fix.
 */
export class ProviderError extends LifecycleError {
  private readonly [providerErrorSymbol] = true;
  readonly providerId: string;
  /** The infrastructure's own status code, when it has one (HTTP status, errno name). */
  readonly status: number | string | undefined;

  constructor(
    providerId: string,
    message: string,
    options: LifecycleErrorOptions & { status?: number | string } = {},
  ) {
    super(LifecycleErrorCodes.PROVIDER_ERROR, `[${providerId}] ${message}`, options);
    this.name = 'ProviderError';
    this.providerId = providerId;
    this.status = options.status;
  }

  static override isInstance(error: unknown): error is ProviderError {
    return LifecycleError.hasMarker(error, providerErrorMarker);
  }
}

const cancelledMarker = 'hodei.lifecycle.error.CancelledError';
const cancelledSymbol = Symbol.for(cancelledMarker);

/** The operation was cancelled through its AbortSignal; whatever it had created was removed. */
export class CancelledError extends LifecycleError {
  private readonly [cancelledSymbol] = true;

  constructor(what: string, options: LifecycleErrorOptions = {}) {
    super(LifecycleErrorCodes.CANCELLED, `${what} was cancelled`, options);
    this.name = 'CancelledError';
  }

  static override isInstance(error: unknown): error is CancelledError {
    return LifecycleError.hasMarker(error, cancelledMarker);
  }
}

const closedMarker = 'hodei.lifecycle.error.ClosedError';
const closedSymbol = Symbol.for(closedMarker);

/** The manager or provider has been closed and accepts no more work. */
export class ClosedError extends LifecycleError {
  private readonly [closedSymbol] = true;

  constructor(what: string) {
    super(LifecycleErrorCodes.CLOSED, `${what} is closed`);
    this.name = 'ClosedError';
  }

  static override isInstance(error: unknown): error is ClosedError {
    return LifecycleError.hasMarker(error, closedMarker);
  }
}

const unknownProviderTypeMarker = 'hodei.lifecycle.error.UnknownProviderTypeError';
const unknownProviderTypeSymbol = Symbol.for(unknownProviderTypeMarker);

/** No plugin is registered for the type; the message and `availableTypes` list the registered ones. */
export class UnknownProviderTypeError extends LifecycleError {
  private readonly [unknownProviderTypeSymbol] = true;
  readonly providerType: string;
  readonly availableTypes: readonly string[];

  constructor(providerType: string, availableTypes: readonly string[]) {
    super(
      LifecycleErrorCodes.UNKNOWN_PROVIDER_TYPE,
      `No provider plugin of type '${providerType}' is registered. Available types: ${
        availableTypes.length === 0 ? '(none)' : availableTypes.join(', ')
      }`,
    );
    this.name = 'UnknownProviderTypeError';
    this.providerType = providerType;
    this.availableTypes = availableTypes;
  }

  static override isInstance(error: unknown): error is UnknownProviderTypeError {
    return LifecycleError.hasMarker(error, unknownProviderTypeMarker);
  }
}

const duplicateProviderTypeMarker = 'hodei.lifecycle.error.DuplicateProviderTypeError';
const duplicateProviderTypeSymbol = Symbol.for(duplicateProviderTypeMarker);

/** Two plugins claim one provider type. */
export class DuplicateProviderTypeError extends LifecycleError {
  private readonly [duplicateProviderTypeSymbol] = true;
  readonly providerType: string;

  constructor(providerType: string) {
    super(
      LifecycleErrorCodes.DUPLICATE_PROVIDER_TYPE,
      `Two provider plugins are registered with type '${providerType}'`,
    );
    this.name = 'DuplicateProviderTypeError';
    this.providerType = providerType;
  }

  static override isInstance(error: unknown): error is DuplicateProviderTypeError {
    return LifecycleError.hasMarker(error, duplicateProviderTypeMarker);
  }
}

const unsupportedVersionMarker = 'hodei.lifecycle.error.UnsupportedSpecificationVersionError';
const unsupportedVersionSymbol = Symbol.for(unsupportedVersionMarker);

/** A provider implements a contract version this core does not know. */
export class UnsupportedSpecificationVersionError extends LifecycleError {
  private readonly [unsupportedVersionSymbol] = true;
  readonly specificationVersion: unknown;

  constructor(specificationVersion: unknown, supported: readonly string[]) {
    super(
      LifecycleErrorCodes.UNSUPPORTED_SPECIFICATION_VERSION,
      `Provider specificationVersion ${JSON.stringify(specificationVersion)} is not supported; this core supports ${supported.join(', ')}`,
    );
    this.name = 'UnsupportedSpecificationVersionError';
    this.specificationVersion = specificationVersion;
  }

  static override isInstance(error: unknown): error is UnsupportedSpecificationVersionError {
    return LifecycleError.hasMarker(error, unsupportedVersionMarker);
  }
}
