export {
  createProviderRegistry,
  defineProviderPlugin,
  type ProviderPlugin,
  type ProviderPluginOptions,
  type ProviderRegistry,
} from './provider-registry.js';
