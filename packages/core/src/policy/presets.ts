import type { EphemeralWorkerPolicy } from './policy.js';

const second = 1_000;
const minute = 60 * second;
const hour = 60 * minute;

/**
 * The built-in presets: the two of the original plan (DESIGN.md section 3), and `generic`, for
 * a provider that declares none. `generic` has the Kubernetes values (orphan detection on, a
 * list every minute: the safe choice for an infrastructure the manager knows nothing about)
 * under its own name, so a manager never claims to run another provider's preset.
 */
export const policyPresets = {
  kubernetes: Object.freeze<EphemeralWorkerPolicy>({
    maxLifetime: hour,
    ttlAfterCompletion: 5 * minute,
    idleTimeout: 10 * minute,
    gracefulTerminationTimeout: 30 * second,
    autoCleanupEnabled: true,
    orphanDetectionEnabled: true,
    orphanCheckInterval: minute,
    startupTimeout: undefined,
    retainOnFailure: undefined,
  }),
  docker: Object.freeze<EphemeralWorkerPolicy>({
    maxLifetime: 30 * minute,
    ttlAfterCompletion: 2 * minute,
    idleTimeout: 5 * minute,
    gracefulTerminationTimeout: 30 * second,
    autoCleanupEnabled: true,
    orphanDetectionEnabled: false,
    orphanCheckInterval: 5 * minute,
    startupTimeout: undefined,
    retainOnFailure: undefined,
  }),
  generic: Object.freeze<EphemeralWorkerPolicy>({
    maxLifetime: hour,
    ttlAfterCompletion: 5 * minute,
    idleTimeout: 10 * minute,
    gracefulTerminationTimeout: 30 * second,
    autoCleanupEnabled: true,
    orphanDetectionEnabled: true,
    orphanCheckInterval: minute,
    startupTimeout: undefined,
    retainOnFailure: undefined,
  }),
} as const;

export type PolicyPresetName = keyof typeof policyPresets;

/**
 * A named default policy. A provider plugin declares one (`defineProviderPlugin({ policyPreset })`
 * or `defineProvider({ policyPreset })`); the manager uses it when its options name none, and
 * shows its name as `manager.policyPreset`.
 */
export interface PolicyPreset {
  /** Shown as `manager.policyPreset` and in the manager's log: 'docker', 'my-cloud'... */
  readonly name: string;
  readonly policy: EphemeralWorkerPolicy;
}
