import {
  InvalidOptionsError,
  UnsupportedSpecificationVersionError,
  type ValidationIssue,
} from '../errors/errors.js';
import { labelValueProblem } from '../ownership/platform-rules.js';
import type { ProviderV1 } from './v1/provider-v1.js';

export const supportedSpecificationVersions = ['v1'] as const;

const optionalMethods = ['stop', 'watch', 'logs', 'health'] as const;

/**
 * Checks that a value implements the provider contract v1 as it declares: the version, a
 * valid provider id, the required methods, and an optional method for each capability flag.
 */
export function assertProviderV1(provider: unknown): asserts provider is ProviderV1 {
  const candidate = provider as Partial<ProviderV1> | null | undefined;
  if (candidate == null || typeof candidate !== 'object') {
    throw new InvalidOptionsError('provider', [{ path: '', message: 'must be an object' }]);
  }
  if (candidate.specificationVersion !== 'v1') {
    throw new UnsupportedSpecificationVersionError(
      candidate.specificationVersion,
      supportedSpecificationVersions,
    );
  }
  const issues: ValidationIssue[] = [];
  if (typeof candidate.providerId !== 'string' || candidate.providerId === '') {
    issues.push({ path: 'providerId', message: 'must be a non-empty string' });
  } else {
    const problem = labelValueProblem(candidate.providerId);
    if (problem) issues.push({ path: 'providerId', message: problem });
  }
  if (typeof candidate.type !== 'string' || candidate.type === '') {
    issues.push({ path: 'type', message: 'must be a non-empty string' });
  }
  for (const method of ['create', 'get', 'list', 'remove'] as const) {
    if (typeof candidate[method] !== 'function') {
      issues.push({ path: method, message: 'must be a function' });
    }
  }
  const capabilities = candidate.capabilities;
  if (capabilities == null || typeof capabilities !== 'object') {
    issues.push({ path: 'capabilities', message: 'must be an object' });
  } else {
    for (const method of optionalMethods) {
      const declared = capabilities[method];
      const present = typeof candidate[method] === 'function';
      if (typeof declared !== 'boolean') {
        issues.push({ path: `capabilities.${method}`, message: 'must be true or false' });
      } else if (declared !== present) {
        issues.push({
          path: `capabilities.${method}`,
          message: declared
            ? `is declared but ${method}() is missing`
            : `is false but ${method}() exists`,
        });
      }
    }
    // Optional capabilities newer than the contract's first release: absent means false.
    const leasesDeclared = capabilities.leases;
    const leases = candidate.leases as Partial<Record<string, unknown>> | undefined | null;
    const leasesPresent = leases !== undefined;
    if (leasesDeclared !== undefined && typeof leasesDeclared !== 'boolean') {
      issues.push({ path: 'capabilities.leases', message: 'must be true or false when present' });
    } else if ((leasesDeclared ?? false) !== leasesPresent) {
      issues.push({
        path: 'capabilities.leases',
        message: leasesDeclared
          ? 'is declared but leases is missing'
          : 'is not declared but leases exists',
      });
    } else if (leasesPresent) {
      if (leases === null || typeof leases !== 'object') {
        issues.push({ path: 'leases', message: 'must be { hold, release, list }' });
      } else {
        for (const method of ['hold', 'release', 'list'] as const) {
          if (typeof leases[method] !== 'function') {
            issues.push({ path: `leases.${method}`, message: 'must be a function' });
          }
        }
      }
    }
    const scopesDeclared = capabilities.listScopes;
    const scopesPresent = candidate.listScopes !== undefined;
    if (scopesDeclared !== undefined && typeof scopesDeclared !== 'boolean') {
      issues.push({
        path: 'capabilities.listScopes',
        message: 'must be true or false when present',
      });
    } else if ((scopesDeclared ?? false) !== scopesPresent) {
      issues.push({
        path: 'capabilities.listScopes',
        message: scopesDeclared
          ? 'is declared but listScopes() is missing'
          : 'is not declared but listScopes exists',
      });
    } else if (scopesPresent && typeof candidate.listScopes !== 'function') {
      issues.push({ path: 'listScopes', message: 'must be a function' });
    }
    for (const flag of ['nativeDeadline', 'nativeTtl'] as const) {
      if (typeof capabilities[flag] !== 'boolean') {
        issues.push({ path: `capabilities.${flag}`, message: 'must be true or false' });
      }
    }
  }
  const preset = candidate.defaultPolicyPreset;
  if (
    preset !== undefined &&
    (preset === null ||
      typeof preset !== 'object' ||
      typeof preset.name !== 'string' ||
      preset.name === '' ||
      preset.policy == null ||
      typeof preset.policy !== 'object')
  ) {
    issues.push({ path: 'defaultPolicyPreset', message: 'must be { name, policy } when present' });
  }
  if (candidate.close !== undefined && typeof candidate.close !== 'function') {
    issues.push({ path: 'close', message: 'must be a function when present' });
  }
  if (issues.length > 0) throw new InvalidOptionsError('provider', issues);
}
