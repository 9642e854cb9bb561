import { assertProviderV1 } from '../provider/assert-provider.js';
import type { ProviderV1 } from '../provider/v1/provider-v1.js';
import { ManagedProvider } from './lifecycle-manager.js';
import { PassthroughProvider } from './passthrough.js';
import { resolveOptions } from './resolve-options.js';
import type { LifecycleManager, LifecycleOptions } from './types.js';

/**
 * Wraps a provider with the lifecycle: the result still satisfies the provider contract and
 * enforces the policy on every worker it creates or adopts. Every option is validated here.
 *
 * @example
 * await using workers = withLifecycle(createDockerProvider(), { policy: { maxLifetime: '10m' } });
 * const worker = await workers.createWorker({ image: 'busybox:1.36', command: ['sleep', '30'] });
 */
export function withLifecycle(
  provider: ProviderV1,
  options: LifecycleOptions = {},
): LifecycleManager {
  assertProviderV1(provider);
  const resolved = resolveOptions(provider, options);
  return resolved.enabled
    ? new ManagedProvider(provider, resolved)
    : new PassthroughProvider(provider, resolved);
}
