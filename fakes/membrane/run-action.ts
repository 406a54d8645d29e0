// Executes a catalog action against a tenant's FakeEspoCrm the way Membrane's connector would: map the
// action input onto an EspoCRM REST call, then map EspoCRM's answer onto the action's output shape.
import qs from 'qs';
import type { EspoRecord, EspoResponse, FakeEspoCrm } from '../espocrm/model.js';
import { describeActionKey, type ActionDef, type ActionVerb } from './catalog.js';

export type ActionOutcome =
  | { kind: 'output'; output: unknown }
  | { kind: 'espo-error'; response: EspoResponse }
  | { kind: 'invalid'; message: string };

/** Page size of membrane-style lists when the input gives no `limit` (the connector's choice). */
export const DEFAULT_PAGE_SIZE = 100;

interface EspoCall {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
  output: (body: unknown) => unknown;
}

type ListBody = { total: number; list: EspoRecord[] };
// FakeEspoCrm guarantees these shapes on success; the casts just name them.
const asList = (body: unknown) => body as ListBody;
const asRecord = (body: unknown) => body as EspoRecord;

const encodeCursor = (offset: number) => Buffer.from(JSON.stringify({ offset })).toString('base64url');

function decodeCursor(cursor: unknown): number | undefined {
  if (cursor === undefined) return 0;
  try {
    const { offset } = JSON.parse(Buffer.from(String(cursor), 'base64url').toString('utf8')) as { offset?: unknown };
    return Number.isInteger(offset) && Number(offset) >= 0 ? Number(offset) : undefined;
  } catch {
    return undefined;
  }
}

const toDataRecord = (record: EspoRecord) => ({
  id: String(record.id),
  ...(typeof record.name === 'string' ? { name: record.name } : {}),
  fields: record,
});

function pickDefined(input: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => input[k] !== undefined).map((k) => [k, input[k]]));
}

const equalsItems = (filter: unknown) =>
  Object.entries((filter ?? {}) as Record<string, unknown>).map(([attribute, value]) => ({
    type: 'equals',
    attribute,
    value,
  }));

function espoStyleCall(verb: ActionVerb, path: string, input: Record<string, unknown>): EspoCall {
  const { id, ...fields } = input;
  const same = (body: unknown) => body;
  switch (verb) {
    case 'list': {
      // The equality filter joins EspoCRM's where list as `equals` items. The parameters go to
      // EspoCRM as a GET's query string, so every value arrives there as text (`true` is 'true').
      const where = [...((input.where as unknown[] | undefined) ?? []), ...equalsItems(input.filter)];
      const query = {
        ...pickDefined(input, ['maxSize', 'offset', 'orderBy', 'order']),
        ...(where.length ? { where } : {}),
      };
      return {
        method: 'GET',
        path,
        query: qs.parse(qs.stringify(query), { depth: 20, arrayLimit: 1000 }),
        output: same,
      };
    }
    case 'get':
      return { method: 'GET', path: `${path}/${String(id)}`, output: same };
    case 'create':
      return { method: 'POST', path, body: input, output: same };
    case 'update':
      return { method: 'PUT', path: `${path}/${String(id)}`, body: fields, output: same };
  }
}

/** ISO 8601 with a zone, as Membrane's data-collection schemas take date-times. */
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Membrane's connector writes date-times the way EspoCRM stores them: UTC `YYYY-MM-DD HH:mm:ss`. */
function toEspoValues(fields: unknown): unknown {
  if (typeof fields !== 'object' || fields === null) return fields;
  return Object.fromEntries(
    Object.entries(fields).map(([key, value]) => [
      key,
      typeof value === 'string' && ISO_DATETIME.test(value)
        ? new Date(value).toISOString().slice(0, 19).replace('T', ' ')
        : value,
    ]),
  );
}

function membraneStyleCall(
  verb: ActionVerb,
  path: string,
  input: Record<string, unknown>,
  pageSize: number,
): EspoCall | string {
  const fields = toEspoValues(input.fields);
  const idOnly = (body: unknown) => ({ id: String(asRecord(body).id) });
  switch (verb) {
    case 'list': {
      const offset = decodeCursor(input.cursor);
      if (offset === undefined) return 'Invalid input: /cursor is not a valid cursor';
      const where = equalsItems(input.filter);
      return {
        method: 'GET',
        path,
        query: { maxSize: input.limit ?? pageSize, offset, where },
        output: (body) => {
          const { total, list } = asList(body);
          const next = offset + list.length;
          // Membrane's convention: no total; a cursor only while more pages exist.
          return { records: list.map(toDataRecord), ...(next < total ? { cursor: encodeCursor(next) } : {}) };
        },
      };
    }
    case 'get':
      return {
        method: 'GET',
        path: `${path}/${String(input.id)}`,
        output: (body) => ({ record: toDataRecord(asRecord(body)) }),
      };
    case 'create':
      return { method: 'POST', path, body: fields, output: idOnly };
    case 'update':
      return { method: 'PUT', path: `${path}/${String(input.id)}`, body: fields, output: idOnly };
  }
}

/** Run an action whose input already passed its inputSchema; `pageSize`: what a list without `limit` returns. */
export function runAction(
  action: ActionDef,
  input: Record<string, unknown>,
  espo: FakeEspoCrm,
  pageSize = DEFAULT_PAGE_SIZE,
): ActionOutcome {
  const target = describeActionKey(action.key);
  if (!target) return { kind: 'invalid', message: `Action ${action.key} has no implementation` };
  const path = `/${target.entity}`;
  const call =
    target.style === 'espo'
      ? espoStyleCall(target.verb, path, input)
      : membraneStyleCall(target.verb, path, input, pageSize);
  if (typeof call === 'string') return { kind: 'invalid', message: call };

  const response = espo.request({ method: call.method, path: call.path, query: call.query ?? {}, body: call.body });
  if (response.status >= 400) return { kind: 'espo-error', response };
  return { kind: 'output', output: call.output(response.body) };
}
