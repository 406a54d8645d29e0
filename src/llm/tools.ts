import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import type { HttpMethod } from '../core/ports.js';
import type { PlannableAction, PlannedStep, PlanRequest } from '../core/conversation/ports.js';
import { dropNulls, toToolParameters, type JsonSchema } from './strict-schema.js';

export const CLARIFY_TOOL = 'ask_clarifying_question';
export const REST_TOOL = 'espocrm_rest';
export const REPORT_TOOL = 'crm_report';
/** A tool's description is sent on every call that offers it. */
const MAX_DESCRIPTION = 300;

/** The tools offered for one request, and the way back from a tool name to what it stands for. */
export interface Toolset {
  tools: ChatCompletionFunctionTool[];
  actionsByName: Map<string, PlannableAction>;
  /** Actions not offered, and why (their input is not an object, or the provider refused the tool). */
  left: { key: string; reason: string }[];
}

/** OpenAI function names are `^[a-zA-Z0-9_-]{1,64}$`; Membrane action keys nearly always are too. */
function toolName(key: string): string {
  return key.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
}

const OWN_TOOLS: ChatCompletionFunctionTool[] = [
  {
    type: 'function',
    function: {
      name: CLARIFY_TOOL,
      description: 'Ask the person one short question when the request cannot be carried out without their answer.',
      parameters: {
        type: 'object',
        properties: { question: { type: 'string' } },
        required: ['question'],
        additionalProperties: false,
      },
      strict: true,
    },
  },
  {
    type: 'function',
    function: {
      name: REST_TOOL,
      description:
        'Call the EspoCRM REST API v1 for what no other tool covers (e.g. Calls, Meetings, Cases, deletes, custom entities, complex filters). Paths look like /Call, /Lead/{id} or /Opportunity?where[0][type]=... Yes/no fields take where[i][type]=isTrue or isFalse with no value, never equals true.',
      parameters: {
        type: 'object',
        properties: {
          method: { type: 'string', enum: ['GET', 'POST', 'PUT', 'DELETE'] },
          path: { type: 'string', description: 'Path after /api/v1, with the query string for GET' },
          body: {
            type: ['string', 'null'],
            description: 'For POST and PUT: the JSON object to send, as text. Otherwise null.',
          },
        },
        required: ['method', 'path', 'body'],
        additionalProperties: false,
      },
      strict: true,
    },
  },
];

/** Offered when the request asks for numbers: the bot's own engine counts and adds up, not the model. */
const REPORT: ChatCompletionFunctionTool = {
  type: 'function',
  function: {
    name: REPORT_TOOL,
    description:
      'Answer with numbers, not a list: count records, or add up a number field (amount), optionally per value of a field (a breakdown with a chart). For how many, how much, totals, pipeline, who has the most.',
    parameters: {
      type: 'object',
      properties: {
        entity: { type: 'string', description: 'Record type, e.g. Opportunity, Lead, Task' },
        sum_field: { type: ['string', 'null'], description: 'Number field to add up (amount); null to count' },
        group_by: {
          type: ['string', 'null'],
          description: 'Field to break down by (stage, source, assignedUserId); or null',
        },
        filters: {
          type: 'string',
          description:
            'Conditions, space-separated: stage!="Closed Won,Closed Lost" amount>10k closeDate>=2026-10-01; or empty',
        },
      },
      required: ['entity', 'sum_field', 'group_by', 'filters'],
      additionalProperties: false,
    },
    strict: true,
  },
};

export function buildToolset(actions: PlannableAction[], options: { reports?: boolean } = {}): Toolset {
  const actionsByName = new Map<string, PlannableAction>();
  const tools: ChatCompletionFunctionTool[] = [];
  const left: Toolset['left'] = [];
  for (const action of actions) {
    const name = toolName(action.key);
    if (actionsByName.has(name) || name === CLARIFY_TOOL || name === REST_TOOL || name === REPORT_TOOL) continue;
    const converted = toToolParameters(action.inputSchema);
    if (!converted) {
      left.push({ key: action.key, reason: 'its input schema is not an object' });
      continue;
    }
    actionsByName.set(name, action);
    tools.push({
      type: 'function',
      function: {
        name,
        description: toolDescription(action),
        parameters: converted.parameters,
        strict: converted.strict,
      },
    });
  }
  return { tools: [...tools, ...OWN_TOOLS, ...(options.reports ? [REPORT] : [])], actionsByName, left };
}

/**
 * The toolset without the tool at `index` (the provider refused its parameters), when that is
 * one of the actions; undefined for the bot's own tools or an index out of range.
 */
export function withoutTool(toolset: Toolset, index: number, reason: string): Toolset | undefined {
  const tool = toolset.tools[index];
  const action = tool && toolset.actionsByName.get(tool.function.name);
  if (!tool || !action) return undefined;
  const actionsByName = new Map(toolset.actionsByName);
  actionsByName.delete(tool.function.name);
  return {
    tools: toolset.tools.filter((_, i) => i !== index),
    actionsByName,
    left: [...toolset.left, { key: action.key, reason }],
  };
}

/** Short: the name is in the tool's name already, and the rules say how writes are confirmed. */
function toolDescription(action: PlannableAction): string {
  const text = (action.description ?? action.name).replace(/\s+/g, ' ').trim();
  const bounded = text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION - 1)}…` : text;
  return action.isRead ? bounded : `${bounded} (writes)`;
}

export type ParsedCall = { ok: true; step: PlannedStep } | { ok: false; problem: string };

/**
 * One tool call checked the way the action will check it: known tool, JSON arguments (an empty
 * string counts as `{}`, as many servers send it), "not given" nulls dropped, then the action's
 * own schema; a REST call, its path and the caller's rules for it.
 */
export function parseToolCall(
  toolset: Toolset,
  call: { name: string; arguments: string },
  checks: Pick<PlanRequest, 'checkInput' | 'checkProxy'>,
): ParsedCall {
  let args: unknown;
  try {
    args = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
  } catch {
    return { ok: false, problem: `The arguments of ${call.name} are not valid JSON.` };
  }
  if (call.name === CLARIFY_TOOL) {
    const question = (args as { question?: unknown })?.question;
    return typeof question === 'string' && question.trim()
      ? { ok: true, step: { kind: 'clarify', question: question.trim() } }
      : { ok: false, problem: 'question must be a non-empty string.' };
  }
  if (call.name === REPORT_TOOL && toolset.tools.some((tool) => tool.function.name === REPORT_TOOL))
    return parseReportCall(args);
  if (call.name === REST_TOOL) {
    const parsed = parseRestCall(args);
    const refusal = parsed.ok && parsed.step.kind === 'proxy' ? checks.checkProxy(parsed.step.request) : undefined;
    return refusal ? { ok: false, problem: refusal } : parsed;
  }
  const action = toolset.actionsByName.get(call.name);
  if (!action) return { ok: false, problem: `There is no tool named ${call.name}. Use one of the tools offered.` };
  // Strict copies make optional properties nullable, and models fill nulls in anyway: a null the
  // original schema does not allow means "not given".
  const input = dropNulls(args, action.inputSchema);
  const complaint = checks.checkInput(action, input);
  return complaint
    ? { ok: false, problem: `The input for ${call.name} does not fit its schema: ${complaint}` }
    : { ok: true, step: { kind: 'action', action, input } };
}

/** A field or record type name: no spaces or quotes that would change the command's words. */
const NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

function parseReportCall(args: unknown): ParsedCall {
  const { entity, sum_field, group_by, filters } = (args ?? {}) as Record<string, unknown>;
  if (typeof entity !== 'string' || !NAME.test(entity.trim()))
    return { ok: false, problem: 'entity must be a record type name such as Opportunity.' };
  for (const [name, value] of [
    ['sum_field', sum_field],
    ['group_by', group_by],
  ] as const)
    if (value !== null && value !== undefined && (typeof value !== 'string' || !NAME.test(value.trim())))
      return { ok: false, problem: `${name} must be a field name, or null.` };
  if (filters !== undefined && (typeof filters !== 'string' || /[\r\n]/.test(filters)))
    return { ok: false, problem: 'filters must be one line of conditions, or empty.' };
  return {
    ok: true,
    step: {
      kind: 'report',
      entity: entity.trim(),
      ...(typeof sum_field === 'string' ? { sumField: sum_field.trim() } : {}),
      ...(typeof group_by === 'string' ? { groupBy: group_by.trim() } : {}),
      filters: (filters ?? '').trim(),
    },
  };
}

/** Entity paths only: `/Lead`, `/Lead/{id}`, `/Lead/{id}/calls`, with an optional query. */
const REST_PATH = /^\/[A-Za-z][A-Za-z0-9_]*(\/[A-Za-z0-9_-]+){0,2}\/?(\?[^\s#]*)?$/;

function parseRestCall(args: unknown): ParsedCall {
  const { method, path, body } = (args ?? {}) as { method?: unknown; path?: unknown; body?: unknown };
  if (method !== 'GET' && method !== 'POST' && method !== 'PUT' && method !== 'DELETE')
    return { ok: false, problem: 'method must be GET, POST, PUT or DELETE.' };
  // Models often include the API prefix; the proxy adds it itself.
  const normalised = typeof path === 'string' ? path.trim().replace(/^(https?:\/\/[^/]+)?\/api\/v1(?=\/)/, '') : '';
  if (!REST_PATH.test(normalised) || normalised.includes('..')) {
    return { ok: false, problem: 'path must be an EspoCRM API path such as /Call or /Lead/{id}, without a host.' };
  }
  let parsedBody: JsonSchema | undefined;
  if (method === 'POST' || method === 'PUT') {
    try {
      parsedBody = typeof body === 'string' ? JSON.parse(body) : (body as JsonSchema);
    } catch {
      return { ok: false, problem: 'body must be a JSON object written as text.' };
    }
    if (typeof parsedBody !== 'object' || parsedBody === null || Array.isArray(parsedBody))
      return { ok: false, problem: 'body must be a JSON object for POST and PUT.' };
  }
  return {
    ok: true,
    step: {
      kind: 'proxy',
      request: { method: method as HttpMethod, path: normalised, ...(parsedBody ? { body: parsedBody } : {}) },
    },
  };
}
