/** Validation before any call: every invalid spec refused, with every problem in one error. */
import assert from 'node:assert/strict';
import { InvalidSpecError, OwnershipKeys, type WorkerSpec } from '@hodei/lifecycle-core';
import { describeValue } from '../../poll/poll-until.js';
import type { ContractCase } from '../contract-case.js';
import type { ContractContext } from '../contract-context.js';
import { expectNoCalls, expectRejection, expectScopeEmpty } from './helpers.js';

/** An invalid spec derived from a valid one, and the path its problem is reported under. */
export interface BuiltInInvalidSpec {
  readonly build: (valid: WorkerSpec) => WorkerSpec;
  /** Where the problem is: an issue's path must equal it or start with it. */
  readonly path: string;
}

/** The invalid specs every provider refuses (core's `validateWorkerSpec` finds them all). */
export const builtInInvalidSpecs: Readonly<Record<string, BuiltInInvalidSpec>> = {
  'empty image': { build: (valid) => ({ ...valid, image: '' }), path: 'image' },
  'bad image reference': {
    build: (valid) => ({ ...valid, image: 'Not A/Valid::Image' }),
    path: 'image',
  },
  'reserved hodei.io/ label': {
    build: (valid) => ({
      ...valid,
      labels: { ...valid.labels, [OwnershipKeys.managedBy]: 'someone-else' },
    }),
    path: `labels.${OwnershipKeys.managedBy}`,
  },
  'reserved hodei.io/ annotation': {
    build: (valid) => ({
      ...valid,
      annotations: { ...valid.annotations, [OwnershipKeys.expiresAt]: 'never' },
    }),
    path: `annotations.${OwnershipKeys.expiresAt}`,
  },
  'invalid label value': {
    build: (valid) => ({ ...valid, labels: { ...valid.labels, team: 'not a valid label value!' } }),
    path: 'labels.team',
  },
  'invalid label key': {
    build: (valid) => ({ ...valid, labels: { ...valid.labels, 'Bad Key!': 'x' } }),
    path: 'labels.Bad Key!',
  },
  'env name starting with a digit': {
    build: (valid) => ({ ...valid, env: { ...valid.env, '1X': 'y' } }),
    path: 'env.1X',
  },
  'memory below the minimum': {
    build: (valid) => ({ ...valid, resources: { ...valid.resources, memory: '1Mi' } }),
    path: 'resources.memory',
  },
  'cpu that is no quantity': {
    build: (valid) => ({ ...valid, resources: { ...valid.resources, cpu: 'lots' } }),
    path: 'resources.cpu',
  },
  'unknown resource': {
    build: (valid) =>
      ({ ...valid, resources: { ...valid.resources, gpu: 1 } }) as unknown as WorkerSpec,
    path: 'resources.gpu',
  },
  'unknown spec field': {
    build: (valid) => ({ ...valid, imagePullPolicy: 'Always' }) as WorkerSpec,
    path: 'imagePullPolicy',
  },
  'invalid policy override': {
    build: (valid) => ({ ...valid, policy: { maxLifetime: 0 } }),
    path: 'policy.maxLifetime',
  },
  'unknown policy field': {
    build: (valid) => ({ ...valid, policy: { ttl: '5m' } }) as unknown as WorkerSpec,
    path: 'policy.ttl',
  },
  'extensions that are no object': {
    build: (valid) => ({ ...valid, extensions: 'docker' }) as unknown as WorkerSpec,
    path: 'extensions',
  },
  'command that is no list': {
    build: (valid) => ({ ...valid, command: 'sleep 600' }) as unknown as WorkerSpec,
    path: 'command',
  },
};

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** The id of the test refusing one built-in invalid spec. */
export const invalidSpecTestId = (name: string) => `spec.invalid.${slug(name)}`;
/** The id of the test refusing one spec of `fixtures.invalidSpecs`. */
export const fixtureInvalidSpecTestId = (name: string) => `spec.fixture.${slug(name)}`;

const refusedPromise = (name: string) =>
  `an invalid spec is refused with InvalidSpecError before any call, and nothing is created: ${name}`;

/** Creates with `spec`, expects one InvalidSpecError, no call and nothing created; returns its issues. */
async function expectRefused(ctx: ContractContext, spec: WorkerSpec, what: string) {
  let refusal: unknown;
  const calls = await ctx.callsMadeBy(async () => {
    refusal = await expectRejection(
      ctx.provider.create(ctx.request(spec)),
      (error) => InvalidSpecError.isInstance(error),
      `create with ${what} must reject with InvalidSpecError`,
    );
  });
  const error = refusal as InvalidSpecError;
  assert.equal(error.retryable, false, `the InvalidSpecError for ${what} must not be retryable`);
  assert.ok(
    Array.isArray(error.issues) && error.issues.length > 0,
    `the InvalidSpecError for ${what} must list its problems in issues; got ${describeValue(error.issues)}`,
  );
  expectNoCalls(calls, `create with ${what}`);
  await expectScopeEmpty(ctx, `create with ${what}`);
  return error.issues;
}

const mentions = (issues: readonly { path: string }[], path: string) =>
  issues.some((issue) => issue.path === path || issue.path.startsWith(`${path}.`));

export function builtInValidationCases(): ContractCase[] {
  return Object.entries(builtInInvalidSpecs).map(([name, { build, path }]) => ({
    id: invalidSpecTestId(name),
    group: 'Validation',
    promise: refusedPromise(name),
    async run(ctx) {
      const issues = await expectRefused(ctx, build(ctx.fixtures.longRunning), `an ${name}`);
      assert.ok(
        mentions(issues, path),
        `the InvalidSpecError for ${name} must name ${path} in its issues; got ${describeValue(issues)}`,
      );
    },
  }));
}

export function fixtureValidationCases(names: readonly string[]): ContractCase[] {
  return names.map((name) => ({
    id: fixtureInvalidSpecTestId(name),
    group: 'Validation',
    promise: refusedPromise(`fixtures.invalidSpecs['${name}']`),
    async run(ctx) {
      const spec = ctx.fixtures.invalidSpecs?.[name];
      assert.ok(spec, `fixtures.invalidSpecs has no entry ${name}`);
      await expectRefused(ctx, spec, `the invalid spec '${name}'`);
    },
  }));
}

export const everyProblemCases: ContractCase[] = [
  {
    id: 'spec.everyProblem',
    group: 'Validation',
    promise:
      'a spec with several problems is refused with one InvalidSpecError that lists every one of them: the image, an env name, a reserved label and the cpu at once',
    async run(ctx) {
      const valid = ctx.fixtures.longRunning;
      const spec: WorkerSpec = {
        ...valid,
        image: '',
        env: { ...valid.env, '1X': 'y' },
        labels: { ...valid.labels, 'hodei.io/x': 'v' },
        resources: { cpu: '-1' },
      };
      const issues = await expectRefused(ctx, spec, 'four problems');
      for (const path of ['image', 'env.1X', 'labels.hodei.io/x', 'resources.cpu']) {
        assert.ok(
          mentions(issues, path),
          `the InvalidSpecError must list every problem: ${path} is missing from ${describeValue(issues)}`,
        );
      }
    },
  },
  {
    id: 'spec.everyProblemWithProvider',
    group: 'Validation',
    fixture: 'invalidSpecs',
    promise:
      "the provider's own problems are listed in the same InvalidSpecError as the shared ones (each of fixtures.invalidSpecs, with a bad env name added)",
    async run(ctx) {
      for (const [name, invalid] of Object.entries(ctx.fixtures.invalidSpecs ?? {})) {
        const spec: WorkerSpec = { ...invalid, env: { ...invalid.env, '1X': 'y' } };
        const issues = await expectRefused(ctx, spec, `'${name}' and a bad env name`);
        assert.ok(
          mentions(issues, 'env.1X') && issues.some((issue) => issue.path !== 'env.1X'),
          `'${name}' with a bad env name must be refused with both problems in one InvalidSpecError; got ${describeValue(issues)}`,
        );
      }
    },
  },
];
