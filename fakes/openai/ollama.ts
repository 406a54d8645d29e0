// How Ollama's OpenAI-compatible endpoint (http://127.0.0.1:11434/v1) differs from OpenAI's, for the fake's
// `flavor: 'ollama'`. By source, ollama/ollama openai/openai.go as of commit 634c416 (ChatCompletionRequest,
// ToChatCompletion, ToToolCalls, ToListCompletion, FromChatRequest, NewError) and
// docs.ollama.com/api/openai-compatibility:
//  - The request struct has no `tool_choice` and no `parallel_tool_calls`: Go's decoder drops unknown fields, so
//    both are ignored, not refused; the model may answer in prose whatever was asked (ollama/ollama#4386). Tools are
//    passed to the model's template, not validated as OpenAI validates them. The key is "required but ignored".
//  - A message whose content is neither text nor parts is refused unless it carries tool calls:
//    400 "invalid message content type: <nil>", NewError's envelope (type invalid_request_error, code null).
//  - The answer: `system_fingerprint: "fp_ollama"`, content "" beside tool calls, each tool call with an `index`,
//    finish_reason "tool_calls" whenever there are tool calls; usage from Ollama's prompt_eval_count/eval_count;
//    `logprobs` only when asked for, no `refusal`.
//  - GET /v1/models lists the pulled models by full name with tag (`llama3.1:8b`, `qwen2.5:latest`), `created` from
//    their modification time, `owned_by` the name's namespace (`library` for the official ones).
//  - A model that was not pulled: 404 'model "x" not found, try pulling it first' (type not_found_error).
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming as ChatCompletionRequestBody,
} from 'openai/resources/chat/completions';

/** Ollama's error envelope (NewError): a type by status, `param` and `code` always null. */
function ollamaError(status: number, message: string) {
  const type = status === 400 ? 'invalid_request_error' : status === 404 ? 'not_found_error' : 'api_error';
  return { error: { message, type, param: null, code: null } };
}

/** What Ollama refuses before the model runs: the status and body, or undefined. */
export function ollamaRequestProblem(
  body: ChatCompletionRequestBody,
  models: string[],
): { status: number; body: unknown } | undefined {
  for (const message of body.messages) {
    const { content } = message as { content?: unknown; tool_calls?: unknown[] };
    const toolCalls = (message as { tool_calls?: unknown[] }).tool_calls;
    if (typeof content !== 'string' && !Array.isArray(content) && !toolCalls?.length)
      return { status: 400, body: ollamaError(400, 'invalid message content type: <nil>') };
  }
  // Ollama resolves a name without a tag to `:latest`.
  const name = body.model.includes(':') ? body.model : `${body.model}:latest`;
  if (!models.includes(name))
    return { status: 404, body: ollamaError(404, `model "${body.model}" not found, try pulling it first`) };
  return undefined;
}

/** GET /v1/models as Ollama answers it (ToListCompletion). */
export function ollamaModelList(models: string[]) {
  return {
    object: 'list',
    data: models.map((id) => ({ id, object: 'model', created: 1_733_000_000, owned_by: 'library' })),
  };
}

/** An OpenAI-shaped completion in Ollama's shape (ToChatCompletion): what the SDK then hands the bot. */
export function asOllamaCompletion(completion: ChatCompletion): unknown {
  const { logprobs: _logprobs, message, ...choice } = completion.choices[0]!;
  const { refusal: _refusal, tool_calls: toolCalls, ...rest } = message;
  return {
    ...completion,
    system_fingerprint: 'fp_ollama',
    choices: [
      {
        ...choice,
        message: {
          ...rest,
          content: rest.content ?? '',
          ...(toolCalls?.length ? { tool_calls: toolCalls.map((call, index) => ({ ...call, index })) } : {}),
        },
        finish_reason: toolCalls?.length ? 'tool_calls' : choice.finish_reason,
      },
    ],
  };
}
