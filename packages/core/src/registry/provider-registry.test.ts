import { describe, expect, test } from 'vitest';
import {
  createProviderRegistry,
  DuplicateProviderTypeError,
  UnknownProviderTypeError,
  UnsupportedSpecificationVersionError,
} from '../index.js';
import { defineProviderPlugin, InvalidOptionsError, type ProviderV1 } from '../provider.js';

function fakeProvider(providerId: string, extra: Partial<ProviderV1> = {}): ProviderV1 {
  return {
    specificationVersion: 'v1',
    type: 'fake',
    providerId,
    capabilities: {
      stop: false,
      watch: false,
      logs: false,
      health: false,
      nativeDeadline: false,
      nativeTtl: false,
    },
    create: () => Promise.reject(new Error('not used')),
    get: () => Promise.resolve(undefined),
    list: () => Promise.resolve([]),
    remove: () => Promise.resolve(),
    ...extra,
  };
}

const alpha = defineProviderPlugin({
  type: 'alpha',
  create: (options: { id: string }) => fakeProvider(options.id),
});
const beta = defineProviderPlugin({
  type: 'beta',
  create: (_: { region: string }) => fakeProvider('beta-1'),
});

describe('provider registry', () => {
  test('creates a provider with the plugin of that type', () => {
    const registry = createProviderRegistry([alpha, beta]);
    expect(registry.create('alpha', { id: 'alpha-7' }).providerId).toBe('alpha-7');
    expect(registry.types).toEqual(['alpha', 'beta']);
    expect(registry.has('beta')).toBe(true);
    expect(registry.has('gamma')).toBe(false);
  });

  test('an unknown type is a typed error that lists the registered types', () => {
    const registry = createProviderRegistry([alpha, beta]);
    try {
      registry.create('gamma' as 'alpha', { id: 'x' });
      expect.unreachable();
    } catch (error) {
      expect(UnknownProviderTypeError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ providerType: 'gamma', availableTypes: ['alpha', 'beta'] });
      expect((error as Error).message).toContain('alpha, beta');
    }
  });

  test('two plugins of one type are refused', () => {
    expect(() => createProviderRegistry([alpha, alpha])).toThrow(DuplicateProviderTypeError);
  });

  test('a plugin with a bad type or no factory is refused where it is defined', () => {
    expect(() =>
      defineProviderPlugin({ type: 'Not Valid', create: () => fakeProvider('x') }),
    ).toThrow(InvalidOptionsError);
    expect(() => defineProviderPlugin({ type: 'ok', create: undefined as never })).toThrow(
      /create: must be a function/,
    );
  });

  test('a plugin returning a provider of an unknown contract version fails at creation', () => {
    const future = defineProviderPlugin({
      type: 'future',
      create: () => ({ ...fakeProvider('f'), specificationVersion: 'v2' }) as unknown as ProviderV1,
    });
    expect(() => createProviderRegistry([future]).create('future', undefined)).toThrow(
      UnsupportedSpecificationVersionError,
    );
  });

  test('a provider whose capabilities lie about its methods is refused', () => {
    const liar = defineProviderPlugin({
      type: 'liar',
      create: () =>
        fakeProvider('liar', { capabilities: { ...fakeProvider('x').capabilities, stop: true } }),
    });
    expect(() => createProviderRegistry([liar]).create('liar', undefined)).toThrow(
      /stop\(\) is missing/,
    );
    const vague = defineProviderPlugin({
      type: 'vague',
      create: () =>
        fakeProvider('vague', {
          capabilities: { ...fakeProvider('x').capabilities, nativeDeadline: 'yes' as never },
          close: 42 as never,
        }),
    });
    expect(() => createProviderRegistry([vague]).create('vague', undefined)).toThrow(
      /capabilities.nativeDeadline: must be true or false[\s\S]*close: must be a function/,
    );
    const badId = defineProviderPlugin({ type: 'badid', create: () => fakeProvider('has space') });
    expect(() => createProviderRegistry([badId]).create('badid', undefined)).toThrow(/providerId/);
  });
});
