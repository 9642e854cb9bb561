/**
 * Which provider the command talks to: `--provider` with its connection flags, or a config
 * module that registers third-party plugins through core's registry.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProviderRegistry,
  type PolicyInput,
  type ProviderPlugin,
  type ProviderRegistry,
  type ProviderV1,
} from '@hodei/lifecycle-core';
import { UsageError } from './errors.js';

/**
 * What a `--config` module exports (as its default export, or as named exports): plugins or a
 * registry of them, and the provider to create with its options. Docker and Kubernetes are
 * always registered.
 */
export interface CliConfig {
  readonly plugins?: readonly ProviderPlugin[];
  readonly registry?: ProviderRegistry;
  /** The plugin type and its options; `--provider` overrides the type. */
  readonly provider?: string | { readonly type: string; readonly options?: object };
  /** The policy whose TTL applies where a worker has none stamped (default: `generic`). */
  readonly policy?: PolicyInput;
  /** Scopes when neither --scope nor --all-scopes is given. */
  readonly scopes?: readonly string[];
}

export async function loadConfig(path: string, cwd: string): Promise<CliConfig> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(resolve(cwd, path)).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(
      `cannot load --config ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const config = (module.default ?? module) as CliConfig;
  if (config === null || typeof config !== 'object') {
    throw new UsageError(`--config ${path} must export an object (plugins, provider, policy)`);
  }
  return config;
}

export interface ProviderFlags {
  readonly provider?: string;
  readonly namespace?: string;
  readonly kubeconfig?: string;
}

/** The built-in plugins, loaded when used (the Kubernetes client is slow to load). */
const builtIns: Record<string, () => Promise<ProviderPlugin>> = {
  docker: async () =>
    (await import('@hodei/lifecycle-provider-docker')).dockerProviderPlugin as ProviderPlugin,
  kubernetes: async () =>
    (await import('@hodei/lifecycle-provider-kubernetes'))
      .kubernetesProviderPlugin as ProviderPlugin,
};

/** Creates the provider; `onRequest` counts the HTTP requests of the built-in providers. */
export async function createProvider(
  config: CliConfig,
  flags: ProviderFlags,
  onRequest: () => void,
): Promise<ProviderV1> {
  const plugins: ProviderPlugin[] = [
    ...(config.registry?.plugins ?? []),
    ...(config.plugins ?? []),
  ];
  const configured =
    typeof config.provider === 'string' ? { type: config.provider } : config.provider;
  const type = flags.provider ?? configured?.type;
  // Only the built-in plugin asked for is loaded; all of them when the type is unknown, so the
  // registry's error lists every type there is.
  const wanted =
    type !== undefined && type in builtIns
      ? [type]
      : plugins.some((p) => p.type === type)
        ? []
        : Object.keys(builtIns);
  for (const name of wanted) {
    if (!plugins.some((p) => p.type === name)) plugins.push(await builtIns[name]!());
  }
  const registry = createProviderRegistry(plugins);
  if (!type) {
    throw new UsageError(
      `name a provider: --provider ${registry.types.join('|')} (or a --config module's provider)`,
    );
  }
  const options: Record<string, unknown> = {
    ...(configured?.type === type ? (configured.options ?? {}) : {}),
  };
  if (type === 'kubernetes') {
    if (flags.namespace !== undefined) options.namespace = flags.namespace;
    if (flags.kubeconfig !== undefined) options.kubeconfigPath = flags.kubeconfig;
  } else if (flags.namespace !== undefined || flags.kubeconfig !== undefined) {
    throw new UsageError('--namespace and --kubeconfig apply to --provider kubernetes only');
  }
  if (type === 'kubernetes' || type === 'docker') {
    const own = options.onRequest as ((info: unknown) => void) | undefined;
    options.onRequest = (info: unknown) => {
      onRequest();
      own?.(info);
    };
  }
  // An unknown type throws the registry's UnknownProviderTypeError, listing the registered ones.
  return registry.create(type, options as never);
}

/** Counts the provider calls of one interval (lists, lease lists, stops, removals...). */
export interface CallCounter {
  calls: Record<string, number>;
  http: number;
}

export function newCounter(): CallCounter {
  return { calls: {}, http: 0 };
}

/** The provider with each call counted in `counter.calls` (the counter may be swapped). */
export function countCalls(provider: ProviderV1, counter: () => CallCounter): ProviderV1 {
  const count = (name: string) => {
    const c = counter();
    c.calls[name] = (c.calls[name] ?? 0) + 1;
  };
  // The proxy's target is an empty object: a frozen provider (or leases object) keeps its
  // own properties, and the proxy may still return counted functions in their place.
  const wrap = <T extends object>(real: T, prefix: string): T =>
    new Proxy({} as T, {
      get(_, key) {
        const value = Reflect.get(real, key, real);
        if (key === 'leases' && value && typeof value === 'object') return wrap(value, 'leases.');
        if (typeof value !== 'function' || typeof key !== 'string') return value;
        if (key === 'watch' || key === 'close') return value.bind(real);
        return (...args: unknown[]) => {
          count(prefix + key);
          return value.apply(real, args);
        };
      },
      has: (_, key) => Reflect.has(real, key),
    });
  return wrap(provider, '');
}
