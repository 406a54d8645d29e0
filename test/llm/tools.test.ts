import { describe, expect, it } from 'vitest';
import type { PlannableAction } from '../../src/core/conversation/ports.js';
import { validateAgainstSchema } from '../../src/crm/validate.js';
import {
  buildToolset,
  CLARIFY_TOOL,
  parseToolCall,
  REPORT_TOOL,
  REST_TOOL,
  withoutTool,
  type ParsedCall,
} from '../../src/llm/tools.js';

const createTask: PlannableAction = {
  key: 'create-task',
  name: 'Create task',
  description: 'Creates a task in EspoCRM',
  isRead: false,
  inputSchema: {
    type: 'object',
    properties: {
      name: { type: 'string', minLength: 1 },
      priority: { type: 'string', enum: ['Low', 'Normal', 'High'] },
      dateEnd: { type: 'string', format: 'date-time' },
    },
    required: ['name'],
    additionalProperties: false,
  },
};
const listLeads: PlannableAction = {
  key: 'list-leads',
  name: 'List leads',
  isRead: true,
  inputSchema: { type: 'object', properties: { maxSize: { type: 'integer', minimum: 1 } } },
};
const freeForm: PlannableAction = {
  key: 'run-query',
  name: 'Run query',
  isRead: true,
  inputSchema: { type: 'object', properties: { where: { type: 'object' } } },
};
const noInput: PlannableAction = { key: 'get-me', name: 'Who am I', isRead: true };

const checks = {
  checkInput: (action: PlannableAction, input: unknown) => validateAgainstSchema(action.inputSchema, input),
  checkProxy: (request: { path: string }) =>
    request.path.startsWith('/Settings') ? 'Settings is not a record type.' : undefined,
};
const toolset = buildToolset([createTask, listLeads, freeForm, noInput]);
const parse = (name: string, args: string | Record<string, unknown>): ParsedCall =>
  parseToolCall(toolset, { name, arguments: typeof args === 'string' ? args : JSON.stringify(args) }, checks);
const functionOf = (name: string) => toolset.tools.find((tool) => tool.function.name === name)?.function;

describe('buildToolset', () => {
  it('offers the actions by key, then the clarifying question and the REST proxy', () => {
    expect(toolset.tools.map((tool) => tool.function.name)).toEqual([
      'create-task',
      'list-leads',
      'run-query',
      'get-me',
      CLARIFY_TOOL,
      REST_TOOL,
    ]);
    expect(toolset.actionsByName.get('list-leads')).toBe(listLeads);
    expect(toolset.tools.every((tool) => tool.type === 'function')).toBe(true);
  });

  it('marks strict the tools whose schema converts, and sends the strict copy', () => {
    expect(functionOf('create-task')).toMatchObject({
      strict: true,
      parameters: {
        properties: {
          name: { type: 'string' },
          priority: { type: ['string', 'null'], enum: ['Low', 'Normal', 'High', null] },
        },
        required: ['name', 'priority', 'dateEnd'],
        additionalProperties: false,
      },
    });
    expect(functionOf('get-me')).toMatchObject({
      strict: true,
      parameters: { type: 'object', properties: {}, required: [] },
    });
    expect(functionOf(CLARIFY_TOOL)?.strict).toBe(true);
    expect(functionOf(REST_TOOL)?.strict).toBe(true);
  });

  it('offers a schema strict mode cannot express non-strict, with the types OpenAI needs', () => {
    expect(functionOf('run-query')).toEqual(
      expect.objectContaining({
        strict: false,
        parameters: { type: 'object', properties: { where: { type: 'object', properties: {} } } },
      }),
    );
  });

  it('leaves out, with the reason, an action whose input is not an object', () => {
    const scalar: PlannableAction = { key: 'ping', name: 'Ping', isRead: true, inputSchema: { type: 'string' } };
    const built = buildToolset([scalar, listLeads]);
    expect(built.tools.map((tool) => tool.function.name)).toEqual(['list-leads', CLARIFY_TOOL, REST_TOOL]);
    expect(built.left).toEqual([{ key: 'ping', reason: 'its input schema is not an object' }]);
  });

  it('drops a tool the provider refused, but never one of its own', () => {
    const smaller = withoutTool(toolset, 1, 'refused');
    expect(smaller?.tools.map((tool) => tool.function.name)).toEqual([
      'create-task',
      'run-query',
      'get-me',
      CLARIFY_TOOL,
      REST_TOOL,
    ]);
    expect(smaller?.actionsByName.has('list-leads')).toBe(false);
    expect(smaller?.left).toEqual([{ key: 'list-leads', reason: 'refused' }]);
    expect(toolset.tools).toHaveLength(6);
    expect(withoutTool(toolset, 4, 'refused')).toBeUndefined();
    expect(withoutTool(toolset, 9, 'refused')).toBeUndefined();
  });

  it('describes an action by its description, else its name, and says when it writes', () => {
    expect(functionOf('create-task')?.description).toBe('Creates a task in EspoCRM (writes)');
    expect(functionOf('list-leads')?.description).toBe('List leads');
    expect(functionOf('list-leads')?.description).not.toContain('writes');
  });

  it('makes keys valid function names and skips names already taken', () => {
    const weird: PlannableAction = { key: 'crm.list leads/v2', name: 'Weird', isRead: true };
    const clash: PlannableAction = { key: 'crm_list_leads_v2', name: 'Clash', isRead: true };
    const ours: PlannableAction = { key: REST_TOOL, name: 'Impostor', isRead: false };
    const long: PlannableAction = { key: 'x'.repeat(80), name: 'Long', isRead: true };
    const built = buildToolset([weird, clash, ours, long]);
    const names = built.tools.map((tool) => tool.function.name);
    expect(names).toEqual(['crm_list_leads_v2', 'x'.repeat(64), CLARIFY_TOOL, REST_TOOL]);
    expect(built.actionsByName.get('crm_list_leads_v2')).toBe(weird);
    expect(built.actionsByName.has(REST_TOOL)).toBe(false);
    expect(functionOf(REST_TOOL)?.description).toContain('EspoCRM REST API');
  });

  it('bounds descriptions to 300 characters: each is sent on every call that offers the tool', () => {
    const wordy = buildToolset([{ key: 'a', name: 'A', isRead: true, description: 'y'.repeat(2000) }]);
    expect(wordy.tools[0]?.function.description).toHaveLength(300);
  });
});

describe('parseToolCall', () => {
  it('takes an empty arguments string as {}', () => {
    expect(parseToolCall(toolset, { name: 'get-me', arguments: '  ' }, checks)).toEqual({
      ok: true,
      step: { kind: 'action', action: noInput, input: {} },
    });
  });

  it('rejects arguments that are not JSON', () => {
    expect(parse('list-leads', '{maxSize: 5')).toEqual({
      ok: false,
      problem: 'The arguments of list-leads are not valid JSON.',
    });
  });

  it('rejects a tool that was not offered', () => {
    expect(parse('delete-everything', {})).toEqual({
      ok: false,
      problem: 'There is no tool named delete-everything. Use one of the tools offered.',
    });
  });

  it('turns a clarifying question into a clarify step, trimmed', () => {
    expect(parse(CLARIFY_TOOL, { question: '  Which Bob?  ' })).toEqual({
      ok: true,
      step: { kind: 'clarify', question: 'Which Bob?' },
    });
  });

  it.each([{ question: '   ' }, { question: 42 }, {}])('rejects a clarifying call with %j', (args) => {
    expect(parse(CLARIFY_TOOL, args)).toEqual({ ok: false, problem: 'question must be a non-empty string.' });
  });

  it('drops the nulls of a strict call before validating against the original schema', () => {
    expect(parse('create-task', { name: 'Call Bob', priority: null, dateEnd: null })).toEqual({
      ok: true,
      step: { kind: 'action', action: createTask, input: { name: 'Call Bob' } },
    });
  });

  it('reports the original schema’s complaint', () => {
    const missing = parse('create-task', { priority: 'High', dateEnd: null });
    expect(missing).toEqual({
      ok: false,
      problem: expect.stringContaining('The input for create-task does not fit its schema:'),
    });
    expect(missing.ok || missing.problem).toContain("must have required property 'name'");
    // A null for a required property is not "not given": the schema judges it.
    expect(
      parse('create-task', { name: null }).ok || (parse('create-task', { name: null }) as { problem: string }).problem,
    ).toContain('name must be string');
    const badEnum = parse('create-task', { name: 'x', priority: 'Urgent', dateEnd: null });
    expect(badEnum.ok || badEnum.problem).toContain(
      'priority must be equal to one of the allowed values (Low, Normal, High)',
    );
    const tooShort = parse('create-task', { name: '', priority: null, dateEnd: null });
    expect(tooShort.ok).toBe(false);
  });

  describe(REST_TOOL, () => {
    it('turns a GET into a proxy step and ignores any body', () => {
      expect(
        parse(REST_TOOL, { method: 'GET', path: '/Call?maxSize=5&where[0][type]=today', body: '{"a":1}' }),
      ).toEqual({
        ok: true,
        step: { kind: 'proxy', request: { method: 'GET', path: '/Call?maxSize=5&where[0][type]=today' } },
      });
    });

    it('strips the /api/v1 prefix, with or without the host', () => {
      expect(parse(REST_TOOL, { method: 'GET', path: ' /api/v1/Lead/5f3a1b2c3d4e5f607 ', body: null })).toEqual({
        ok: true,
        step: { kind: 'proxy', request: { method: 'GET', path: '/Lead/5f3a1b2c3d4e5f607' } },
      });
      expect(
        parse(REST_TOOL, { method: 'DELETE', path: 'https://crm.example.com/api/v1/Lead/L1', body: null }),
      ).toEqual({
        ok: true,
        step: { kind: 'proxy', request: { method: 'DELETE', path: '/Lead/L1' } },
      });
    });

    it.each([
      'https://evil.example.com/Lead',
      '//evil.example.com/Lead',
      'Lead',
      '/Lead/../User',
      '/Lead?x=..%2fUser',
      '/Lead/1/calls/2',
      'https://crm.example.com/api/v2/Lead',
      '',
    ])('rejects the path %j', (path) => {
      expect(parse(REST_TOOL, { method: 'GET', path, body: null })).toEqual({
        ok: false,
        problem: 'path must be an EspoCRM API path such as /Call or /Lead/{id}, without a host.',
      });
    });

    it('rejects a method other than GET, POST, PUT or DELETE', () => {
      expect(parse(REST_TOOL, { method: 'PATCH', path: '/Lead/L1', body: '{}' })).toEqual({
        ok: false,
        problem: 'method must be GET, POST, PUT or DELETE.',
      });
      expect(parse(REST_TOOL, { method: 'get', path: '/Lead', body: null }).ok).toBe(false);
    });

    it('parses a POST body written as JSON text', () => {
      expect(
        parse(REST_TOOL, { method: 'POST', path: '/Case', body: '{"name":"Printer on fire","priority":"High"}' }),
      ).toEqual({
        ok: true,
        step: {
          kind: 'proxy',
          request: { method: 'POST', path: '/Case', body: { name: 'Printer on fire', priority: 'High' } },
        },
      });
    });

    it('rejects a POST or PUT body that is not a JSON object', () => {
      expect(parse(REST_TOOL, { method: 'POST', path: '/Case', body: '{name: x}' })).toEqual({
        ok: false,
        problem: 'body must be a JSON object written as text.',
      });
      for (const body of ['[1,2]', '"text"', '42', 'null', null]) {
        expect(parse(REST_TOOL, { method: 'PUT', path: '/Case/C1', body })).toEqual({
          ok: false,
          problem: 'body must be a JSON object for POST and PUT.',
        });
      }
    });

    it('sends no body with a DELETE', () => {
      expect(parse(REST_TOOL, { method: 'DELETE', path: '/Lead/L1', body: '{"a":1}' })).toEqual({
        ok: true,
        step: { kind: 'proxy', request: { method: 'DELETE', path: '/Lead/L1' } },
      });
    });
  });
});

describe('the report tool', () => {
  const withReports = buildToolset([listLeads], { reports: true });
  const report = (args: unknown, set = withReports) =>
    parseToolCall(set, { name: REPORT_TOOL, arguments: JSON.stringify(args) }, checks);

  it('is offered only when the request asks for numbers', () => {
    expect(toolset.tools.map((tool) => tool.function.name)).not.toContain(REPORT_TOOL);
    expect(withReports.tools.map((tool) => tool.function.name)).toContain(REPORT_TOOL);
    // Not offered, not taken: a model calling it anyway is told to use a tool it was given.
    expect(report({ entity: 'Lead', sum_field: null, group_by: null, filters: '' }, toolset)).toMatchObject({
      ok: false,
    });
  });

  it('turns a call into a report step, nulls meaning "not given"', () => {
    expect(report({ entity: 'Opportunity', sum_field: 'amount', group_by: 'stage', filters: ' amount>10k ' })).toEqual({
      ok: true,
      step: { kind: 'report', entity: 'Opportunity', sumField: 'amount', groupBy: 'stage', filters: 'amount>10k' },
    });
    expect(report({ entity: 'Lead', sum_field: null, group_by: null, filters: '' })).toEqual({
      ok: true,
      step: { kind: 'report', entity: 'Lead', filters: '' },
    });
  });

  it('refuses names that would change the words of the command', () => {
    expect(report({ entity: 'Lead by source', sum_field: null, group_by: null, filters: '' })).toMatchObject({
      ok: false,
    });
    expect(report({ entity: 'Lead', sum_field: 'amount"', group_by: null, filters: '' })).toMatchObject({ ok: false });
    expect(report({ entity: 'Lead', sum_field: null, group_by: null, filters: 'a=1\nb=2' })).toMatchObject({
      ok: false,
    });
  });
});
