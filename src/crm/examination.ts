import type { DoctorCheck } from '../core/ports.js';
import { isObject, isReadAction, listInput, type JsonSchema } from './action-io.js';

/**
 * What `/espo doctor` makes of its probes' answers, as checks a person reads: pure functions over
 * what the connection said, so the gateway only makes the calls.
 */

/** The actions of Membrane's EspoCRM package (membranedev/application-skills skills/espocrm/SKILL.md). */
export const PACKAGE_ACTIONS = [
  ...['users', 'tasks', 'opportunities', 'leads', 'contacts', 'accounts'].map((plural) => `list-${plural}`),
  ...['user', 'task', 'opportunity', 'lead', 'contact', 'account'].map((singular) => `get-${singular}`),
  ...['task', 'opportunity', 'lead', 'contact', 'account'].map((singular) => `create-${singular}`),
  ...['task', 'opportunity', 'lead'].map((singular) => `update-${singular}`),
];

/** EspoCRM's page limit when its settings do not say (Core/Record/SearchParamsFetcher::MAX_SIZE_LIMIT). */
export const DEFAULT_MAX_PAGE_SIZE = 200;

export interface ActionEntry {
  key: string;
  type?: string;
  inputSchema?: unknown;
}

/** What EspoCRM's `GET /Settings` tells an API user that the bot uses. */
export function settingsOf(output: unknown): { siteUrl?: string; version?: string; maxPageSize?: number } {
  if (!isObject(output)) return {};
  const { siteUrl, version, recordListMaxSizeLimit: limit } = output;
  return {
    ...(typeof siteUrl === 'string' && siteUrl.trim() ? { siteUrl: siteUrl.trim().replace(/\/+$/, '') } : {}),
    ...(typeof version === 'string' && version ? { version } : {}),
    ...(typeof limit === 'number' && Number.isInteger(limit) && limit > 0 ? { maxPageSize: limit } : {}),
  };
}

const list = (items: string[], most = 6) =>
  items.length > most ? `${items.slice(0, most).join(', ')} and ${items.length - most} more` : items.join(', ');

/** Which of the package's actions the connection has, and how the bot tells their reads from writes. */
export function catalogCheck(catalog: ActionEntry[]): DoctorCheck {
  const keys = new Set(catalog.map((action) => action.key));
  const missing = PACKAGE_ACTIONS.filter((key) => !keys.has(key));
  const known = catalog.filter((action) => PACKAGE_ACTIONS.includes(action.key));
  const untyped = known.filter((action) => !action.type).map((action) => action.key);
  const schemaless = known.filter((action) => !action.inputSchema).map((action) => action.key);
  const types = [...new Set(known.flatMap((action) => (action.type ? [action.type] : [])))];
  const parts = [
    `${known.length} of the ${PACKAGE_ACTIONS.length} EspoCRM actions the bot knows (${catalog.length} in all).`,
  ];
  if (types.length) parts.push(`Types: ${list(types)}.`);
  if (untyped.length)
    parts.push(`Without a type: ${list(untyped)}; the key decides, and anything not plainly a read waits for Confirm.`);
  if (schemaless.length)
    parts.push(`Without an input schema: ${list(schemaless)}; their records go through the REST API.`);
  if (missing.length) parts.push(`Missing: ${list(missing)}; those go through the REST API.`);
  const writesByKey = known
    .filter((action) => !isReadAction(action) && /^(list|get)-/.test(action.key))
    .map((action) => action.key);
  if (writesByKey.length) parts.push(`Typed as writes: ${list(writesByKey)}; they wait for Confirm.`);
  return {
    name: 'Actions',
    status: missing.length || untyped.length || schemaless.length || writesByKey.length ? 'adapted' : 'ok',
    detail: parts.join(' '),
  };
}

/** How a list action pages, going by its input schema; undefined when it cannot page a list at all. */
export function listPaging(schema: Record<string, unknown> | undefined): 'sized' | 'cursor' | undefined {
  return listInput(schema as JsonSchema | undefined, { entity: 'User', filters: [], limit: 1, offset: 0 })?.paging;
}

/** The smallest harmless run of a list action: one record, or the action's own first page. */
export function probeInput(schema: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return listInput(schema as JsonSchema | undefined, { entity: 'User', filters: [], limit: 1, offset: 0 })?.input;
}

export interface ListProbe {
  key: string;
  paging?: 'sized' | 'cursor';
  /** The run's answer held records the bot can read. */
  readable?: boolean;
  /** Why it could not be run or read. */
  failure?: string;
}

export function listActionsCheck(probes: ListProbe[]): DoctorCheck {
  if (!probes.length)
    return { name: 'List actions', status: 'adapted', detail: 'None: lists go through the REST API.' };
  const words = probes.map((probe) => {
    if (probe.failure) return `${probe.key}: ${probe.failure} (the REST API serves its lists)`;
    if (!probe.paging) return `${probe.key}: takes no page size or cursor (the REST API serves its lists)`;
    if (!probe.readable)
      return `${probe.key}: its answer holds no records the bot can read (the REST API serves its lists)`;
    return `${probe.key}: ${probe.paging === 'sized' ? 'pages by a page size' : 'pages by its cursor, at its own page size'}`;
  });
  const allUsable = probes.every((probe) => probe.paging && probe.readable && !probe.failure);
  return { name: 'List actions', status: allUsable ? 'ok' : 'adapted', detail: words.join('; ') };
}

/** The list actions a probe found the bot cannot use: their records go through the proxy. */
export function unusable(probes: ListProbe[]): string[] {
  return probes.filter((probe) => probe.failure || !probe.paging || !probe.readable).map((probe) => probe.key);
}
