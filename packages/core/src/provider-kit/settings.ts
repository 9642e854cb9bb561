/**
 * Settings of a provider, validated with a schema of the author's choice (valibot, zod,
 * arktype...: anything that implements Standard Schema), into one InvalidOptionsError listing
 * every problem. Core depends on no schema library's types: the interface below is the
 * Standard Schema v1 shape, which those libraries implement.
 */
import { InvalidOptionsError, type ValidationIssue } from '../errors/errors.js';
import { labelValueProblem } from '../ownership/platform-rules.js';

/** One request to the infrastructure, as reported to `onRequest`. */
export interface ProviderRequestInfo {
  readonly method: string;
  /** Path and query, e.g. `/containers/json?all=true`. */
  readonly path: string;
  /** True for a long-lived streaming request (a watch, an event stream). */
  readonly watch: boolean;
}

/**
 * Settings every provider built on the kit takes, with one meaning everywhere (each provider
 * says its defaults). Extend it: `interface MyCloudSettings extends CommonProviderSettings`,
 * and read these with `resolveCommonSettings`.
 */
export interface CommonProviderSettings {
  /** This provider instance, stamped as `hodei.io/provider-id`: a valid label value. */
  readonly providerId?: string;
  /** Grace period of stop and remove when the caller gives none, in milliseconds. */
  readonly defaultGracePeriodMs?: number;
  /** Bound on each call to the infrastructure (not on watch streams), in milliseconds. */
  readonly requestTimeoutMs?: number;
  /** How long a watch keeps reconnecting before it fails with a retryable ProviderError. */
  readonly watchReconnectTimeoutMs?: number;
  /** Called before every request to the infrastructure (counting, tracing). Must not throw. */
  readonly onRequest?: (request: ProviderRequestInfo) => void;
}

/** The common settings with every default applied. */
export interface ResolvedCommonSettings {
  readonly providerId: string;
  readonly defaultGracePeriodMs: number;
  readonly requestTimeoutMs: number;
  readonly watchReconnectTimeoutMs: number;
  readonly onRequest: ((request: ProviderRequestInfo) => void) | undefined;
}

/** The keys of CommonProviderSettings: a provider's own schema lets them through. */
export const commonSettingKeys: readonly (keyof CommonProviderSettings)[] = Object.freeze([
  'providerId',
  'defaultGracePeriodMs',
  'requestTimeoutMs',
  'watchReconnectTimeoutMs',
  'onRequest',
]);

/**
 * Reads the common settings of `input` (which must be an object: else InvalidOptionsError
 * `what`), applying the provider's defaults; a problem is pushed to `issues`, so the provider
 * reports it with its own in one InvalidOptionsError.
 */
export function resolveCommonSettings(
  what: string,
  input: unknown,
  defaults: Omit<ResolvedCommonSettings, 'onRequest'>,
  issues: ValidationIssue[],
): ResolvedCommonSettings {
  if (input == null || typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidOptionsError(what, [{ path: '', message: 'must be an object' }]);
  }
  const given = input as CommonProviderSettings;
  const providerId = given.providerId ?? defaults.providerId;
  const idProblem =
    typeof providerId !== 'string' || providerId === ''
      ? 'must be a non-empty string'
      : labelValueProblem(providerId);
  if (idProblem) issues.push({ path: 'providerId', message: idProblem });
  const ms = (key: 'defaultGracePeriodMs' | 'requestTimeoutMs' | 'watchReconnectTimeoutMs') => {
    const min = key === 'requestTimeoutMs' ? 1 : 0;
    const value = given[key] ?? defaults[key];
    if (wholeNumberProblem(value, min) === undefined) return value;
    issues.push({ path: key, message: `must be a whole number of milliseconds >= ${min}` });
    return defaults[key];
  };
  const onRequest = given.onRequest;
  if (onRequest !== undefined && typeof onRequest !== 'function') {
    issues.push({ path: 'onRequest', message: 'must be a function' });
  }
  return {
    providerId,
    defaultGracePeriodMs: ms('defaultGracePeriodMs'),
    requestTimeoutMs: ms('requestTimeoutMs'),
    watchReconnectTimeoutMs: ms('watchReconnectTimeoutMs'),
    onRequest: typeof onRequest === 'function' ? onRequest : undefined,
  };
}

/** A path segment of a Standard Schema issue. */
export type StandardPathSegment = PropertyKey | { readonly key: PropertyKey };

/** The part of Standard Schema v1 (`~standard`) the kit uses. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

/** The result of a Standard Schema validation. */
export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | {
      readonly issues: ReadonlyArray<{
        readonly message: string;
        readonly path?: ReadonlyArray<StandardPathSegment> | undefined;
      }>;
    };

/** The output type of a Standard Schema. */
export type StandardOutput<S extends StandardSchemaV1> = NonNullable<
  S['~standard']['types']
>['output'];

/**
 * Validates `input` against `schema` (synchronously), without throwing: the output when it is
 * valid, and every problem with its dotted path. For settings with checks across fields: add
 * yours to `issues`, then throw one InvalidOptionsError with all of them.
 */
export function validateSettings<S extends StandardSchemaV1>(
  schema: S,
  input: unknown,
): { readonly output: StandardOutput<S> | undefined; readonly issues: ValidationIssue[] } {
  const result = schema['~standard'].validate(input);
  if (result instanceof Promise) {
    throw new TypeError('validateSettings: the schema must validate synchronously');
  }
  if (result.issues === undefined) {
    return { output: result.value as StandardOutput<S>, issues: [] };
  }
  const issues: ValidationIssue[] = result.issues.map((issue) => ({
    path: (issue.path ?? [])
      .map((segment) =>
        String(typeof segment === 'object' && segment !== null ? segment.key : segment),
      )
      .join('.'),
    message: issue.message,
  }));
  return { output: undefined, issues };
}

/**
 * Validates `input` against `schema` and returns its output, or throws
 * InvalidOptionsError(`what`) listing every problem with its dotted path.
 *
 * @example
 * const settings = parseSettings('my-cloud provider settings', v.strictObject({ ... }), input);
 */
export function parseSettings<S extends StandardSchemaV1>(
  what: string,
  schema: S,
  input: unknown,
): StandardOutput<S> {
  const { output, issues } = validateSettings(schema, input);
  if (issues.length > 0) throw new InvalidOptionsError(what, issues);
  return output as StandardOutput<S>;
}

/**
 * Why a setting is not a whole number >= `min` (a safe integer), or undefined: for a schema's
 * custom check, e.g. `v.custom<number>((x) => !wholeNumberProblem(x, 1), 'must be ...')`.
 */
export function wholeNumberProblem(value: unknown, min = 0): string | undefined {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) return 'must be a whole number';
  return value < min ? `must be >= ${min}` : undefined;
}

/**
 * A provider's settings in one call: the common settings (`resolveCommonSettings`, with the
 * provider's defaults), the provider's own with `schema` (which must not list the common keys),
 * and `check` for rules across fields; every problem in one InvalidOptionsError(`what`).
 *
 * @example
 * const settings = parseProviderSettings('my-cloud provider settings', ownSchema, input, defaults);
 */
export function parseProviderSettings<S extends StandardSchemaV1>(
  what: string,
  schema: S,
  input: unknown,
  defaults: Omit<ResolvedCommonSettings, 'onRequest'>,
  check?: (issues: ValidationIssue[]) => void,
): ResolvedCommonSettings & StandardOutput<S> {
  const issues: ValidationIssue[] = [];
  const common = resolveCommonSettings(what, input, defaults, issues);
  const commonKeys = new Set<string>(commonSettingKeys);
  const own = Object.fromEntries(
    Object.entries(input as object).filter(([key]) => !commonKeys.has(key)),
  );
  const { output, issues: found } = validateSettings(schema, own);
  issues.push(...found);
  check?.(issues);
  if (issues.length > 0 || output === undefined) throw new InvalidOptionsError(what, issues);
  return { ...(output as object), ...common } as ResolvedCommonSettings & StandardOutput<S>;
}
