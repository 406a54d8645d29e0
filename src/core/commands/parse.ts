import { AppError } from '../errors.js';
import type { EntityInfo, Filter, HttpMethod, ListQuery, ProxyRequest } from '../ports.js';
import { siteUrlOf } from '../doctor/sites.js';
import type { ReportQuery } from '../reports/types.js';
import { timeAt, type TimeSpec } from '../understanding/time.js';
import { wordsOf } from '../understanding/words.js';
import { commandText } from '../text.js';
import { parseFilter, splitAssignment } from './filters.js';
import {
  ALIASES,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  subcommandOf,
  SUBCOMMANDS,
  usageError,
  type ParseContext,
  type Subcommand,
} from './grammar.js';
import { closest } from './suggest.js';
import { straightenQuotes, tokenize, UnclosedQuoteError, type Token } from './tokenize.js';
import { coerceValue, isoDate } from './values.js';

export type Command =
  | { kind: 'help'; topic?: Subcommand }
  | { kind: 'unknown'; word: string; suggestion?: string }
  /** `siteUrl`: the EspoCRM address an admin gave (`/espo connect https://crm.acme.com`). */
  | { kind: 'connect'; siteUrl?: string }
  | { kind: 'status' }
  | { kind: 'doctor' }
  | { kind: 'disconnect' }
  | { kind: 'list'; entity: EntityInfo; query: ListQuery }
  | { kind: 'find'; entity: EntityInfo; query: ListQuery }
  /** `count`, `sum` and `report`: a total, or a breakdown by a field. */
  | { kind: 'report'; query: ReportQuery }
  /** `period`: the close dates to count; `mine`: the requester's own deals. */
  | { kind: 'pipeline'; period?: TimeSpec; mine: boolean }
  | { kind: 'show'; entity: EntityInfo; id: string }
  | { kind: 'create'; entity: EntityInfo; fields: Record<string, unknown> }
  | { kind: 'update'; entity: EntityInfo; id: string; fields: Record<string, unknown> }
  | { kind: 'delete'; entity: EntityInfo; id: string }
  | { kind: 'actions'; intent: string }
  | { kind: 'run'; key: string; input: unknown }
  | { kind: 'api'; request: ProxyRequest }
  | { kind: 'subscribe'; subscription: SubscriptionSpec }
  | { kind: 'subscriptions' }
  | { kind: 'unsubscribe'; id: string }
  | { kind: 'digest'; schedule: DigestSchedule }
  | { kind: 'digest_now'; pipeline: boolean }
  | { kind: 'digests' };

export type AlertEvent = 'created' | 'updated' | 'deleted' | 'assigned';

/** What `/espo subscribe` asks to be told about. */
export interface SubscriptionSpec {
  entity: EntityInfo;
  event: AlertEvent;
  /** `updated` of one field only (`subscribe opportunity updated stage`, or implied by `stage=Closed Won`). */
  field?: string;
  /** Conditions on the record after the change, all of which must hold. */
  filters: Filter[];
  /** `to=me`: alerts go to the subscriber's DM, about records assigned to them. */
  toMe: boolean;
}

/** When `/espo digest` sends: a local time, every day or on weekdays only. */
export interface DigestSchedule {
  time: string;
  days: 'daily' | 'weekdays';
  /** With the pipeline (open deals by stage, with a chart) in the first digest of each week. */
  pipeline: boolean;
}

/** Turns `/espo` text into a Command, or throws a bad_input AppError that says how to fix it. */
export function parseCommand(text: string, context: ParseContext): Command {
  let tokens: Token[];
  try {
    tokens = tokenize(text.trim());
  } catch (error) {
    if (error instanceof UnclosedQuoteError) {
      throw new AppError(
        'bad_input',
        'A quote is never closed. Put quotes around the whole value, like `name="Call Bob"`.',
      );
    }
    throw error;
  }
  const first = tokens[0];
  if (!first) return { kind: 'help' };
  const word = first.text.toLowerCase();
  const sub = subcommandOf(word);
  if (!sub) {
    return { kind: 'unknown', word: first.text, suggestion: closest(word, [...SUBCOMMANDS, ...Object.keys(ALIASES)]) };
  }
  const args = tokens.slice(1);
  const rest = (index: number) => (args[index] ? text.trim().slice(args[index]!.start) : '');

  switch (sub) {
    case 'help':
      return { kind: 'help', topic: args[0] && subcommandOf(args[0].text) };
    case 'connect': {
      if (args.length > 1) throw usageError(sub, "Give at most one address, your EspoCRM's.");
      // Slack may send a typed address as its link markup, `<https://crm.acme.com|crm.acme.com>`.
      const address = args[0]?.text.replace(/^<([^|>]+)(\|[^>]*)?>$/, '$1');
      return address ? { kind: sub, siteUrl: siteUrlOf(address) } : { kind: sub };
    }
    case 'status':
    case 'doctor':
    case 'disconnect':
      return { kind: sub };
    case 'list': {
      const entity = requireEntity(sub, args, context);
      return { kind: 'list', entity, query: parseListQuery(entity, args.slice(1), context) };
    }
    case 'find': {
      const entity = requireEntity(sub, args, context);
      const searchText = args
        .slice(1)
        .map((t) => t.text)
        .join(' ')
        .trim();
      if (!searchText) throw usageError(sub, `What should I look for among ${entity.plural.toLowerCase()}?`);
      return {
        kind: 'find',
        entity,
        query: { entity: entity.name, filters: [], limit: DEFAULT_PAGE_SIZE, offset: 0, text: searchText },
      };
    }
    case 'count':
    case 'report': {
      const entity = requireEntity(sub, args, context);
      const { filters, groupBy } = parseReportArgs(sub, entity, args.slice(1), context);
      if (sub === 'report' && !groupBy)
        throw usageError(sub, `Break the ${entity.plural.toLowerCase()} down by a field, like \`by status\`.`);
      return {
        kind: 'report',
        query: { entity: entity.name, filters, measure: { kind: 'count' }, ...(groupBy ? { groupBy } : {}) },
      };
    }
    case 'sum': {
      const entity = requireEntity(sub, args, context);
      const field = args[1] && !splitAssignment(args[1]) ? args[1].text : undefined;
      if (!field || !/^[A-Za-z][A-Za-z0-9_]*$/.test(field))
        throw usageError(
          sub,
          `Which number of the ${entity.plural.toLowerCase()} should I add up?${fieldChoice(entity, NUMERIC)}`,
        );
      const type = entity.fieldType(field);
      if (type ? !NUMERIC.has(type) : entity.fields?.().length)
        throw usageError(
          sub,
          `\`${field}\` is not a number of ${entity.plural.toLowerCase()}.${fieldChoice(entity, NUMERIC)}`,
        );
      const { filters, groupBy } = parseReportArgs(sub, entity, args.slice(2), context);
      return {
        kind: 'report',
        query: {
          entity: entity.name,
          filters,
          measure: { kind: 'sum', field, label: field },
          ...(groupBy ? { groupBy } : {}),
        },
      };
    }
    case 'pipeline':
      return parsePipeline(args, context);
    case 'show':
    case 'delete': {
      const target = parseRecordTarget(sub, args, context);
      return { kind: sub, ...target };
    }
    case 'create': {
      const entity = requireEntity(sub, args, context);
      const fields = parseAssignments(sub, entity, args.slice(1), context);
      if (Object.keys(fields).length === 0)
        throw usageError(sub, `Tell me at least one field of the new ${entity.label.toLowerCase()}.`);
      return { kind: 'create', entity, fields };
    }
    case 'update': {
      // The record is `<entity> <id>` or one pasted link; the assignments follow it.
      const targetLength = args[0] && context.entities.recordNamedIn(args[0].text) ? 1 : 2;
      const { entity, id } = parseRecordTarget(sub, args.slice(0, targetLength), context);
      const fields = parseAssignments(sub, entity, args.slice(targetLength), context);
      if (Object.keys(fields).length === 0)
        throw usageError(sub, 'Tell me which fields to change, like `status="In Process"`.');
      return { kind: 'update', entity, id, fields };
    }
    case 'actions': {
      const intent = rest(0);
      if (!intent) throw usageError(sub, `Tell me what you want to do, like ${commandText('actions create a task')}.`);
      return { kind: 'actions', intent };
    }
    case 'run': {
      const key = args[0]?.text;
      if (!key) throw usageError(sub, `Which action? ${commandText('actions <words>')} lists them.`);
      const json = rest(1);
      return { kind: 'run', key, input: json ? parseJson(sub, json) : {} };
    }
    case 'api':
      return { kind: 'api', request: parseApiRequest(args, rest(2)) };
    case 'subscribe':
      return { kind: 'subscribe', subscription: parseSubscription(args, context) };
    case 'subscriptions':
    case 'digests':
      return { kind: sub };
    case 'unsubscribe': {
      const id = args[0]?.text;
      if (!id || !/^[\w-]{1,64}$/.test(id))
        throw usageError(sub, `Which subscription? ${commandText('subscriptions')} lists them with their ids.`);
      return { kind: 'unsubscribe', id };
    }
    case 'digest':
      return parseDigest(args);
  }
}

/** Fields a sum adds up: EspoCRM's number and money types. */
const NUMERIC = new Set(['int', 'float', 'currency']);
/** Fields records can be broken down by: one plain value each (not texts, dates or lists). */
const GROUPABLE = new Set(['enum', 'bool', 'varchar', 'link', 'int']);

/** " You can use: a, b, c." for the entity's fields of those types, when the bot knows its fields. */
function fieldChoice(entity: EntityInfo, types: ReadonlySet<string>): string {
  const fields = (entity.fields?.() ?? []).filter((field) => types.has(entity.fieldType(field) ?? ''));
  return fields.length ? ` You can use: ${fields.map((field) => `\`${field}\``).join(', ')}.` : '';
}

/** `[field=value ...] [by <field>]`: the filters exactly as `list` reads them, and the field to break down by. */
function parseReportArgs(
  sub: Subcommand,
  entity: EntityInfo,
  args: Token[],
  context: ParseContext,
): Pick<ReportQuery, 'filters' | 'groupBy'> {
  const filters: Filter[] = [];
  let groupBy: ReportQuery['groupBy'];
  for (let i = 0; i < args.length; i++) {
    const token = args[i]!;
    const parts = splitAssignment(token);
    if (parts) {
      filters.push(...parseFilter(sub, entity, parts.field, parts.op, parts.raw, context));
    } else if (token.text.toLowerCase() === 'by' && !groupBy) {
      groupBy = groupField(sub, entity, args[++i]?.text);
    } else {
      throw usageError(sub, `I expected a filter like \`status=New\` or \`by <field>\` but got \`${token.text}\`.`);
    }
  }
  return { filters, ...(groupBy ? { groupBy } : {}) };
}

/** `by source`, `by assignedUser`: a field with one value per record; a link is grouped by its id and named by its name. */
function groupField(
  sub: Subcommand,
  entity: EntityInfo,
  word: string | undefined,
): NonNullable<ReportQuery['groupBy']> {
  const choice = fieldChoice(entity, GROUPABLE);
  if (!word || !/^[A-Za-z][A-Za-z0-9_]*$/.test(word))
    throw usageError(sub, `By which field of the ${entity.plural.toLowerCase()}?${choice}`);
  const link = word.endsWith('Id') && entity.fieldType(word.slice(0, -2)) === 'link' ? word.slice(0, -2) : word;
  const type = entity.fieldType(link);
  if (type === 'link') return { field: `${link}Id`, label: link };
  if (type ? !GROUPABLE.has(type) : entity.fields?.().length)
    throw usageError(
      sub,
      `${entity.plural} cannot be broken down by \`${word}\`${type ? ` (a ${type} field)` : ''}.${choice}`,
    );
  return { field: word, label: word };
}

/** `pipeline [this quarter|next month|this-year|…] [mine]`: the time words as the understanding layer reads them. */
function parsePipeline(args: Token[], context: ParseContext): Command {
  const words = args.map((token) => token.text);
  const mine = words.some((word) => /^(mine|my)$/i.test(word));
  const phrase = words
    .filter((word) => !/^(mine|my)$/i.test(word))
    .join(' ')
    // `this-quarter` as the filter values write it.
    .replace(/(\p{L})-(?=\p{L})/gu, '$1 ');
  if (!phrase) return { kind: 'pipeline', mine };
  const read = wordsOf(phrase);
  const time = timeAt(read, 0, isoDate(context.now, context.timeZone));
  if (!time || time.length !== read.length)
    throw usageError(
      'pipeline',
      `I did not understand \`${phrase}\` as a time. Say it like \`this quarter\`, \`next month\` or \`this-year\`.`,
    );
  return { kind: 'pipeline', period: time.spec, mine };
}

const ALERT_EVENTS: readonly AlertEvent[] = ['created', 'updated', 'deleted', 'assigned'];

/**
 * `subscribe opportunity stage=Closed Won`: a filter on a field with no event named means "when
 * that field changes to this", the alert sales teams ask for first. Values may run on over bare
 * words (`stage=Closed Won`), since people type it that way in channels.
 */
function parseSubscription(args: Token[], context: ParseContext): SubscriptionSpec {
  const entity = requireEntity('subscribe', args, context);
  let event: AlertEvent | undefined;
  let field: string | undefined;
  let toMe = false;
  const conditions: { field: string; op: string; raw: string }[] = [];
  for (const token of args.slice(1)) {
    const word = token.text.toLowerCase();
    const parts = splitAssignment(token);
    if (!parts && !event && !conditions.length && (ALERT_EVENTS as readonly string[]).includes(word)) {
      event = word as AlertEvent;
    } else if (
      !parts &&
      event === 'updated' &&
      !field &&
      !conditions.length &&
      /^[A-Za-z][A-Za-z0-9_]*$/.test(token.text)
    ) {
      field = token.text;
    } else if (parts && parts.field.toLowerCase() === 'to') {
      if (parts.raw.toLowerCase() !== 'me')
        throw usageError('subscribe', 'Alerts can go to this channel, or to you with `to=me`.');
      toMe = true;
    } else if (parts) {
      conditions.push(parts);
    } else if (conditions.length) {
      conditions.at(-1)!.raw += ` ${token.text}`;
    } else {
      throw usageError(
        'subscribe',
        `I did not understand \`${token.text}\`. Events are ${ALERT_EVENTS.join(', ')}; conditions look like \`stage=Closed Won\`.`,
      );
    }
  }
  if (!event) {
    event = conditions.length === 1 && conditions[0]!.op === '=' ? 'updated' : 'created';
    if (event === 'updated') field = conditions[0]!.field;
  }
  if (toMe && event !== 'assigned' && event !== 'created')
    throw usageError('subscribe', '`to=me` goes with `assigned` (or `created`): records assigned to you.');
  const filters = conditions.flatMap(({ field: name, op, raw }) => {
    if (context.entities.isSystemField(name)) throw usageError('subscribe', `\`${name}\` cannot be a condition.`);
    return parseFilter('subscribe', entity, name, op, raw.trim(), context);
  });
  return { entity, event, ...(field ? { field } : {}), filters, toMe };
}

function parseDigest(tokens: Token[]): Command {
  // "pipeline", anywhere after the first word: the week's pipeline is part of it.
  const pipeline = tokens.slice(1).some((token) => token.text.toLowerCase() === 'pipeline');
  const args = tokens.filter((token, index) => index === 0 || token.text.toLowerCase() !== 'pipeline');
  const first = args[0]?.text.toLowerCase();
  if (first === 'now' && args.length === 1) return { kind: 'digest_now', pipeline };
  const time = args[1]?.text;
  const days = args[2]?.text.toLowerCase() ?? 'daily';
  if (
    first !== 'daily' ||
    !time ||
    !/^([01]?\d|2[0-3]):[0-5]\d$/.test(time) ||
    (days !== 'daily' && days !== 'weekdays') ||
    args.length > 3
  ) {
    throw usageError(
      'digest',
      `Say when, like ${commandText('digest daily 09:00')} or ${commandText('digest daily 08:30 weekdays')}, or preview it with ${commandText('digest now')}.`,
    );
  }
  return { kind: 'digest', schedule: { time: time.padStart(5, '0'), days, pipeline } };
}

function requireEntity(sub: Subcommand, args: Token[], context: ParseContext): EntityInfo {
  const word = args[0]?.text;
  if (!word) {
    throw usageError(sub, `Which kind of record? For example: ${context.entities.words().slice(0, 5).join(', ')}.`);
  }
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(word)) {
    throw usageError(sub, `\`${word}\` is not a kind of record I know.`);
  }
  return context.entities.resolve(word);
}

/** `show lead 5f3a...`, or a pasted record link `https://crm.example.com/#Lead/view/5f3a...`. */
function parseRecordTarget(sub: Subcommand, args: Token[], context: ParseContext): { entity: EntityInfo; id: string } {
  const link = args.length === 1 ? context.entities.recordNamedIn(args[0]!.text) : undefined;
  if (link) return { entity: context.entities.resolve(link.entity), id: link.id };
  const entity = requireEntity(sub, args, context);
  const id = args[1]?.text;
  if (!id)
    throw usageError(sub, `Which ${entity.label.toLowerCase()}? Give its id (the last part of its EspoCRM link).`);
  if (!/^[\w-]{1,64}$/.test(id)) throw usageError(sub, `\`${id}\` does not look like an EspoCRM record id.`);
  return { entity, id };
}

function parseAssignments(
  sub: Subcommand,
  entity: EntityInfo,
  args: Token[],
  context: ParseContext,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const token of args) {
    const parts = splitAssignment(token);
    if (!parts || parts.op !== '=') {
      throw usageError(
        sub,
        `I expected \`field=value\` but got \`${token.text}\`. Quote values with spaces: \`name="Call Bob"\`.`,
      );
    }
    if (context.entities.isSystemField(parts.field))
      throw usageError(sub, `\`${parts.field}\` is set by EspoCRM itself and cannot be changed.`);
    // An empty value clears the field.
    fields[parts.field] =
      parts.raw === ''
        ? null
        : coerceValue(parts.field, parts.raw, entity.fieldType(parts.field), context.now, context.timeZone);
  }
  return fields;
}

function parseListQuery(entity: EntityInfo, args: Token[], context: ParseContext): ListQuery {
  const query: ListQuery = { entity: entity.name, filters: [], limit: DEFAULT_PAGE_SIZE, offset: 0 };
  let order: 'asc' | 'desc' | undefined;
  for (const token of args) {
    const parts = splitAssignment(token);
    if (!parts) {
      throw usageError('list', `I expected a filter like \`status=New\` but got \`${token.text}\`.`);
    }
    const { field, op, raw } = parts;
    if (field === 'limit' && op === '=') {
      const limit = Number(raw);
      if (!Number.isInteger(limit) || limit < 1)
        throw usageError('list', '`limit` must be a whole number, like `limit=20`.');
      query.limit = Math.min(limit, MAX_PAGE_SIZE);
    } else if (field === 'sort' && op === '=') {
      const descending = raw.startsWith('-');
      query.sort = { field: descending ? raw.slice(1) : raw, order: descending ? 'desc' : (order ?? 'asc') };
    } else if (field === 'order' && op === '=') {
      if (raw !== 'asc' && raw !== 'desc') throw usageError('list', '`order` is `asc` or `desc`.');
      order = raw;
    } else {
      query.filters.push(...parseFilter('list', entity, field, op, raw, context));
    }
  }
  if (order) query.sort = { field: query.sort?.field ?? context.entities.creationField(), order };
  return query;
}
function parseJson(sub: Subcommand, text: string): unknown {
  try {
    return JSON.parse(straightenQuotes(text));
  } catch (error) {
    throw usageError(sub, `That JSON does not parse (${(error as Error).message}).`);
  }
}

const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

function parseApiRequest(args: Token[], bodyText: string): ProxyRequest {
  const method = args[0]?.text.toUpperCase();
  if (!method || !(METHODS as readonly string[]).includes(method)) {
    throw usageError('api', 'Start with the HTTP method: GET, POST, PUT, PATCH or DELETE.');
  }
  const path = args[1]?.text;
  if (!path) throw usageError('api', 'Which EspoCRM path? For example `/Lead?maxSize=5`.');
  if (/^[a-z]+:\/\//i.test(path) || path.includes('..')) {
    throw usageError('api', "Give a path inside EspoCRM's API, like `/Lead/123`, not a full URL.");
  }
  const request: ProxyRequest = { method: method as HttpMethod, path: path.startsWith('/') ? path : `/${path}` };
  // Webhooks carry the secret that signs alerts and the receiver's address: they are the bot's to manage.
  if (/^\/webhook\b/i.test(request.path))
    throw usageError(
      'api',
      `EspoCRM webhooks are managed by ${commandText('subscribe')} and ${commandText('unsubscribe')}.`,
    );
  if (bodyText) {
    if (method === 'GET' || method === 'DELETE') throw usageError('api', `${method} requests take no body.`);
    request.body = parseJson('api', bodyText);
  }
  return request;
}
