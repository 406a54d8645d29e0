// Drives the fake with the real `openai` SDK, so the fake stays faithful to the paths, bodies and error
// handling the SDK actually uses.
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { estimateTokens, startFakeOpenAI, type FakeOpenAI } from '../../../fakes/openai/server.js';
import { failure } from '../../support/failure.js';

const API_KEY = 'sk-test';
const MODEL = 'gpt-test';

const tools: ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'search_contacts',
      description: 'Find contacts by name',
      parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
    },
  },
];
const messages: ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You work with EspoCRM.' },
  { role: 'user', content: 'find Ada Lovelace' },
];

let fake: FakeOpenAI;

const clientFor = (apiKey = API_KEY, timeout = 5_000) => new OpenAI({ apiKey, baseURL: fake.url, maxRetries: 0, timeout });


beforeEach(async () => {
  fake = await startFakeOpenAI({ apiKey: API_KEY });
});

afterEach(async () => {
  await fake.close();
});

describe('fake OpenAI chat completions', () => {
  it('answers a scripted tool call the SDK parses, with usage from estimateTokens', async () => {
    fake.enqueue({ toolCalls: [{ name: 'search_contacts', arguments: { query: 'Ada' } }] });
    const completion = await clientFor().chat.completions.create({ model: MODEL, messages, tools, tool_choice: 'auto' });

    expect(completion).toMatchObject({ object: 'chat.completion', model: MODEL });
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    expect(choice?.message.tool_calls).toEqual([
      { id: 'call_1', type: 'function', function: { name: 'search_contacts', arguments: '{"query":"Ada"}' } },
    ]);

    const promptTokens = estimateTokens(JSON.stringify({ messages, tools }));
    expect(promptTokens).toBeGreaterThan(0);
    expect(completion.usage).toEqual({
      prompt_tokens: promptTokens,
      completion_tokens: estimateTokens('{"query":"Ada"}'),
      total_tokens: promptTokens + estimateTokens('{"query":"Ada"}'),
    });
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('records the request body with tools, path and headers', async () => {
    fake.enqueue({ content: 'ok' });
    await clientFor().chat.completions.create({ model: MODEL, messages, tools, tool_choice: 'required' });

    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0];
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request?.body).toMatchObject({ model: MODEL, messages, tools, tool_choice: 'required' });
    expect(request?.at).toBeGreaterThan(0);
  });

  it('answers a content-only reply with finish_reason stop and no tool calls', async () => {
    fake.enqueue({ content: 'Hello there' });
    const completion = await clientFor().chat.completions.create({ model: MODEL, messages });

    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('stop');
    expect(choice?.message).toMatchObject({ role: 'assistant', content: 'Hello there' });
    expect(choice?.message.tool_calls).toBeUndefined();
    expect(completion.usage?.completion_tokens).toBe(estimateTokens('Hello there'));
    expect(completion.usage?.prompt_tokens).toBe(estimateTokens(JSON.stringify({ messages })));
  });

  it('answers queued replies in order, then falls back to a 500', async () => {
    fake.enqueue({ content: 'first' }, { toolCalls: [{ name: 'a', arguments: '{}' }, { name: 'b', arguments: '{"x":1}' }], content: 'thinking' });
    const client = clientFor();
    expect((await client.chat.completions.create({ model: MODEL, messages })).choices[0]?.message.content).toBe('first');
    const second = (await client.chat.completions.create({ model: MODEL, messages })).choices[0]?.message;
    expect(second?.content).toBe('thinking');
    expect(second?.tool_calls?.map((call) => call.id)).toEqual(['call_1', 'call_2']);

    const error = await failure(client.chat.completions.create({ model: MODEL, messages }));
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.InternalServerError>).message).toMatch(/no scripted reply/);
  });

  it('surfaces a scripted 429 as RateLimitError with its headers', async () => {
    fake.enqueue({ status: 429, headers: { 'retry-after': '7' } });
    const error = await failure(clientFor().chat.completions.create({ model: MODEL, messages }));

    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.code).toBe('rate_limit_exceeded');
    expect(rateLimit.headers.get('retry-after')).toBe('7');
  });

  it('a late reply trips the client timeout, and the server survives the hang-up', async () => {
    fake.enqueue({ delayMs: 1_000, then: { content: 'too late' } }, { content: 'on time' });
    const error = await failure(clientFor(API_KEY, 100).chat.completions.create({ model: MODEL, messages }));
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);

    const next = await clientFor().chat.completions.create({ model: MODEL, messages });
    expect(next.choices[0]?.message.content).toBe('on time');
  });

  it('a delayed error answers after the delay', async () => {
    fake.enqueue({ status: 500, delayMs: 50 });
    const started = Date.now();
    const error = await failure(clientFor().chat.completions.create({ model: MODEL, messages }));
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('uses the responder when the queue is empty; queued replies win; reset clears it', async () => {
    fake.setResponder((request) => {
      const last = request.body.messages.at(-1);
      return { content: `echo: ${typeof last?.content === 'string' ? last.content : ''}` };
    });
    fake.enqueue({ content: 'queued' });
    const client = clientFor();
    expect((await client.chat.completions.create({ model: MODEL, messages })).choices[0]?.message.content).toBe('queued');
    expect((await client.chat.completions.create({ model: MODEL, messages })).choices[0]?.message.content).toBe('echo: find Ada Lovelace');

    fake.reset();
    expect(fake.requests).toHaveLength(0);
    expect(await failure(client.chat.completions.create({ model: MODEL, messages }))).toBeInstanceOf(OpenAI.InternalServerError);
  });

  it('rejects a wrong API key with AuthenticationError', async () => {
    fake.enqueue({ content: 'never sent' });
    const error = await failure(clientFor('sk-wrong').chat.completions.create({ model: MODEL, messages }));
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
  });

  it('lists its models as models.list() reads them, to the right key only', async () => {
    const page = await clientFor().models.list();
    expect(page.data).toEqual([{ id: 'test-model', object: 'model', created: expect.any(Number), owned_by: 'fake-openai' }]);
    const error = await failure(clientFor('sk-wrong').models.list());
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(fake.requests).toHaveLength(0);
  });

  it('answers unknown paths with a 404 JSON error', async () => {
    const response = await fetch(`${fake.url}/embeddings`, { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('closes with keep-alive connections still open', async () => {
    fake.enqueue({ content: 'ok' });
    await clientFor().chat.completions.create({ model: MODEL, messages });
    const started = Date.now();
    await fake.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    fake = await startFakeOpenAI(); // afterEach closes this one
  });
});
