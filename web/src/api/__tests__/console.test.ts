import { describe, expect, it } from 'vitest';
import { consoleWebSocketUrl } from '../console';

describe('consoleWebSocketUrl', () => {
  const path = '/api/vms/0b0e/console/ws?ticket=abc_-';
  it('uses ws: on a plain-http page and wss: on https, on the page\'s own host', () => {
    expect(consoleWebSocketUrl(path, { protocol: 'http:', host: '10.0.0.5:3000' })).toBe(`ws://10.0.0.5:3000${path}`);
    expect(consoleWebSocketUrl(path, { protocol: 'https:', host: 'cloud.example.edu' })).toBe(`wss://cloud.example.edu${path}`);
  });
});
