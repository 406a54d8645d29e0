import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MembraneAxiosInstance } from '@membranehq/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { membraneClient } from '../../../src/crm/membrane/client.js';
import { inRequestScope, withDeadline } from '../../../src/observability/request-scope.js';

describe('the Membrane client', () => {
  let server: Server;
  let apiUri: string;
  let seen: { headers: IncomingHttpHeaders }[] = [];
  /** How long the server waits before answering. */
  let delayMs = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ headers: req.headers });
      if (req.url?.startsWith('/moved')) {
        res.writeHead(302, { location: '/self' }).end();
        return;
      }
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"name":"T1"}'), delayMs);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    apiUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  const client = () =>
    membraneClient({ kind: 'workspace', workspaceKey: 'ws-key', workspaceSecret: 'ws-secret' }, apiUri, 'T1', 300);

  it('leaves the axios instance the SDK shares with every client as it was', async () => {
    const before = { ...MembraneAxiosInstance.defaults, headers: undefined };
    await inRequestScope('req-1', () => client().get('/self'));
    expect({ ...MembraneAxiosInstance.defaults, headers: undefined }).toEqual(before);
  });

  it("sends the request's id, so Membrane's logs can be matched with ours", async () => {
    seen = [];
    await inRequestScope('req-2', () => client().get('/self'));
    expect(seen.map(({ headers }) => headers['x-request-id'])).toEqual(['req-2']);
  });

  it('follows no redirect', async () => {
    seen = [];
    await expect(client().get('/moved')).rejects.toMatchObject({ response: { status: 302 } });
    expect(seen).toHaveLength(1);
  });

  it("ends a request at its timeout, or at the call's deadline when that comes first", async () => {
    delayMs = 1000;
    try {
      await expect(client().get('/self')).rejects.toMatchObject({ code: 'ECONNABORTED' });
      const started = Date.now();
      await expect(withDeadline(Date.now() + 50, () => client().get('/self'))).rejects.toMatchObject({
        code: 'ECONNABORTED',
      });
      expect(Date.now() - started).toBeLessThan(250);
    } finally {
      delayMs = 0;
    }
  });
});
