import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { httpRoutes, type HttpRouteDeps } from '../../src/app/http-routes.js';
import { Metrics } from '../../src/observability/metrics.js';
import type { BotToken } from '../../src/slack/bot-token.js';
import { WorkLimiter } from '../../src/slack/work-limiter.js';

/** A response that records what the handler wrote, and settles when it ends. */
function response() {
  let done!: () => void;
  const ended = new Promise<void>((resolve) => (done = resolve));
  const seen = { status: 0, body: '', ended };
  const res = {
    writeHead(status: number) {
      seen.status = status;
      return res;
    },
    end(body: string) {
      seen.body = body;
      done();
      return res;
    },
  };
  return { res: res as unknown as ServerResponse, seen };
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined } as never;

function routes(overrides: Partial<HttpRouteDeps> = {}) {
  const deps: HttpRouteDeps = {
    store: { ping: async () => undefined },
    metrics: new Metrics(),
    alerts: { receiverOf: async () => undefined, receive: async () => ({ changes: 0, alerts: 0 }) },
    limiter: new WorkLimiter(1),
    logger: silent,
    isStopping: () => false,
    ...overrides,
  };
  return new Map(httpRoutes(deps).map((route) => [route.path, route]));
}

async function get(path: string, overrides: Partial<HttpRouteDeps> = {}) {
  const { res, seen } = response();
  routes(overrides)
    .get(path)!
    .handler({} as IncomingMessage, res);
  await seen.ended;
  return { status: seen.status, body: seen.body };
}

describe('the HTTP routes beside Slack', () => {
  it('serves the probes, the metrics and the EspoCRM webhook receiver', () => {
    expect([...routes().keys()]).toEqual(['/healthz', '/readyz', '/metrics', expect.stringMatching(/:token$/)]);
  });

  it('is alive while it runs', async () => {
    expect(await get('/healthz', { isStopping: () => true })).toEqual({ status: 200, body: 'ok' });
  });

  it('is ready when not stopping, Slack took the token and the database answers', async () => {
    expect(await get('/readyz')).toEqual({ status: 200, body: 'ready' });
    expect(await get('/readyz', { isStopping: () => true })).toEqual({ status: 503, body: 'shutting down' });
    const refused = { readinessProblem: () => 'Slack refused SLACK_BOT_TOKEN (invalid_auth)' } as unknown as BotToken;
    expect(await get('/readyz', { botToken: refused })).toEqual({
      status: 503,
      body: 'Slack refused SLACK_BOT_TOKEN (invalid_auth)',
    });
    const down = { ping: () => Promise.reject(new Error('ECONNREFUSED')) };
    expect(await get('/readyz', { store: down })).toEqual({ status: 503, body: 'database unreachable' });
  });

  it('exposes the metrics', async () => {
    const { status, body } = await get('/metrics');
    expect(status).toBe(200);
    expect(body).toContain('# HELP');
  });
});
