import { describe, expect, test } from 'vitest';
import {
  CancelledError,
  InvalidPolicyError,
  InvalidSpecError,
  LifecycleError,
  LifecycleErrorCodes,
  ProviderError,
  UnknownProviderTypeError,
} from '../index.js';

describe('LifecycleError', () => {
  test('carries a stable code and the retryable flag', () => {
    const error = new ProviderError('docker-1', 'connection refused', {
      retryable: true,
      status: 'ECONNREFUSED',
    });
    expect(error.code).toBe('LIFECYCLE_PROVIDER_ERROR');
    expect(error.retryable).toBe(true);
    expect(error.status).toBe('ECONNREFUSED');
    expect(error.message).toContain('docker-1');
    expect(error).toBeInstanceOf(Error);
  });

  test('isInstance recognises each class and the base, and nothing else', () => {
    const spec = new InvalidSpecError([{ path: 'image', message: 'must not be empty' }]);
    expect(LifecycleError.isInstance(spec)).toBe(true);
    expect(InvalidSpecError.isInstance(spec)).toBe(true);
    expect(InvalidPolicyError.isInstance(spec)).toBe(false);
    expect(LifecycleError.isInstance(new Error('plain'))).toBe(false);
    expect(LifecycleError.isInstance(null)).toBe(false);
    expect(LifecycleError.isInstance('LIFECYCLE_INVALID_SPEC')).toBe(false);
  });

  test('isInstance works across duplicated installs (no shared class identity)', () => {
    // What a second copy of the package produces: a different class, the same Symbol.for markers.
    const foreign = Object.assign(new Error('from another copy'), {
      [Symbol.for('hodei.lifecycle.error')]: true,
      [Symbol.for('hodei.lifecycle.error.CancelledError')]: true,
      code: LifecycleErrorCodes.CANCELLED,
    });
    expect(foreign instanceof CancelledError).toBe(false);
    expect(CancelledError.isInstance(foreign)).toBe(true);
    expect(LifecycleError.isInstance(foreign)).toBe(true);
    expect(ProviderError.isInstance(foreign)).toBe(false);
  });

  test('codes are unique and prefixed', () => {
    const codes = Object.values(LifecycleErrorCodes);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^LIFECYCLE_[A-Z_]+$/);
  });

  test('validation errors list every issue in the message and as data', () => {
    const error = new InvalidPolicyError([
      { path: 'maxLifetime', message: 'must be greater than zero' },
      { path: '', message: 'a policy must be an object' },
    ]);
    expect(error.issues).toHaveLength(2);
    expect(error.message).toContain('maxLifetime: must be greater than zero');
    expect(error.message).toContain('(root): a policy must be an object');
  });

  test('unknown provider type lists the registered ones', () => {
    const error = new UnknownProviderTypeError('nomad', ['docker', 'kubernetes']);
    expect(error.availableTypes).toEqual(['docker', 'kubernetes']);
    expect(error.message).toContain('docker, kubernetes');
  });
});
