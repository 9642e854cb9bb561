import { inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import { DockerClient } from './client.js';
import { resolveDockerSettings } from './settings.js';

describe('DockerClient', () => {
  test('the options docker-modem formats for every request stay small', () => {
    // docker-modem runs util.inspect(options, { showHidden: true, depth: null }) on each
    // request, whatever its debug setting; the agent is part of those options.
    const client = new DockerClient(resolveDockerSettings({ providerId: 'inspect-test' }));
    try {
      const agent = (client as unknown as { agent: object }).agent;
      const text = inspect({ agent }, { showHidden: true, depth: null });
      expect(text).toContain('hodei docker provider');
      expect(text.length).toBeLessThan(200);
    } finally {
      client.close();
    }
  });
});
