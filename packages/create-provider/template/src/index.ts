export { Infrastructure, InfrastructureError, type Machine } from './infrastructure.js';
export { createProvider, type ProviderSettings, plugin, policyPreset } from './provider.js';
