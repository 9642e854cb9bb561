export { defaultPolicy, definePolicy, definePolicyPreset } from './define-policy.js';
export { type Duration, type DurationUnit, formatDuration, parseDuration } from './duration.js';
export type { EphemeralWorkerPolicy, PolicyInput } from './policy.js';
export { type PolicyPreset, type PolicyPresetName, policyPresets } from './presets.js';
