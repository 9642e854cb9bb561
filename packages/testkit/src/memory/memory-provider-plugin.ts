import { defineProviderPlugin } from '@hodei/lifecycle-core/provider';
import { createMemoryProvider, type MemoryProviderOptions } from './memory-provider.js';

/** The memory provider as a plugin: `createProviderRegistry([memoryProviderPlugin]).create('memory', {})`. */
export const memoryProviderPlugin = defineProviderPlugin({
  type: 'memory',
  description: 'In-memory workers with fault injection, for tests and quickstarts',
  create: (options: MemoryProviderOptions = {}) => createMemoryProvider(options),
});
