/** The slash command's subcommands, how each is used, and the words that name them. */
import { AppError } from '../errors.js';
import type { EntityDirectory } from '../ports.js';
import { commandText } from '../text.js';

export const SUBCOMMANDS = [
  'help',
  'connect',
  'status',
  'doctor',
  'disconnect',
  'list',
  'find',
  'count',
  'sum',
  'report',
  'pipeline',
  'show',
  'create',
  'update',
  'delete',
  'actions',
  'run',
  'api',
  'subscribe',
  'subscriptions',
  'unsubscribe',
  'digest',
  'digests',
] as const;

export type Subcommand = (typeof SUBCOMMANDS)[number];

/** How each subcommand is used; help and error messages quote these. */
export const USAGE: Record<Subcommand, string> = {
  help: 'help',
  connect: 'connect [https://your-espocrm.example.com]',
  status: 'status',
  doctor: 'doctor',
  disconnect: 'disconnect',
  list: 'list <entity> [field=value ...] [sort=field] [limit=N]',
  find: 'find <entity> <text>',
  count: 'count <entity> [field=value ...] [by <field>]',
  sum: 'sum <entity> <field> [field=value ...] [by <field>]',
  report: 'report <entity> by <field> [field=value ...]',
  pipeline: 'pipeline [this quarter|next month|this-year|...] [mine]',
  show: 'show <entity> <id>',
  create: 'create <entity> field=value ...',
  update: 'update <entity> <id> field=value ...',
  delete: 'delete <entity> <id>',
  actions: 'actions <what you want to do>',
  run: 'run <action-key> {json input}',
  api: 'api <GET|POST|PUT|PATCH|DELETE> <path> [json body]',
  subscribe: 'subscribe <entity> [created|updated [field]|deleted|assigned] [field=value ...] [to=me]',
  subscriptions: 'subscriptions',
  unsubscribe: 'unsubscribe <id>',
  digest: 'digest daily <HH:MM> [weekdays] [pipeline] | digest now [pipeline]',
  digests: 'digests',
};

/** One example per subcommand, for `/espo help <subcommand>`. */
export const EXAMPLES: Record<Subcommand, string[]> = {
  help: ['help list'],
  connect: ['connect', 'connect https://crm.example.com'],
  status: ['status'],
  doctor: ['doctor'],
  disconnect: ['disconnect'],
  list: [
    'list leads status=New sort=-createdAt',
    'list deals stage=Prospecting,Qualification amount>10k limit=20',
    'list tasks status!=Completed dateEnd<=today',
  ],
  find: ['find contact Jane', 'find account acme'],
  count: ['count leads status=New', 'count leads createdAt=this-week', 'count tasks status!=Completed by assignedUser'],
  sum: ['sum deals amount by stage', 'sum deals amount closeDate=this-quarter stage!=Closed Lost'],
  report: ['report leads by source', 'report deals by assignedUser stage=Negotiation'],
  pipeline: ['pipeline', 'pipeline this quarter', 'pipeline next month mine'],
  show: ['show lead 5f3a9b2c1d4e6f708', 'show https://crm.example.com/#Opportunity/view/5f3a9b2c1d4e6f708'],
  create: [
    'create task name="Call Bob" dateEnd=tomorrow priority=High',
    'create lead firstName=Ada lastName=Lovelace emailAddress=ada@example.com',
  ],
  update: [
    'update lead 5f3a9b2c1d4e6f708 status="In Process"',
    'update deal 5f3a9b2c1d4e6f708 stage=Negotiation amount=25k',
  ],
  delete: ['delete task 5f3a9b2c1d4e6f708'],
  actions: ['actions create a task', 'actions list opportunities'],
  run: ['run list-leads {"maxSize": 5}'],
  api: ['api GET /Lead?maxSize=5', 'api POST /Case {"name": "Printer on fire"}'],
  subscribe: [
    'subscribe opportunity stage=Closed Won',
    'subscribe lead created source=Web Site',
    'subscribe case created priority=Urgent',
    'subscribe task assigned to=me',
  ],
  subscriptions: ['subscriptions'],
  unsubscribe: ['unsubscribe 3f2a9c'],
  digest: ['digest daily 09:00 weekdays', 'digest daily 08:30 weekdays pipeline', 'digest now pipeline'],
  digests: ['digests'],
};

/** The subcommand a word names (`list`, or an alias such as `ls`), if any. */
export function subcommandOf(word: string): Subcommand | undefined {
  const lower = word.toLowerCase();
  if ((SUBCOMMANDS as readonly string[]).includes(lower)) return lower as Subcommand;
  // Own keys only: `constructor` or `toString` are words someone may type, not aliases.
  return Object.hasOwn(ALIASES, lower) ? ALIASES[lower] : undefined;
}

export const ALIASES: Record<string, Subcommand> = {
  '?': 'help',
  search: 'find',
  get: 'show',
  view: 'show',
  new: 'create',
  add: 'create',
  edit: 'update',
  set: 'update',
  remove: 'delete',
  ls: 'list',
  total: 'sum',
  breakdown: 'report',
};

export const DEFAULT_PAGE_SIZE = 10;
/** Keeps a page inside Slack's 50-blocks-per-message limit with room for header and buttons. */
export const MAX_PAGE_SIZE = 20;

export interface ParseContext {
  entities: EntityDirectory;
  now: Date;
  timeZone: string;
}

export function usageError(sub: Subcommand, problem: string): AppError {
  return new AppError('bad_input', `${problem}\nUsage: ${commandText(USAGE[sub])}`);
}

/**
 * A report in the words of its subcommand (USAGE above): `count leads …`, `sum deals amount … by
 * stage`, `report leads by source …`. The model's planned reports run as these commands.
 */
export function reportCommandText(report: {
  entity: string;
  sumField?: string;
  groupBy?: string;
  filters: string;
}): string {
  const { entity, sumField, groupBy, filters } = report;
  const by = groupBy ? `by ${groupBy}` : '';
  const words = sumField
    ? ['sum', entity, sumField, filters, by]
    : groupBy
      ? ['report', entity, by, filters]
      : ['count', entity, filters];
  return words.filter(Boolean).join(' ');
}
