import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Meter } from '@opentelemetry/api';
import { type Clock, systemClock } from '../clock/clock.js';
import { InvalidOptionsError, type ValidationIssue } from '../errors/errors.js';
import type { EventPublisher, PublishErrorHandler } from '../events/publisher.js';
import { noopPublisher } from '../events/publisher.js';
import { type LifecycleLogger, silentLogger } from '../observability/logger.js';
import { assertOwnershipIds } from '../ownership/ownership.js';
import { escapeLabelValue } from '../ownership/platform-rules.js';
import { definePolicy } from '../policy/define-policy.js';
import { parseDuration } from '../policy/duration.js';
import type { EphemeralWorkerPolicy } from '../policy/policy.js';
import { type PolicyPreset, policyPresets } from '../policy/presets.js';
import type { ProviderV1 } from '../provider/v1/provider-v1.js';
import { MIN_LEASE_DURATION_MS } from '../provider-kit/lease-checks.js';
import { declaredPolicyPreset } from '../registry/provider-registry.js';
import type { LifecycleOptions } from './types.js';

export interface ResolvedOptions {
  readonly enabled: boolean;
  readonly policy: EphemeralWorkerPolicy;
  /** The name of the preset the policy starts from (shown as `manager.policyPreset`). */
  readonly policyPreset: string;
  readonly publisher: EventPublisher;
  readonly onPublishError: PublishErrorHandler;
  readonly clock: Clock;
  readonly logger: LifecycleLogger;
  readonly meter: Meter | undefined;
  readonly scope: string;
  readonly instanceId: string;
  readonly logTailLines: number;
  readonly retryDelay: number;
  readonly maxRetryDelay: number;
  readonly concurrency: number;
  readonly readinessPollInterval: number;
  readonly closeProvider: boolean;
  /** The owner lease this instance holds, when the provider has leases; false: none. */
  readonly lease: { readonly durationMs: number } | false;
}

/** The owner lease's duration when the options give none. */
export const DEFAULT_LEASE_DURATION_MS = 15_000;

const knownOptions = new Set<keyof LifecycleOptions>([
  'policy',
  'publisher',
  'onPublishError',
  'clock',
  'logger',
  'meter',
  'scope',
  'instanceId',
  'enabled',
  'logTailLines',
  'retryDelay',
  'maxRetryDelay',
  'concurrency',
  'readinessPollInterval',
  'closeProvider',
  'lease',
]);

/** HODEI_LIFECYCLE_ENABLED, the plan's feature flag: only an explicit 'off' value disables. */
export function lifecycleEnabledFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.HODEI_LIFECYCLE_ENABLED?.trim().toLowerCase();
  return !(value === 'false' || value === '0' || value === 'off' || value === 'no');
}

/** A unique id for this process: host, pid and a random suffix, escaped into a label value. */
export function defaultInstanceId(): string {
  return escapeLabelValue(`${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`);
}

/** Where the preset of a manager's policy came from. */
export type PolicyPresetSource = 'options' | 'provider' | 'generic';

/**
 * The preset a manager's policy starts from: the one its options name, else the one the
 * provider (or its plugin) declares, else the `generic` preset: never another provider's.
 */
export function choosePolicyPreset(
  provider: ProviderV1,
  option: LifecycleOptions['policy'],
): PolicyPreset & { readonly source: PolicyPresetSource } {
  if (typeof option === 'string') {
    return { name: option, policy: definePolicy({}, option), source: 'options' };
  }
  const declared = declaredPolicyPreset(provider);
  if (declared) {
    // A declared preset is validated like any policy: a bad one fails here, not later.
    return { name: declared.name, policy: definePolicy(declared.policy), source: 'provider' };
  }
  return { name: 'generic', policy: policyPresets.generic, source: 'generic' };
}

function leaseOption(
  provider: ProviderV1,
  option: LifecycleOptions['lease'],
  issues: ValidationIssue[],
): ResolvedOptions['lease'] {
  if (option === false) return false;
  let durationMs = DEFAULT_LEASE_DURATION_MS;
  if (option !== undefined) {
    if (option === null || typeof option !== 'object') {
      issues.push({ path: 'lease', message: 'must be false or { durationMs? }' });
      return false;
    }
    for (const key of Object.keys(option)) {
      if (key !== 'durationMs') {
        issues.push({ path: `lease.${key}`, message: 'unknown option (allowed: durationMs)' });
      }
    }
    if (option.durationMs !== undefined) {
      if (
        !(Number.isSafeInteger(option.durationMs) && option.durationMs >= MIN_LEASE_DURATION_MS)
      ) {
        issues.push({
          path: 'lease.durationMs',
          message: `must be a whole number of milliseconds >= ${MIN_LEASE_DURATION_MS}`,
        });
        return false;
      }
      durationMs = option.durationMs;
    }
  }
  // Only a provider with leases can hold one; without, the manager behaves as before leases.
  return provider.leases === undefined ? false : { durationMs };
}

/** Validates every option at construction, so a bad one fails here and nothing runs. */
export function resolveOptions(provider: ProviderV1, options: LifecycleOptions): ResolvedOptions {
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(options)) {
    if (!knownOptions.has(key as keyof LifecycleOptions)) {
      issues.push({
        path: key,
        message: `unknown option (allowed: ${[...knownOptions].join(', ')})`,
      });
    }
  }
  const duration = (
    key: 'retryDelay' | 'maxRetryDelay' | 'readinessPollInterval',
    fallback: number,
  ) => {
    if (options[key] === undefined) return fallback;
    const ms = parseDuration(options[key]);
    if (ms === undefined || ms <= 0) {
      issues.push({ path: key, message: 'must be a positive duration such as 500 or "1s"' });
      return fallback;
    }
    return ms;
  };
  const positiveInt = (key: 'logTailLines' | 'concurrency', fallback: number, min: number) => {
    const value = options[key] ?? fallback;
    if (!Number.isSafeInteger(value) || value < min) {
      issues.push({ path: key, message: `must be a whole number >= ${min}` });
      return fallback;
    }
    return value;
  };
  const resolved = {
    enabled: options.enabled ?? lifecycleEnabledFromEnv(),
    publisher: options.publisher ?? noopPublisher,
    clock: options.clock ?? systemClock,
    logger: options.logger ?? silentLogger,
    meter: options.meter,
    scope: options.scope ?? 'default',
    instanceId: options.instanceId ?? defaultInstanceId(),
    logTailLines: positiveInt('logTailLines', 20, 0),
    retryDelay: duration('retryDelay', 1_000),
    maxRetryDelay: duration('maxRetryDelay', 60_000),
    concurrency: positiveInt('concurrency', 16, 1),
    readinessPollInterval: duration('readinessPollInterval', 1_000),
    closeProvider: options.closeProvider ?? true,
    lease: leaseOption(provider, options.lease, issues),
  };
  if (options.publisher !== undefined && typeof options.publisher?.publish !== 'function') {
    issues.push({ path: 'publisher', message: 'must have a publish(event) method' });
  }
  if (issues.length > 0) throw new InvalidOptionsError('lifecycle options', issues);
  assertOwnershipIds('lifecycle options', { scope: resolved.scope, owner: resolved.instanceId });

  const preset = choosePolicyPreset(provider, options.policy);
  const policy =
    typeof options.policy === 'string'
      ? preset.policy
      : definePolicy(options.policy ?? {}, preset.policy);
  const logger =
    resolved.logger.child?.({ scope: resolved.scope, providerId: provider.providerId }) ??
    resolved.logger;
  logger.info(
    { policyPreset: preset.name, presetSource: preset.source, providerType: provider.type },
    preset.source === 'generic'
      ? `policy preset 'generic': provider type '${provider.type}' declares none`
      : `policy preset '${preset.name}' (from the ${preset.source === 'options' ? 'options' : 'provider'})`,
  );
  return {
    ...resolved,
    policy,
    policyPreset: preset.name,
    logger,
    onPublishError:
      options.onPublishError ??
      ((error, event) =>
        logger.warn({ err: error, eventType: event.type }, 'event publisher failed')),
  };
}
