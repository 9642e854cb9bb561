import {
  DuplicateProviderTypeError,
  InvalidOptionsError,
  UnknownProviderTypeError,
  type ValidationIssue,
} from '../errors/errors.js';
import { dnsLabelProblem } from '../ownership/platform-rules.js';
import type { PolicyPreset } from '../policy/presets.js';
import { assertProviderV1 } from '../provider/assert-provider.js';
import type { ProviderV1 } from '../provider/v1/provider-v1.js';

/** A provider packaged as a plugin: a type name and a factory taking the provider's settings. */
export interface ProviderPlugin<TType extends string = string, TOptions = unknown> {
  readonly type: TType;
  /** One line for people listing the registered plugins. */
  readonly description?: string;
  /**
   * The policy a manager applies to this plugin's providers when its options name none
   * (`definePolicyPreset`). Without one the manager uses the `generic` preset, and says so.
   */
  readonly policyPreset?: PolicyPreset;
  create(options: TOptions): ProviderV1;
}

/** The settings type of a plugin. */
export type ProviderPluginOptions<P> = P extends ProviderPlugin<string, infer O> ? O : never;

/** Providers made by a registry, with the preset their plugin declared. */
const declaredPresets = new WeakMap<ProviderV1, PolicyPreset>();

/**
 * The preset a provider comes with: its own `defaultPolicyPreset`, else the one its plugin declared
 * when a registry made it; undefined when neither says.
 */
export function declaredPolicyPreset(provider: ProviderV1): PolicyPreset | undefined {
  return provider.defaultPolicyPreset ?? declaredPresets.get(provider);
}

/**
 * Declares a provider plugin. The type is checked now (a lowercase DNS label such as
 * 'docker' or 'my-nomad'), so a bad plugin fails where it is written, not where it is used.
 */
export function defineProviderPlugin<const TType extends string, TOptions>(
  plugin: ProviderPlugin<TType, TOptions>,
): ProviderPlugin<TType, TOptions> {
  const problem =
    typeof plugin?.type === 'string' ? dnsLabelProblem(plugin.type) : 'must be a string';
  const issues: ValidationIssue[] = [];
  if (problem) issues.push({ path: 'type', message: problem });
  if (typeof plugin?.create !== 'function')
    issues.push({ path: 'create', message: 'must be a function' });
  const preset = plugin?.policyPreset;
  if (
    preset !== undefined &&
    (preset === null ||
      typeof preset !== 'object' ||
      typeof preset.name !== 'string' ||
      preset.name === '' ||
      preset.policy == null ||
      typeof preset.policy !== 'object')
  ) {
    issues.push({
      path: 'policyPreset',
      message: "must be a preset from definePolicyPreset('name', { ... })",
    });
  }
  if (issues.length > 0) throw new InvalidOptionsError('provider plugin', issues);
  return Object.freeze({ ...plugin });
}

export interface ProviderRegistry<P extends ProviderPlugin = ProviderPlugin> {
  /**
   * Creates a provider with the plugin registered under `type`. An unknown type throws
   * UnknownProviderTypeError, which lists the registered types.
   */
  create<T extends P['type']>(
    type: T,
    options: ProviderPluginOptions<Extract<P, { type: T }>>,
  ): ProviderV1;
  has(type: string): boolean;
  /** The registered types, in registration order. */
  readonly types: readonly P['type'][];
  readonly plugins: readonly P[];
}

/** Collects plugins under their types: `createProviderRegistry([dockerPlugin, kubernetesPlugin])`. */
export function createProviderRegistry<const P extends ProviderPlugin>(
  plugins: readonly P[],
): ProviderRegistry<P> {
  const byType = new Map<string, P>();
  for (const plugin of plugins) {
    if (byType.has(plugin.type)) throw new DuplicateProviderTypeError(plugin.type);
    byType.set(plugin.type, plugin);
  }
  const types = [...byType.keys()] as P['type'][];
  return {
    create(type, options) {
      const plugin = byType.get(type);
      if (!plugin) throw new UnknownProviderTypeError(String(type), types);
      const provider = plugin.create(options as never);
      // A plugin that returns something off-contract fails here, not deep inside the manager.
      assertProviderV1(provider);
      if (plugin.policyPreset && !provider.defaultPolicyPreset) {
        declaredPresets.set(provider, plugin.policyPreset);
      }
      return provider;
    },
    has: (type) => byType.has(type),
    types,
    plugins: [...byType.values()],
  };
}
