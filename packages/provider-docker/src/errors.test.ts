import { CancelledError, ProviderError } from '@hodei/lifecycle-core';
import { describe, expect, test } from 'vitest';
import { isRetryable, toLifecycleError } from './errors.js';

const http = (statusCode: number, message = 'nope') =>
  Object.assign(new Error(`(HTTP code ${statusCode})`), { statusCode, json: { message } });

describe('error mapping', () => {
  test('5xx, 429 and 408 are retryable; other 4xx are not; the status is kept', () => {
    for (const [status, retryable] of [
      [500, true],
      [503, true],
      [429, true],
      [408, true],
      [400, false],
      [404, false],
      [409, false],
    ] as const) {
      const error = toLifecycleError('d', 'do it', http(status, 'engine says no'));
      expect(ProviderError.isInstance(error)).toBe(true);
      expect(error.retryable).toBe(retryable);
      expect((error as ProviderError).status).toBe(status);
      expect(error.message).toContain('engine says no');
    }
  });

  test('no connection and timeouts are retryable, with the errno as status', () => {
    for (const code of ['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE']) {
      const error = toLifecycleError('d', 'ping', Object.assign(new Error(code), { code }));
      expect(error.retryable).toBe(true);
      expect((error as ProviderError).status).toBe(code);
    }
    const timeout = Object.assign(new Error('aborted'), {
      name: 'AbortError',
      cause: Object.assign(new Error('t'), { name: 'TimeoutError' }),
    });
    const mapped = toLifecycleError('d', 'inspect', timeout) as ProviderError;
    expect([mapped.retryable, mapped.status]).toEqual([true, 'ETIMEDOUT']);
    expect(isRetryable(new Error('something else'))).toBe(false);
  });

  test("an abort through the caller's signal is CancelledError", () => {
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(CancelledError.isInstance(toLifecycleError('d', 'stop', abort))).toBe(true);
  });
});
