// A fake OpenAI-compatible Chat Completions API on 127.0.0.1 for the real `openai` SDK: scripted replies
// (tool calls, plain content, HTTP errors, late answers) queued in order or computed from the request,
// every request recorded, and token usage from a fixed rule so the benchmark's prompt sizes are comparable.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { asOllamaCompletion, ollamaModelList, ollamaRequestProblem } from './ollama.js';
import { functionProblem } from './tool-schema.js';

/** The parsed request body: `model` a string, `messages` an array, and what requestProblem checks. */
export type ChatCompletionRequestBody = ChatCompletionCreateParamsNonStreaming;

export interface ChatRequestRecord {
  path: string;
  headers: Record<string, string | undefined>;
  body: ChatCompletionRequestBody;
  /** Wall-clock ms (Date.now()) when the request arrived. */
  at: number;
}

export type ScriptedReply =
  | {
      toolCalls: { name: string; arguments: string | Record<string, unknown> }[];
      content?: string | null;
      finishReason?: string;
    }
  | { content: string }
  /** An HTTP error (e.g. 429 with retry-after, 500); `body` defaults to OpenAI's error shape for the status. */
  | { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }
  /** Answer late (for client timeouts). */
  | { delayMs: number; then: ScriptedReply };

export interface FakeOpenAI {
  /** Base URL to give the SDK, ending in /v1. */
  url: string;
  requests: ChatRequestRecord[];
  /**
   * Queue replies answered in order; when the queue is empty, `fallback` answers (default: a 500 saying "no scripted
   * reply").
   */
  enqueue(...replies: ScriptedReply[]): void;
  /**
   * Answers computed from the request (used by the benchmark to pick a reply by the user's text); queued replies win
   * over it.
   */
  setResponder(responder: ((request: ChatRequestRecord) => ScriptedReply) | undefined): void;
  /** Clears requests, queue and responder (and restarts the id counters). */
  reset(): void;
  close(): Promise<void>;
}

export interface FakeOpenAIOptions {
  /** When set, requests must carry `authorization: Bearer <apiKey>` (else 401). */
  apiKey?: string;
  /** What `GET /v1/models` lists (default: test-model). */
  models?: string[];
  /**
   * `ollama`: Ollama's OpenAI-compatible endpoint where it differs (fakes/openai/ollama.ts): the key ignored,
   * tool_choice and parallel_tool_calls ignored, tools not validated, its answer and model list shapes, and a 404 for
   * a model not among `models`. Default `openai`.
   */
  flavor?: 'openai' | 'ollama';
}

/**
 * The fake's token count for a text: ceil(characters / 4), the usual rule of thumb, so prompt sizes are comparable run
 * to run.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

// ---- HTTP plumbing --------------------------------------------------------------------------------

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const CHAT_PATH = '/v1/chat/completions';
const MODELS_PATH = '/v1/models';

/** OpenAI's error envelope; `param` is part of it even when null. */
function openAIError(message: string, type: string, code: string | null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

/** The body OpenAI sends for an error status when the script gives none. */
function defaultErrorBody(status: number): ReturnType<typeof openAIError> {
  switch (status) {
    case 400:
      return openAIError('Invalid request (scripted by the fake).', 'invalid_request_error', null);
    case 401:
      return openAIError('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    case 403:
      return openAIError('You are not allowed to access this resource.', 'invalid_request_error', 'permission_denied');
    case 404:
      return openAIError(
        'The model does not exist or you do not have access to it.',
        'invalid_request_error',
        'model_not_found',
      );
    case 429:
      // Real rate-limit errors carry the limit kind as `type` ('requests' / 'tokens') and this code.
      return openAIError('Rate limit reached for requests. Please try again in 1s.', 'requests', 'rate_limit_exceeded');
    case 503:
      return openAIError('The server is overloaded or not ready yet.', 'server_error', null);
    default:
      return status >= 500
        ? openAIError('The server had an error while processing your request.', 'server_error', null)
        : openAIError(`Request failed with status ${status}.`, 'invalid_request_error', null);
  }
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/** Resolves after `ms`, or early once `signal` aborts (the client hung up), so no timer outlives the request. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  // A late answer may find the client gone (it timed out); writing then would only raise socket errors.
  if (res.destroyed || res.writableEnded) return;
  const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...(payload ? { 'content-type': 'application/json' } : {}),
    ...reply.headers,
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

// ---- the server -----------------------------------------------------------------------------------

/** OpenAI's answer to a missing or wrong key, on every endpoint. */
const INVALID_KEY: Reply = {
  status: 401,
  body: openAIError('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'),
};

class FakeOpenAIServer implements FakeOpenAI {
  url = '';
  readonly requests: ChatRequestRecord[] = [];
  private readonly queue: ScriptedReply[] = [];
  private responder: ((request: ChatRequestRecord) => ScriptedReply) | undefined;
  private completionCounter = 0;
  private toolCallCounter = 0;
  private readonly http = createServer((req, res) => void this.handle(req, res));

  constructor(
    private readonly apiKey: string | undefined,
    private readonly models: string[],
    private readonly flavor: 'openai' | 'ollama',
  ) {}

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.http.address() as AddressInfo).port}/v1`;
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.http.close((error) => (error ? reject(error) : resolve()));
      // The SDK's fetch keeps sockets alive; without this close() waits for them to time out.
      this.http.closeAllConnections();
    });
  }

  enqueue(...replies: ScriptedReply[]): void {
    this.queue.push(...replies);
  }

  setResponder(responder: ((request: ChatRequestRecord) => ScriptedReply) | undefined): void {
    this.responder = responder;
  }

  reset(): void {
    this.requests.length = 0;
    this.queue.length = 0;
    this.responder = undefined;
    this.completionCounter = 0;
    this.toolCallCounter = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // 'close' before we answered means the client hung up: cut any scripted delay short.
    const hangUp = new AbortController();
    res.on('close', () => hangUp.abort());
    try {
      const reply = await this.answer(req, hangUp.signal);
      if (reply) send(res, { ...reply, headers: { 'x-request-id': `req_${this.requests.length}`, ...reply.headers } });
    } catch (error) {
      send(res, { status: 500, body: openAIError(`Fake OpenAI failed: ${String(error)}`, 'server_error', null) });
    }
  }

  /** The reply to send, or undefined when the client is gone. */
  private async answer(req: IncomingMessage, signal: AbortSignal): Promise<Reply | undefined> {
    const method = (req.method ?? 'GET').toUpperCase();
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const raw = await readBody(req);
    // Ollama: "required but ignored".
    const authorized =
      this.flavor === 'ollama' || this.apiKey === undefined || req.headers.authorization === `Bearer ${this.apiKey}`;
    if (method === 'GET' && path === MODELS_PATH)
      return authorized ? { status: 200, body: this.modelList() } : INVALID_KEY;
    if (method !== 'POST' || path !== CHAT_PATH) {
      return { status: 404, body: openAIError(`Invalid URL (${method} ${path})`, 'invalid_request_error', null) };
    }

    const body = parseJson(raw);
    const record = isChatBody(body) ? { path, headers: flattenHeaders(req.headers), body, at: Date.now() } : undefined;
    // Recorded before the key check, so tests can inspect what a rejected client sent.
    if (record) this.requests.push(record);

    if (!authorized) return INVALID_KEY;
    if (!record) return { status: 400, body: invalidBody(body) };
    if (record.body.stream) {
      return {
        status: 400,
        body: openAIError(
          'The fake does not stream; call without stream: true.',
          'invalid_request_error',
          null,
          'stream',
        ),
      };
    }
    if (this.flavor === 'ollama') {
      const problem = ollamaRequestProblem(record.body, this.models);
      if (problem) return problem;
    } else {
      const refusal = requestProblem(record.body);
      if (refusal) return { status: 400, body: refusal };
    }

    const scripted = this.queue.shift() ?? this.responder?.(record);
    if (!scripted) {
      return {
        status: 500,
        body: openAIError(`Fake OpenAI: no scripted reply for request #${this.requests.length}`, 'server_error', null),
      };
    }
    return this.render(scripted, record, signal);
  }

  /**
   * OpenAI's "List models" (GET /v1/models): `{ object: 'list', data: [{ id, object: 'model',
   * created, owned_by }] }`, the shape the SDK's `models.list()` pages over (openai
   * resources/models.d.ts `Model`).
   */
  private modelList() {
    if (this.flavor === 'ollama') return ollamaModelList(this.models);
    return {
      object: 'list',
      data: this.models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake-openai' })),
    };
  }

  private async render(
    reply: ScriptedReply,
    record: ChatRequestRecord,
    signal: AbortSignal,
  ): Promise<Reply | undefined> {
    if ('then' in reply) {
      await sleep(reply.delayMs, signal);
      return signal.aborted ? undefined : this.render(reply.then, record, signal);
    }
    if ('status' in reply) {
      if (reply.delayMs) await sleep(reply.delayMs, signal);
      if (signal.aborted) return undefined;
      return { status: reply.status, body: reply.body ?? defaultErrorBody(reply.status), headers: reply.headers };
    }
    const completion = this.completion(reply, record.body);
    return { status: 200, body: this.flavor === 'ollama' ? asOllamaCompletion(completion) : completion };
  }

  private completion(
    reply: Extract<ScriptedReply, { content: string } | { toolCalls: unknown }>,
    request: ChatCompletionRequestBody,
  ): ChatCompletion {
    const toolCalls =
      'toolCalls' in reply
        ? reply.toolCalls.map((call) => ({
            id: `call_${++this.toolCallCounter}`,
            type: 'function' as const,
            function: {
              name: call.name,
              arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
            },
          }))
        : undefined;
    const content = reply.content ?? null;
    const finishReason = 'toolCalls' in reply ? (reply.finishReason ?? 'tool_calls') : 'stop';

    const promptTokens = estimateTokens(JSON.stringify({ messages: request.messages, tools: request.tools }));
    const completionTokens = estimateTokens(
      (content ?? '') + (toolCalls ?? []).map((call) => call.function.arguments).join(''),
    );
    return {
      id: `chatcmpl-fake-${++this.completionCounter}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      choices: [
        {
          index: 0,
          finish_reason: finishReason as ChatCompletion.Choice['finish_reason'],
          logprobs: null,
          message: { role: 'assistant', content, refusal: null, ...(toolCalls ? { tool_calls: toolCalls } : {}) },
        },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
    };
  }
}

function isChatBody(body: unknown): body is ChatCompletionRequestBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { model, messages } = body as Record<string, unknown>;
  return typeof model === 'string' && Array.isArray(messages);
}

/**
 * What OpenAI refuses before any model runs, first problem only, as it answers: a tool it cannot
 * read (fakes/openai/tool-schema.ts), and parameters the model family does not take. Reasoning
 * models (o1, o3, o4-mini, gpt-5) take only the default temperature 1 ("Unsupported value:
 * 'temperature' does not support 0 with this model. Only the default (1) value is supported.",
 * code unsupported_value: tmc/langchaingo#1355, OpenHands/OpenHands#4131), and the o-series no
 * parallel_tool_calls at all (code unsupported_parameter: langchain-ai/langchain#29704,
 * evalstate/fast-agent#279).
 */
function requestProblem(body: ChatCompletionRequestBody) {
  const tools: unknown = body.tools;
  if (tools !== undefined && !Array.isArray(tools))
    return openAIError(
      "Invalid type for 'tools': expected an array.",
      'invalid_request_error',
      'invalid_type',
      'tools',
    );
  for (const [index, tool] of (tools ?? []).entries()) {
    const problem = tool.type === 'function' ? functionProblem(tool.function) : undefined;
    if (problem) {
      const param = `tools[${index}].function.${problem.param}`;
      return openAIError(
        problem.param === 'name' ? `Invalid '${param}': ${problem.message}` : problem.message,
        'invalid_request_error',
        problem.code,
        param,
      );
    }
  }
  const family = body.model.split('/').pop() ?? '';
  const reasoning = /^(o\d|gpt-5)/.test(family);
  if (reasoning && body.temperature !== undefined && body.temperature !== null && body.temperature !== 1) {
    return openAIError(
      `Unsupported value: 'temperature' does not support ${String(body.temperature)} with this model. Only the default (1) value is supported.`,
      'invalid_request_error',
      'unsupported_value',
      'temperature',
    );
  }
  if (/^o\d/.test(family) && body.parallel_tool_calls !== undefined) {
    return openAIError(
      "Unsupported parameter: 'parallel_tool_calls' is not supported with this model.",
      'invalid_request_error',
      'unsupported_parameter',
      'parallel_tool_calls',
    );
  }
  return undefined;
}

/** OpenAI's 400 for a body without the required fields. */
function invalidBody(body: unknown) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return openAIError('We could not parse the JSON body of your request.', 'invalid_request_error', null);
  }
  const { model } = body as Record<string, unknown>;
  return typeof model === 'string'
    ? openAIError(
        "Missing required parameter: 'messages'.",
        'invalid_request_error',
        'missing_required_parameter',
        'messages',
      )
    : openAIError('you must provide a model parameter', 'invalid_request_error', null);
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const server = new FakeOpenAIServer(options.apiKey, options.models ?? ['test-model'], options.flavor ?? 'openai');
  await server.listen();
  return server;
}
