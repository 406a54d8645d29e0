/**
 * The request parameters a model takes, so the bot sends only those. Each is configurable; the
 * defaults come from what is known of the model family and the server:
 *  - OpenAI's reasoning models (gpt-5*, o1/o3/o4*) take only the default temperature: 0 is a 400
 *    "Unsupported value: 'temperature' does not support 0 with this model" (tmc/langchaingo#1355,
 *    OpenHands/OpenHands#4131). The o-series refuse `parallel_tool_calls` altogether
 *    ("Unsupported parameter", langchain-ai/langchain#29704, evalstate/fast-agent#279).
 *  - Ollama's OpenAI-compatible endpoint has no `tool_choice` and no `parallel_tool_calls` (its
 *    ChatCompletionRequest in openai/openai.go; docs.ollama.com/api/openai-compatibility): both are
 *    ignored, so they are not sent. Its default address is port 11434.
 */
export interface ModelParams {
  /** Absent: not sent (the model's default). */
  temperature?: number;
  /** `required`: the model must call a tool. Absent: not sent (the server's default, usually auto). */
  toolChoice?: 'required' | 'auto';
  parallelToolCalls?: boolean;
}

/** What an OPENAI_* parameter setting says: a value, `omit` (never send it), or nothing (the family's default). */
export type ParamSetting<T> = T | 'omit' | undefined;

export interface ModelParamSettings {
  temperature: ParamSetting<number>;
  toolChoice: ParamSetting<'required' | 'auto'>;
  parallelToolCalls: ParamSetting<boolean>;
}

/**
 * The family's defaults, from the model's name (a provider prefix such as `openai/` aside) and the server's address.
 */
export function defaultModelParams(model: string, baseUrl: string | undefined): ModelParams {
  const name = model.split('/').pop()!.toLowerCase();
  const oSeries = /^o\d/.test(name);
  const reasoning = oSeries || name.startsWith('gpt-5');
  const ollama = isOllama(baseUrl);
  return {
    ...(reasoning ? {} : { temperature: 0 }),
    ...(ollama ? {} : { toolChoice: 'required' as const }),
    ...(oSeries || ollama ? {} : { parallelToolCalls: false }),
  };
}

function isOllama(baseUrl: string | undefined): boolean {
  if (!baseUrl) return false;
  try {
    const url = new URL(baseUrl);
    return url.port === '11434' || url.hostname.includes('ollama');
  } catch {
    return false;
  }
}

/** The family's defaults with the settings applied over them. */
export function modelParams(model: string, baseUrl: string | undefined, settings: ModelParamSettings): ModelParams {
  const defaults = defaultModelParams(model, baseUrl);
  const pick = <K extends keyof ModelParams>(
    key: K,
    setting: ParamSetting<NonNullable<ModelParams[K]>>,
  ): Pick<ModelParams, K> => {
    const value = setting === undefined ? defaults[key] : setting === 'omit' ? undefined : setting;
    return (value === undefined ? {} : { [key]: value }) as Pick<ModelParams, K>;
  };
  return {
    ...pick('temperature', settings.temperature),
    ...pick('toolChoice', settings.toolChoice),
    ...pick('parallelToolCalls', settings.parallelToolCalls),
  };
}
