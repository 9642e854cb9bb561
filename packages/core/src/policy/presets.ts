import type { EphemeralWorkerPolicy } from './policy.js';

const second = 1_000;
const minute = 60 * second;
const hour = 60 * minute;

/** The presets of the original plan (DESIGN.md section 3). */
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
} as const;

export type PolicyPresetName = keyof typeof policyPresets;
