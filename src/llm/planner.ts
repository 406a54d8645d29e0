import OpenAI from 'openai';
import type {
  ChatCompletion,
  ChatCompletionMessageParam,
  ChatCompletionMessageToolCall,
} from 'openai/resources/chat/completions';
import type { ModelParams } from '../config/model-params.js';
import { AppError } from '../core/errors.js';
import type { Logger, TokenUsage } from '../core/ports.js';
import type { Plan, PlanRequest, Planner } from '../core/conversation/ports.js';
import { currentRequestId } from '../observability/request-scope.js';
import { buildMessages } from './prompt.js';
import { buildToolset, parseToolCall, withoutTool, type ParsedCall, type Toolset } from './tools.js';
import { commandText } from '../core/text.js';

export interface OpenAiPlannerOptions {
  apiKey: string;
  baseUrl?: string;
  model: string;
  /** Only what the model takes is sent (src/config/model-params.ts). */
  params: ModelParams;
  /** Per model call. Someone is waiting in Slack, so this is seconds, not the SDK's ten minutes. */
  timeoutMs: number;
  fetch?: typeof fetch;
  /** Sees every model call: its outcome, duration and tokens (the metrics). */
  observer?: ModelCallObserver;
  /** False (MODEL_SEES_CRM_DATA=false): no record text is sent, only schemas and ids. Default true. */
  seesCrmData?: boolean;
  /** Hears of tools left out of a request, and of replies in prose. */
  logger?: Logger;
}

export interface ModelCallObserver {
  modelCall(outcome: 'ok' | 'error', seconds: number, tokens: { prompt: number; completion: number }): void;
}

/** Below this, a model call cannot be expected to answer; say "busy" instead of trying. */
const MIN_CALL_MS = 500;

/** What one plan may spend on model calls, its first call and its repair together: someone is waiting. */
interface CallBudget {
  deadline: number;
  /** The one quick retry the whole plan gets, whichever of its calls needs it. */
  retryLeft: boolean;
  /** The one tool the provider may refuse before the plan gives up: it is dropped and the call made again. */
  dropLeft: boolean;
}

/** The tools of one plan; a tool the provider refuses is taken out for the rest of the plan. */
interface PlanState {
  toolset: Toolset;
}

const BUSY = `The language model is busy right now, so I could not work that out. Please try again in a minute, or use ${commandText()} commands meanwhile.`;

/**
 * Plans one step with any OpenAI-compatible Chat Completions endpoint: the intent-search candidates
 * and two tools of our own (ask, REST proxy), exactly one call wanted. The reply is never trusted:
 * none, several or invalid calls are all handled, and an invalid one gets one repair round-trip
 * with the validator's message before we give up politely.
 */
export class OpenAiPlanner implements Planner {
  private readonly client: OpenAI;

  constructor(private readonly options: OpenAiPlannerOptions) {
    // No SDK retries: it would honour any Retry-After (a 60 s wait) and keep the person waiting.
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseUrl,
      maxRetries: 0,
      timeout: options.timeoutMs,
      fetch: options.fetch,
    });
  }

  async plan(request: PlanRequest): Promise<Plan> {
    const built = buildToolset(request.actions, { reports: request.asksForNumbers });
    for (const left of built.left)
      this.options.logger?.warn({ action: left.key, reason: left.reason }, 'an action is not offered to the model');
    const state: PlanState = { toolset: built };
    const messages = buildMessages(request, this.options.seesCrmData === false ? 'ids' : 'names');
    const usage: TokenUsage = { promptTokens: 0, completionTokens: 0, modelCalls: 0 };
    // The whole plan, repair and retry included, gets two calls' worth of time and one retry.
    const budget: CallBudget = { deadline: Date.now() + 2 * this.options.timeoutMs, retryLeft: true, dropLeft: true };

    const first = await this.complete(messages, state, usage, budget);
    const attempt = this.read(first, state.toolset, request);
    if (attempt.step) return { step: attempt.step, usage, ignoredCalls: attempt.ignoredCalls };
    if (!attempt.calls.length) throw notUnderstood(usage);

    // One repair: the model sees its own calls and, for each, what was wrong with it.
    const repairMessages: ChatCompletionMessageParam[] = [
      ...messages,
      { role: 'assistant', content: first.choices[0]?.message.content ?? null, tool_calls: attempt.calls },
      ...attempt.calls.map((call, index) => ({
        role: 'tool' as const,
        tool_call_id: call.id,
        content: `Error: ${attempt.problems[index]} Call one tool again with corrected arguments.`,
      })),
    ];
    const second = await this.complete(repairMessages, state, usage, budget);
    const repaired = this.read(second, state.toolset, request);
    if (repaired.step) return { step: repaired.step, usage, ignoredCalls: repaired.ignoredCalls };
    throw new AppError(
      'not_understood',
      `I could not turn that into a valid request${repaired.problems[0] ? ` (${repaired.problems[0]})` : ''}. Try saying it another way, or use ${commandText('help')} for the exact commands.`,
      { usage },
    );
  }

  /** The first usable call wins; a clarifying question among several calls is asked first. */
  private read(completion: ChatCompletion, toolset: Toolset, request: PlanRequest) {
    const message = completion.choices[0]?.message;
    const calls = (message?.tool_calls ?? []).filter(
      (call): call is Extract<ChatCompletionMessageToolCall, { type: 'function' }> => call.type === 'function',
    );
    if (!calls.length) {
      // Words instead of a tool call (a server that ignores tool_choice, a small model): nothing was looked up.
      const text = message?.content?.trim();
      if (text)
        this.options.logger?.info(
          { model: this.options.model, characters: text.length },
          'the model answered in prose instead of calling a tool',
        );
      return {
        step: text ? ({ kind: 'prose', text } as const) : undefined,
        calls,
        problems: [] as string[],
        ignoredCalls: 0,
      };
    }
    const parsed: ParsedCall[] = calls.map((call) => parseToolCall(toolset, call.function, request));
    const usable = parsed.flatMap((result) => (result.ok ? [result.step] : []));
    const step = usable.find((candidate) => candidate.kind === 'clarify') ?? usable[0];
    return {
      step,
      calls,
      problems: parsed.map((result) => (result.ok ? 'This call was fine, but only one call is used.' : result.problem)),
      ignoredCalls: calls.length - (step ? 1 : 0),
    };
  }

  private async complete(
    messages: ChatCompletionMessageParam[],
    state: PlanState,
    usage: TokenUsage,
    budget: CallBudget,
  ): Promise<ChatCompletion> {
    const { params } = this.options;
    const call = async () => {
      const remaining = budget.deadline - Date.now();
      if (remaining < MIN_CALL_MS) throw new OpenAI.APIConnectionTimeoutError();
      const body = {
        model: this.options.model,
        messages,
        tools: state.toolset.tools,
        ...(params.toolChoice ? { tool_choice: params.toolChoice } : {}),
        ...(params.parallelToolCalls !== undefined ? { parallel_tool_calls: params.parallelToolCalls } : {}),
        ...(params.temperature !== undefined ? { temperature: params.temperature } : {}),
      };
      // Counted as it is sent: a call the deadline stopped cost nothing.
      usage.modelCalls += 1;
      const requestId = currentRequestId();
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const completion = await this.client.chat.completions.create(body, {
          timeout: Math.min(this.options.timeoutMs, remaining),
          ...(requestId ? { headers: { 'x-request-id': requestId } } : {}),
        });
        this.options.observer?.modelCall('ok', seconds(), {
          prompt: completion.usage?.prompt_tokens ?? 0,
          completion: completion.usage?.completion_tokens ?? 0,
        });
        return completion;
      } catch (error) {
        this.options.observer?.modelCall('error', seconds(), { prompt: 0, completion: 0 });
        throw error;
      }
    };
    const withRetry = () =>
      call().catch(async (error: unknown) => {
        // One quick retry per plan for a dropped connection or a server error; never for a timeout or 429.
        if (!budget.retryLeft || !isTransient(error)) throw error;
        budget.retryLeft = false;
        return call();
      });
    let completion: ChatCompletion;
    try {
      completion = await withRetry().catch(async (error: unknown) => {
        // One tool the provider cannot read fails the whole request: ask once more without it.
        const smaller = budget.dropLeft ? this.withoutRefusedTool(error, state.toolset) : undefined;
        if (!smaller) throw error;
        budget.dropLeft = false;
        state.toolset = smaller;
        return withRetry();
      });
    } catch (error) {
      throw toModelError(error, usage);
    }
    usage.promptTokens += completion.usage?.prompt_tokens ?? 0;
    usage.completionTokens += completion.usage?.completion_tokens ?? 0;
    return completion;
  }

  /**
   * OpenAI names the tool it refuses in `param` (400 `invalid_function_parameters`, param
   * `tools[3].function.parameters`): the toolset without it, or undefined when the error is
   * another one or names no action's tool.
   */
  private withoutRefusedTool(error: unknown, toolset: Toolset): Toolset | undefined {
    if (!(error instanceof OpenAI.BadRequestError) || error.code !== 'invalid_function_parameters') return undefined;
    const index = /^tools\[(\d+)\]/.exec(String(error.param ?? ''))?.[1];
    const smaller =
      index === undefined
        ? undefined
        : withoutTool(toolset, Number(index), 'the model provider refused its parameters');
    const refused = smaller?.left.at(-1)?.key;
    this.options.logger?.warn(
      { action: refused, param: error.param, problem: error.message },
      refused
        ? 'the model provider refused a tool; asking again without it'
        : 'the model provider refused a tool that cannot be left out',
    );
    return smaller;
  }
}

function isTransient(error: unknown): boolean {
  if (error instanceof OpenAI.APIConnectionTimeoutError) return false;
  if (error instanceof OpenAI.APIConnectionError) return true;
  return error instanceof OpenAI.APIError && typeof error.status === 'number' && error.status >= 500;
}

/** `usage` is read when the error is logged, after the failed call has been counted. */
function toModelError(error: unknown, usage: TokenUsage): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof OpenAI.AuthenticationError || error instanceof OpenAI.PermissionDeniedError) {
    return new AppError(
      'model_busy',
      `The language model refused our credentials, so plain language is unavailable. Please tell whoever runs this bot; ${commandText()} commands still work.`,
      { cause: error, usage },
    );
  }
  if (
    error instanceof OpenAI.BadRequestError ||
    error instanceof OpenAI.NotFoundError ||
    error instanceof OpenAI.UnprocessableEntityError
  ) {
    return new AppError(
      'not_understood',
      `The language model could not handle that request. Try saying it another way, or use ${commandText('help')} for the exact commands.`,
      { cause: error, usage },
    );
  }
  return new AppError('model_busy', BUSY, { cause: error, usage });
}

function notUnderstood(usage: TokenUsage): AppError {
  return new AppError(
    'not_understood',
    `I'm not sure what to do with that. Try saying it another way (for example “show my open deals”), or ${commandText('help')} for the exact commands.`,
    { usage },
  );
}
