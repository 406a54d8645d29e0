import OpenAI from 'openai';
import { systemErrorCode, type SettingCheck } from '../config/setting-error.js';

/** The OpenAI SDK's default base URL, where the bot goes without OPENAI_BASE_URL. */
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export interface ModelEndpoint {
  /** Worth saying, not worth stopping for: the key may not list models, or the model is not listed. */
  warning?: string;
}

/**
 * Asks the endpoint for its models (`GET {base}/models`, the SDK's `models.list()`): cheap, needs
 * the key, generates nothing. A 401 is the endpoint refusing OPENAI_API_KEY itself (OpenAI's
 * invalid_api_key; vLLM and LiteLLM guard every route with the same key): refused. A 403 is not:
 * an OpenAI key restricted to chat may not list models (api.model.read), so it is a warning, as
 * is a model the list does not have. A server that lists no models (404) has answered.
 */
export async function checkModel(options: {
  apiKey: string;
  baseUrl?: string;
  model: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}): Promise<SettingCheck<ModelEndpoint>> {
  const baseUrl = options.baseUrl ?? OPENAI_DEFAULT_BASE_URL;
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: baseUrl,
    maxRetries: 0,
    timeout: options.timeoutMs,
    fetch: options.fetch,
  });
  try {
    const page = await client.models.list();
    const listed = page.data.map((model) => model.id);
    if (listed.length && !isListed(listed, options.model)) {
      return {
        outcome: 'ok',
        value: { warning: `OPENAI_MODEL ${options.model} is not among the ${listed.length} models ${baseUrl} lists` },
      };
    }
    return { outcome: 'ok', value: {} };
  } catch (error) {
    if (error instanceof OpenAI.AuthenticationError) {
      return {
        outcome: 'refused',
        variables: ['OPENAI_API_KEY'],
        message: `OPENAI_API_KEY was refused by ${baseUrl} (401${error.code ? ` ${error.code}` : ''}): set a key that endpoint accepts, or leave OPENAI_API_KEY empty to run with commands only`,
        cause: error,
      };
    }
    if (error instanceof OpenAI.PermissionDeniedError)
      return {
        outcome: 'ok',
        value: { warning: `the key may not list models at ${baseUrl} (403); chat is tried only when someone asks` },
      };
    if (error instanceof OpenAI.NotFoundError) return { outcome: 'ok', value: {} };
    if (error instanceof OpenAI.APIConnectionTimeoutError)
      return { outcome: 'unreachable', reason: `no answer in ${options.timeoutMs} ms` };
    if (error instanceof OpenAI.APIError && error.status)
      return { outcome: 'unreachable', reason: `HTTP ${error.status}` };
    return { outcome: 'unreachable', reason: systemErrorCode(error) ?? String((error as Error)?.message ?? error) };
  }
}

/**
 * Ollama lists models by full name and tag (`llama3.1:latest`, ollama/ollama openai/openai.go ToListCompletion) and
 * takes a name without a tag as `:latest`.
 */
function isListed(listed: string[], model: string): boolean {
  return listed.includes(model) || (!model.includes(':') && listed.includes(`${model}:latest`));
}
