import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLeanFetch, leanFetch } from '../../src/slack/lean-fetch.js';

describe('leanFetch', () => {
  let server: Server;
  let base: string;
  const seen: { method?: string; headers: Record<string, unknown>; body: string }[] = [];

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      seen.push({ method: req.method, headers: req.headers, body });
      if (req.url === '/empty') return res.writeHead(204).end();
      if (req.url === '/slow') return setTimeout(() => res.end('late'), 500);
      res
        .writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json', 'x-reason': 'because' })
        .end(JSON.stringify({ ok: true, echo: body }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('posts JSON and reads status, headers and body like fetch', async () => {
    const response = await leanFetch(`${base}/json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text":"hi"}',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-reason')).toBe('because');
    expect(await response.json()).toEqual({ ok: true, echo: '{"text":"hi"}' });
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '13' },
    });
  });

  it('sends URLSearchParams as a form', async () => {
    await leanFetch(`${base}/form`, { method: 'POST', body: new URLSearchParams({ a: '1', b: 'x y' }) });
    expect(seen.at(-1)).toMatchObject({
      body: 'a=1&b=x+y',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
    });
  });

  it('reports error statuses and empty bodies without throwing', async () => {
    expect((await leanFetch(`${base}/missing`)).status).toBe(404);
    const empty = await leanFetch(`${base}/empty`);
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe('');
  });

  it('honours an abort signal (web-api uses it for timeouts)', async () => {
    await expect(leanFetch(`${base}/slow`, { signal: AbortSignal.timeout(50) })).rejects.toThrow();
  });

  it('gives up on its own when no signal bounds the request (respond() passes none)', async () => {
    const started = Date.now();
    await expect(createLeanFetch(100)(`${base}/slow`, { method: 'POST', body: '{}' })).rejects.toMatchObject({
      code: 'ETIMEDOUT',
    });
    expect(Date.now() - started).toBeLessThan(400);
  });

  it('shows each answer to an observer before the caller reads it', async () => {
    const seenAnswers: { authorization: string | null; status: number; body: string }[] = [];
    const observed = createLeanFetch(1000, (request, status, body) =>
      seenAnswers.push({ authorization: request.get('authorization'), status, body: body.toString() }),
    );
    const response = await observed(`${base}/json`, {
      method: 'POST',
      headers: { Authorization: 'Bearer xoxb-1' },
      body: 'x',
    });
    expect(await response.json()).toEqual({ ok: true, echo: 'x' });
    await observed(`${base}/empty`);
    expect(seenAnswers).toEqual([{ authorization: 'Bearer xoxb-1', status: 200, body: '{"ok":true,"echo":"x"}' }]);
  });
});
