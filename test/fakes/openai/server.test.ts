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

const clientFor = (apiKey = API_KEY, timeout = 5_000) =>
  new OpenAI({ apiKey, baseURL: fake.url, maxRetries: 0, timeout });

beforeEach(async () => {
  fake = await startFakeOpenAI({ apiKey: API_KEY });
});

afterEach(async () => {
  await fake.close();
});

describe('fake OpenAI chat completions', () => {
  it('answers a scripted tool call the SDK parses, with usage from estimateTokens', async () => {
    fake.enqueue({ toolCalls: [{ name: 'search_contacts', arguments: { query: 'Ada' } }] });
    const completion = await clientFor().chat.completions.create({
      model: MODEL,
      messages,
      tools,
      tool_choice: 'auto',
    });

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
    fake.enqueue(
      { content: 'first' },
      {
        toolCalls: [
          { name: 'a', arguments: '{}' },
          { name: 'b', arguments: '{"x":1}' },
        ],
        content: 'thinking',
      },
    );
    const client = clientFor();
    expect((await client.chat.completions.create({ model: MODEL, messages })).choices[0]?.message.content).toBe(
      'first',
    );
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
    expect((await client.chat.completions.create({ model: MODEL, messages })).choices[0]?.message.content).toBe(
      'queued',
    );
    expect((await client.chat.completions.create({ model: MODEL, messages })).choices[0]?.message.content).toBe(
      'echo: find Ada Lovelace',
    );

    fake.reset();
    expect(fake.requests).toHaveLength(0);
    expect(await failure(client.chat.completions.create({ model: MODEL, messages }))).toBeInstanceOf(
      OpenAI.InternalServerError,
    );
  });

  it('rejects a wrong API key with AuthenticationError', async () => {
    fake.enqueue({ content: 'never sent' });
    const error = await failure(clientFor('sk-wrong').chat.completions.create({ model: MODEL, messages }));
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
  });

  it('lists its models as models.list() reads them, to the right key only', async () => {
    const page = await clientFor().models.list();
    expect(page.data).toEqual([
      { id: 'test-model', object: 'model', created: expect.any(Number), owned_by: 'fake-openai' },
    ]);
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

describe('fake OpenAI refuses what OpenAI refuses', () => {
  const tool = (name: string, parameters: Record<string, unknown>, strict?: boolean): ChatCompletionTool => ({
    type: 'function',
    function: { name, parameters, ...(strict === undefined ? {} : { strict }) },
  });
  // Nothing is queued: a request the checks let through would get the fake's 500 instead.
  const refusal = async (body: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming>) => {
    const error = await failure(clientFor().chat.completions.create({ model: MODEL, messages, ...body }));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    return error as InstanceType<typeof OpenAI.BadRequestError> & { param?: string };
  };

  it('names the tool whose parameters it cannot read, in param, for the whole request', async () => {
    const error = await refusal({
      tools: [...tools, tool('list_rows', { type: 'object', properties: { ids: { type: 'array' } } })],
    });
    expect(error.code).toBe('invalid_function_parameters');
    expect(error.param).toBe('tools[1].function.parameters');
    expect(error.message).toContain(
      "Invalid schema for function 'list_rows': In context=('properties', 'ids'), array schema missing items.",
    );
  });

  it('refuses, strict or not, a property without a type and a root that is not an object', async () => {
    expect(
      (await refusal({ tools: [tool('a', { type: 'object', properties: { value: { description: 'x' } } })] })).message,
    ).toContain("In context=('properties', 'value'), schema must have a 'type' key");
    expect((await refusal({ tools: [tool('a', { type: 'array', items: { type: 'string' } })] })).message).toContain(
      'schema must be a JSON Schema of \'type: "object"\', got \'type: "array"\'',
    );
    expect((await refusal({ tools: [tool('a', { type: 'object' })] })).message).toContain(
      'object schema missing properties',
    );
    expect((await refusal({ tools: [tool('bad name!', { type: 'object', properties: {} })] })).param).toBe(
      'tools[0].function.name',
    );
  });

  it('holds strict tools to the Structured Outputs subset', async () => {
    const closed = {
      type: 'object',
      properties: { a: { type: 'string' } },
      required: ['a'],
      additionalProperties: false,
    };
    const cases: [Record<string, unknown>, string][] = [
      [
        { ...closed, additionalProperties: undefined },
        "'additionalProperties' is required to be supplied and to be false",
      ],
      [{ ...closed, required: [] }, "Missing 'a'"],
      [
        { ...closed, properties: { a: { type: 'string', default: 'x' } } },
        "In context=('properties', 'a'), 'default' is not permitted",
      ],
      [{ ...closed, properties: { a: { type: 'string', format: 'uri' } } }, "format 'uri' is not supported"],
      [{ ...closed, anyOf: [closed] }, "root schema must not be 'anyOf'"],
    ];
    for (const [parameters, message] of cases)
      expect((await refusal({ tools: [tool('t', parameters, true)] })).message).toContain(message);

    let deep: Record<string, unknown> = { type: 'string' };
    for (let level = 0; level < 10; level++)
      deep = { type: 'object', properties: { next: deep }, required: ['next'], additionalProperties: false };
    expect((await refusal({ tools: [tool('t', deep, true)] })).message).toContain(
      '11 levels of nesting exceeds limit of 10',
    );
    // The same schema is fine non-strict, and a closed one strict.
    fake.enqueue({ content: 'ok' }, { content: 'ok' });
    await clientFor().chat.completions.create({
      model: MODEL,
      messages,
      tools: [tool('t', { ...deep, additionalProperties: undefined })],
    });
    await clientFor().chat.completions.create({ model: MODEL, messages, tools: [tool('t', closed, true)] });
  });

  it('refuses temperature 0 from reasoning models and parallel_tool_calls from the o-series', async () => {
    for (const model of ['gpt-5', 'gpt-5-mini', 'o3', 'o4-mini', 'openai/gpt-5.1']) {
      const error = await refusal({ model, temperature: 0 });
      expect(error).toMatchObject({ code: 'unsupported_value', param: 'temperature' });
      expect(error.message).toContain(
        "Unsupported value: 'temperature' does not support 0 with this model. Only the default (1) value is supported.",
      );
    }
    expect(await refusal({ model: 'o3-mini', parallel_tool_calls: false, tools })).toMatchObject({
      code: 'unsupported_parameter',
      param: 'parallel_tool_calls',
    });
    fake.enqueue({ content: 'ok' }, { content: 'ok' });
    await clientFor().chat.completions.create({
      model: 'gpt-5',
      messages,
      tools,
      parallel_tool_calls: false,
      tool_choice: 'required',
    });
    await clientFor().chat.completions.create({
      model: 'gpt-4.1-mini',
      messages,
      temperature: 0,
      parallel_tool_calls: false,
    });
  });
});

describe("fake OpenAI as Ollama's OpenAI-compatible endpoint", () => {
  beforeEach(async () => {
    await fake.close();
    fake = await startFakeOpenAI({ flavor: 'ollama', models: ['llama3.1:8b', 'qwen2.5:latest'] });
  });

  it('takes any key, ignores tool_choice and parallel_tool_calls, and answers tool calls in its shape', async () => {
    // Nothing is refused that Ollama lets through: a parameter OpenAI's reasoning models refuse, a tool OpenAI
    // cannot read.
    fake.enqueue({ toolCalls: [{ name: 'search_contacts', arguments: { query: 'Ada' } }] });
    const completion = await clientFor('ollama').chat.completions.create({
      model: 'llama3.1:8b',
      messages,
      tools: [...tools, { type: 'function', function: { name: 'loose', parameters: { type: 'object' } } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
    });
    expect(fake.requests[0]!.body).toMatchObject({ tool_choice: 'required', parallel_tool_calls: false });
    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: 'llama3.1:8b',
      system_fingerprint: 'fp_ollama',
    });
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBe('');
    expect(choice.message).not.toHaveProperty('refusal');
    expect(choice.message.tool_calls).toEqual([
      {
        id: 'call_1',
        index: 0,
        type: 'function',
        function: { name: 'search_contacts', arguments: '{"query":"Ada"}' },
      },
    ]);
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('answers in prose when scripted to, whatever tool_choice said', async () => {
    fake.enqueue({ content: 'Ada Lovelace is a contact at Acme.' });
    const completion = await clientFor('ollama').chat.completions.create({
      model: 'qwen2.5',
      messages,
      tools,
      tool_choice: 'required',
    });
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'stop',
      message: { role: 'assistant', content: 'Ada Lovelace is a contact at Acme.' },
    });
  });

  it('lists its models with their tags, refuses a model not pulled and a message without content', async () => {
    const listed = await clientFor('ollama').models.list();
    expect(listed.data).toEqual([
      { id: 'llama3.1:8b', object: 'model', created: expect.any(Number), owned_by: 'library' },
      { id: 'qwen2.5:latest', object: 'model', created: expect.any(Number), owned_by: 'library' },
    ]);
    const missing = await failure(clientFor('ollama').chat.completions.create({ model: 'llama3.2', messages }));
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect((missing as Error).message).toContain('model "llama3.2" not found, try pulling it first');
    const empty = await failure(
      clientFor('ollama').chat.completions.create({
        model: 'llama3.1:8b',
        messages: [...messages, { role: 'assistant', content: null }],
      }),
    );
    expect(empty).toBeInstanceOf(OpenAI.BadRequestError);
    expect((empty as Error).message).toContain('invalid message content type: <nil>');
  });
});
