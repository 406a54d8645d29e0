import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai/server.js';
import { checkModel } from '../../src/llm/model-check.js';
import { freePort } from '../support/harness.js';

describe('the model endpoint check', () => {
  let openai: FakeOpenAI;
  /** Answers GET /v1/models with the status in the path's first segment, in OpenAI's error envelope. */
  let failing: Server;
  let failingUrl: (status: number) => string;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ apiKey: 'sk-right', models: ['gpt-4.1-mini', 'test-model'] });
    failing = createServer((req, res) => {
      const status = Number(req.url?.split('/')[1]);
      res.writeHead(status, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          error: { message: `status ${status}`, type: 'invalid_request_error', param: null, code: null },
        }),
      );
    });
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    failingUrl = (status) => `http://127.0.0.1:${(failing.address() as AddressInfo).port}/${status}/v1`;
  });
  afterAll(async () => {
    await openai.close();
    failing.close();
  });

  const check = (options: { apiKey?: string; baseUrl?: string; model?: string; timeoutMs?: number } = {}) =>
    checkModel({ apiKey: 'sk-right', baseUrl: openai.url, model: 'test-model', timeoutMs: 2000, ...options });

  it('lists the models, and finds the one configured', async () => {
    expect(await check()).toEqual({ outcome: 'ok', value: {} });
    expect(openai.requests).toHaveLength(0);
  });

  it('warns when the endpoint does not list the configured model', async () => {
    expect(await check({ model: 'gpt-5-typo' })).toEqual({
      outcome: 'ok',
      value: { warning: `OPENAI_MODEL gpt-5-typo is not among the 2 models ${openai.url} lists` },
    });
  });

  it('finds a model on Ollama by its name with or without the :latest tag, whatever the key', async () => {
    const ollama = await startFakeOpenAI({ flavor: 'ollama', models: ['llama3.1:latest', 'qwen2.5:7b'] });
    try {
      const onOllama = (model: string) => check({ baseUrl: ollama.url, apiKey: 'ollama', model });
      expect(await onOllama('llama3.1')).toEqual({ outcome: 'ok', value: {} });
      expect(await onOllama('qwen2.5:7b')).toEqual({ outcome: 'ok', value: {} });
      expect(await onOllama('qwen2.5')).toEqual({
        outcome: 'ok',
        value: { warning: `OPENAI_MODEL qwen2.5 is not among the 2 models ${ollama.url} lists` },
      });
    } finally {
      await ollama.close();
    }
  });

  it('a key the endpoint refuses (401) is refused, naming OPENAI_API_KEY and the way back to commands only', async () => {
    expect(await check({ apiKey: 'sk-wrong' })).toMatchObject({
      outcome: 'refused',
      variables: ['OPENAI_API_KEY'],
      message: `OPENAI_API_KEY was refused by ${openai.url} (401 invalid_api_key): set a key that endpoint accepts, or leave OPENAI_API_KEY empty to run with commands only`,
    });
  });

  it('a key that may not list models (403) only warns; a server without a model list (404) has answered', async () => {
    expect(await check({ baseUrl: failingUrl(403) })).toEqual({
      outcome: 'ok',
      value: {
        warning: `the key may not list models at ${failingUrl(403)} (403); chat is tried only when someone asks`,
      },
    });
    expect(await check({ baseUrl: failingUrl(404) })).toEqual({ outcome: 'ok', value: {} });
  });

  it('an endpoint that is down or does not answer is unavailable', async () => {
    expect(await check({ baseUrl: failingUrl(503) })).toEqual({ outcome: 'unreachable', reason: 'HTTP 503' });
    expect(await check({ baseUrl: `http://127.0.0.1:${await freePort()}/v1` })).toEqual({
      outcome: 'unreachable',
      reason: 'ECONNREFUSED',
    });
  });
});
