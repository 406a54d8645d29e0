import type { AppError } from '../../core/errors.js';
import { EXAMPLES, USAGE } from '../../core/commands/grammar.js';
import type { Assignee, CrmRecord, EntityInfo, FieldView, ListQuery, RecordRef, WritePlan } from '../../core/ports.js';
import type { Reply } from '../../core/replies.js';
import { recordUrl } from '../../crm/espo/entities.js';
import {
  actions,
  button,
  context,
  divider,
  fieldsSection,
  fieldsSections,
  header,
  message,
  section,
  type AnyBlock,
  type Message,
} from './blocks.js';
import { alertsLine, renderSubscribed, renderSubscriptions } from './alert.js';
import { codeBlock, escape, link, truncate, botText } from './mrkdwn.js';
import { describeDigest, digestScheduleLines, renderDigest, renderDigestList } from './digest.js';
import { describeTiming } from '../../core/digest-time.js';

/** Action ids the listeners register; one place so renderer and listeners cannot drift apart. */
export const ACTION_IDS = {
  confirm: 'espo_confirm',
  cancel: 'espo_cancel',
  page: 'espo_page',
  share: 'espo_share',
  show: /^espo_show:/,
  showPrefix: 'espo_show:',
  openLink: /^espo_open/,
  newRecord: 'espo_new',
  editRecord: 'espo_edit',
} as const;

export interface RenderOptions {
  /** EspoCRM's own address, for record links. */
  siteUrl?: string;
  /** Set when rendering for the channel after "Share in channel": no buttons, a "shared by" line. */
  sharedBy?: string;
  /**
   * The reply is posted where others see it (a channel thread): a list gets no Next/Previous or
   * Share, since anyone could press them and page in their own CRM view over it.
   */
  inPublic?: boolean;
}

/** What a "Share in channel" button carries to re-run the read for everyone to see. */
export type ShareTarget = { t: 'list'; q: ListQuery } | { t: 'record'; e: string; id: string };

const SYSTEM_FIELDS =
  /^(id|name|deleted|createdAt|modifiedAt|createdBy\w*|modifiedBy\w*|streamUpdatedAt|versionNumber|followersIds|followersNames|teamsIds|teamsNames|\w+Ids|\w+Columns)$/;

export function titleOf(record: CrmRecord): string {
  const fields = record.fields;
  const candidate = record.name ?? fields.name ?? fields.subject ?? fields.userName;
  return typeof candidate === 'string' && candidate.trim() ? candidate : record.id;
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}

const dayFormat = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  day: 'numeric',
  year: 'numeric',
  timeZone: 'UTC',
});

/** One field value as safe mrkdwn, formatted the way a salesperson reads it. */
export function formatValue(value: unknown, format: FieldView['format'], record?: CrmRecord, field?: string): string {
  if (isEmpty(value)) return '—';
  // A structure where a scalar was expected (a custom field, an odd API answer) is shown as data.
  if (typeof value === 'object') return escape(truncate(escape(value), 200));
  switch (format) {
    case 'currency': {
      const amount = Number(value);
      const currency = String(record?.fields[`${field}Currency`] ?? 'USD');
      if (!Number.isFinite(amount)) return escape(value);
      try {
        return escape(
          new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0 }).format(amount),
        );
      } catch {
        return escape(`${amount.toLocaleString('en-US')} ${currency}`);
      }
    }
    case 'date': {
      const date = new Date(`${String(value).slice(0, 10)}T00:00:00Z`);
      return Number.isNaN(date.getTime()) ? escape(value) : dayFormat.format(date);
    }
    case 'datetime': {
      const text = String(value);
      // EspoCRM datetimes are UTC `YYYY-MM-DD HH:mm:ss`; Slack shows them in each reader's own zone.
      const when = new Date(
        /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(text) ? `${text.replace(' ', 'T')}Z` : `${text.slice(0, 10)}T00:00:00Z`,
      );
      if (Number.isNaN(when.getTime())) return escape(text);
      if (text.length <= 10) return dayFormat.format(when);
      return `<!date^${Math.floor(when.getTime() / 1000)}^{date_short_pretty} {time}|${escape(text)} UTC>`;
    }
    case 'email': {
      const text = String(value);
      return /^[^\s<>|@]+@[^\s<>|@]+$/.test(text) ? `<mailto:${text}|${escape(text)}>` : escape(text);
    }
    case 'url': {
      const text = String(value);
      return /^https?:\/\/[^\s<>|]+$/i.test(text) ? `<${text}|${escape(text)}>` : escape(text);
    }
    case 'bool':
      return value === true || value === 'true' ? 'Yes' : 'No';
    default:
      return escape(value);
  }
}

/** The fields worth showing for a record: the entity's key fields, or for custom entities the first few present. */
export function shownFields(entity: EntityInfo, record: CrmRecord, max: number): FieldView[] {
  if (entity.keyFields.length)
    return entity.keyFields.filter((view) => !isEmpty(record.fields[view.field])).slice(0, max);
  return Object.entries(record.fields)
    .filter(([field, value]) => !SYSTEM_FIELDS.test(field) && !isEmpty(value) && typeof value !== 'object')
    .slice(0, max)
    .map(([field]) => ({ field, label: field, format: 'text' as const }));
}

function recordLink(entity: EntityInfo, record: CrmRecord, options: RenderOptions): string {
  return link(recordUrl(options.siteUrl, entity.name, record.id), titleOf(record));
}

function summaryLine(entity: EntityInfo, record: CrmRecord): string {
  return shownFields(entity, record, 5)
    .map((view) => `${escape(view.label)}: ${formatValue(record.fields[view.field], view.format, record, view.field)}`)
    .join('  ·  ');
}

function shareButton(target: ShareTarget): Record<string, unknown> | undefined {
  return button({ actionId: ACTION_IDS.share, text: 'Share in channel', value: JSON.stringify(target) });
}

/** "New lead" beside a list of leads: the create form for that entity. */
function newButton(entity: EntityInfo): Record<string, unknown> | undefined {
  return button({ actionId: ACTION_IDS.newRecord, text: `New ${entity.label.toLowerCase()}`, value: entity.name });
}

function sharedContext(options: RenderOptions): AnyBlock | undefined {
  return options.sharedBy ? context(`Shared by <@${options.sharedBy}> from EspoCRM`) : undefined;
}

function describeQuery(query: ListQuery): string {
  const parts = query.filters.map((filter) => {
    const symbol = {
      equals: '=',
      notEquals: '≠',
      greaterThan: '>',
      lessThan: '<',
      greaterThanOrEquals: '≥',
      lessThanOrEquals: '≤',
      contains: '~',
      in: 'in',
      notIn: 'not in',
    }[filter.op];
    const value = Array.isArray(filter.value) ? filter.value.join(', ') : String(filter.value);
    return `${filter.field} ${symbol} ${value}`;
  });
  if (query.text) parts.unshift(`“${query.text}”`);
  if (query.sort) parts.push(`sorted by ${query.sort.field}${query.sort.order === 'desc' ? ' ↓' : ''}`);
  return parts.join(', ');
}

function renderRecords(reply: Extract<Reply, { kind: 'records' }>, options: RenderOptions): Message {
  const { entity, query, page } = reply;
  const filters = query ? describeQuery(query) : '';
  const title = `${entity.plural}${filters ? ` · ${filters}` : ''}`;
  if (page.records.length === 0) {
    const hint = filters
      ? `No ${entity.plural.toLowerCase()} match ${escape(filters)}.`
      : `There are no ${entity.plural.toLowerCase()} yet.`;
    return message(`No ${entity.plural.toLowerCase()} found`, [
      header(title),
      section(`${hint}\nTry fewer filters, or \`/espo find ${escape(entity.label.toLowerCase())} &lt;text&gt;\`.`),
      sharedContext(options),
      options.sharedBy ? undefined : actions('espo_list_actions', newButton(entity)),
    ]);
  }
  const offset = query?.offset ?? reply.offset ?? 0;
  const first = offset + 1;
  const last = offset + page.records.length;
  const counted =
    page.total !== undefined
      ? `Showing ${first}–${last} of ${page.total}`
      : `Showing ${first}–${last}${page.hasMore ? ' (more available)' : ''}`;
  const blocks: (AnyBlock | undefined)[] = [header(title), context(counted)];
  for (const record of page.records) {
    // action_id must be unique per message and at most 255 characters.
    const details =
      options.sharedBy || record.id.length > 64
        ? undefined
        : button({
            actionId: `${ACTION_IDS.showPrefix}${record.id}`,
            text: 'Details',
            value: JSON.stringify({ e: entity.name, id: record.id }),
          });
    const line = summaryLine(entity, record);
    blocks.push(section(`*${recordLink(entity, record, options)}*${line ? `\n${line}` : ''}`, details));
  }
  if (options.sharedBy) {
    blocks.push(sharedContext(options));
  } else if (!query || options.inPublic) {
    if (page.hasMore) blocks.push(context('_There are more: ask me for the next ones, or narrow it down._'));
  } else {
    const previous: ListQuery | undefined =
      query.offset > 0
        ? {
            ...query,
            offset: Math.max(0, query.offset - query.limit),
            cursor: query.previousCursors?.at(-1),
            previousCursors: query.previousCursors?.slice(0, -1),
          }
        : undefined;
    const next: ListQuery | undefined = page.hasMore
      ? {
          ...query,
          offset: query.offset + query.limit,
          cursor: page.nextCursor,
          previousCursors:
            page.nextCursor || query.cursor ? [...(query.previousCursors ?? []), query.cursor ?? ''] : undefined,
        }
      : undefined;
    const nextButton =
      next && button({ actionId: `${ACTION_IDS.page}:next`, text: 'Next →', value: JSON.stringify(next) });
    blocks.push(
      divider(),
      // A button value holds 2,000 characters; long filters or a deep cursor trail can outgrow it.
      next && !nextButton
        ? context('_There are more, but this list is too long to page through here: narrow the filters._')
        : undefined,
      actions(
        'espo_list_actions',
        previous &&
          button({ actionId: `${ACTION_IDS.page}:prev`, text: '← Previous', value: JSON.stringify(previous) }),
        nextButton,
        shareButton({ t: 'list', q: query }),
        newButton(entity),
      ),
    );
  }
  return message(`${title}: ${counted.toLowerCase()}`, blocks);
}

function renderRecord(entity: EntityInfo, record: CrmRecord, options: RenderOptions, lead?: string): Message {
  const url = recordUrl(options.siteUrl, entity.name, record.id);
  const views = shownFields(entity, record, 10);
  const description = record.fields.description;
  const blocks: (AnyBlock | undefined)[] = [
    lead ? section(lead) : undefined,
    header(`${entity.label}: ${titleOf(record)}`),
    views.length
      ? fieldsSection(
          views.map(
            (view) =>
              `*${escape(view.label)}*\n${formatValue(record.fields[view.field], view.format, record, view.field)}`,
          ),
        )
      : undefined,
    typeof description === 'string' && description.trim()
      ? section(`*Description*\n${escape(truncate(description, 1500))}`)
      : undefined,
    context(
      `${escape(entity.label)} \`${escape(record.id)}\`${record.fields.modifiedAt ? ` · modified ${formatValue(record.fields.modifiedAt, 'datetime')}` : ''}`,
    ),
  ];
  if (options.sharedBy) blocks.push(sharedContext(options));
  else {
    blocks.push(
      actions(
        'espo_record_actions',
        url ? button({ actionId: 'espo_open_record', text: 'Open in EspoCRM', url }) : undefined,
        record.id.length <= 64
          ? button({
              actionId: ACTION_IDS.editRecord,
              text: 'Edit',
              value: JSON.stringify({ e: entity.name, id: record.id }),
            })
          : undefined,
        shareButton({ t: 'record', e: entity.name, id: record.id }),
      ),
    );
  }
  return message(`${entity.label}: ${titleOf(record)}`, blocks);
}

/** Longest value a preview shows in full (a field holds 2,000 characters, with room for the label). */
const PREVIEW_VALUE_MAX = 1500;
/** Longest JSON input a preview shows in full (a section holds 3,000). */
const PREVIEW_JSON_MAX = 2800;

function changeLines(plan: Extract<WritePlan, { kind: 'create' | 'update' }>): string[] {
  return Object.entries(plan.fields).map(([field, value]) => {
    const after =
      value === null ? '_(cleared)_' : escape(typeof value === 'object' ? JSON.stringify(value) : String(value));
    if (plan.kind === 'update' && plan.before) {
      const previous = plan.before[field];
      // The old value is context, not what gets written, so it may be shortened.
      const before = isEmpty(previous) ? '_(empty)_' : escape(truncate(String(previous), 200));
      return `*${escape(field)}*\n${before} → ${after}`;
    }
    return `*${escape(field)}*\n${after}`;
  });
}

/** Whether the preview can show every byte that would be written; if not, it must not offer Confirm. */
function fitsInPreview(plan: WritePlan): boolean {
  switch (plan.kind) {
    case 'create':
    case 'update':
      return (
        Object.keys(plan.fields).length <= 40 &&
        Object.values(plan.fields).every(
          (value) =>
            escape(typeof value === 'object' ? JSON.stringify(value) : String(value ?? '')).length <= PREVIEW_VALUE_MAX,
        )
      );
    case 'run':
      return JSON.stringify(plan.input, null, 2).length <= PREVIEW_JSON_MAX;
    case 'proxy':
      return plan.request.body === undefined || JSON.stringify(plan.request.body, null, 2).length <= PREVIEW_JSON_MAX;
    default:
      return true;
  }
}

/** Which record a planned change touches, by name, so the person can tell it is the one they meant. */
function targetLine(target: RecordRef | undefined): AnyBlock | undefined {
  if (!target) return undefined;
  return section(
    `This changes ${escape(target.entity)} *${escape(target.name ?? target.id)}* \`${escape(target.id)}\`.`,
  );
}

type Scalar = string | number | boolean | null;
const isScalar = (value: unknown): value is Scalar =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value);

/**
 * What an action or REST call will send. A flat record (`{name, dateEnd}`, or `{id, fields: {...}}`
 * as Membrane's actions take it) reads best as field lines, each value exactly as sent; anything
 * else is shown as JSON.
 */
function payloadBlocks(payload: unknown): (AnyBlock | undefined)[] {
  if (payload === undefined) return [];
  const object =
    typeof payload === 'object' && payload !== null && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : undefined;
  const { fields, ...rest } = object ?? {};
  const nested =
    typeof fields === 'object' && fields !== null && !Array.isArray(fields)
      ? (fields as Record<string, unknown>)
      : undefined;
  const flat = nested ? { ...rest, ...nested } : object;
  const clash = nested && Object.keys(rest).some((key) => key in nested);
  if (
    flat &&
    !clash &&
    Object.keys(flat).length > 0 &&
    Object.keys(flat).length <= 40 &&
    Object.values(flat).every((value) => isScalar(value) && escape(String(value)).length <= PREVIEW_VALUE_MAX)
  ) {
    return fieldsSections(
      Object.entries(flat).map(
        ([field, value]) => `*${escape(field)}*\n${value === null ? '_(cleared)_' : escape(String(value))}`,
      ),
    );
  }
  return [section(codeBlock(JSON.stringify(payload, null, 2), 2900))];
}

/** Whom a new record goes to, in the preview: the person asking is "you". */
function assigneeLine(assignee: Assignee | undefined): AnyBlock | undefined {
  return assignee && section(`*Assigned to:* ${assignee.isRequester ? 'you' : escape(assignee.name ?? assignee.id)}`);
}

/** The preview of a write: exactly what will be sent, for the requester to confirm. */
function renderConfirm(reply: Extract<Reply, { kind: 'confirm' }>): Message {
  const { plan, entity, assignee } = reply;
  if (!fitsInPreview(plan)) {
    const text =
      'This change is too large to show in full in Slack, so I will not offer to write it from here. Split it into smaller changes, or make it in EspoCRM.';
    return message(text, [section(`:warning: ${text}`)]);
  }
  const noun = entity?.label.toLowerCase() ?? 'record';
  const blocks: (AnyBlock | undefined)[] = [];
  let question: string;
  switch (plan.kind) {
    case 'create':
      question = `Create a new ${noun}?`;
      blocks.push(section(`*${question}*`), assigneeLine(assignee), ...fieldsSections(changeLines(plan)));
      break;
    case 'update':
      question = `Update this ${noun}?`;
      blocks.push(section(`*${question}* \`${escape(plan.id)}\``), ...fieldsSections(changeLines(plan)));
      break;
    case 'delete':
      question = `Delete ${noun} “${plan.name ?? plan.id}”?`;
      blocks.push(
        section(
          `*Delete ${escape(noun)} “${escape(plan.name ?? plan.id)}”?*\nIt goes to EspoCRM's trash; only an admin can bring it back.`,
        ),
      );
      break;
    case 'run':
      question = `Run ${plan.key}?`;
      blocks.push(
        section(`*Run \`${escape(plan.key)}\`* (${escape(plan.name)}) with this input?`),
        targetLine(plan.target),
        assigneeLine(assignee),
        ...payloadBlocks(plan.input),
      );
      break;
    case 'proxy':
      question = `Send ${plan.request.method} ${plan.request.path}?`;
      blocks.push(
        section(`*Send \`${escape(plan.request.method)} ${escape(plan.request.path)}\` to EspoCRM?*`),
        targetLine(plan.target),
        assigneeLine(assignee),
        ...payloadBlocks(plan.request.body),
      );
      break;
    case 'digest_schedule':
      question = `Send a digest ${describeTiming(plan.digest)}?`;
      blocks.push(...digestScheduleLines(plan.digest));
      break;
    case 'digest_cancel':
      question = 'Stop this digest?';
      blocks.push(section(`*Stop this digest?* ${escape(describeDigest(plan.digest))}`));
      break;
    case 'disconnect':
      question = 'Disconnect EspoCRM?';
      blocks.push(
        section(
          '*Disconnect EspoCRM?*\nThe bot stops reaching EspoCRM for everyone it serves here until someone connects again.',
        ),
      );
      break;
    case 'subscribe': {
      const where = plan.subscription.dm ? 'your DMs' : `<#${plan.subscription.channelId}>`;
      question = `Subscribe to ${plan.subscription.description}?`;
      blocks.push(
        section(
          `*Send alerts about ${escape(plan.subscription.description)} to ${where}?*\nThe bot registers the EspoCRM webhooks this needs.`,
        ),
      );
      break;
    }
    case 'unsubscribe':
      question = `Unsubscribe ${plan.id}?`;
      blocks.push(section(`*Stop alerts about ${escape(plan.description)}?* \`${escape(plan.id)}\``));
      break;
  }
  const expires = Math.floor(reply.expiresAt.getTime() / 1000);
  const minutes = Math.max(1, Math.round((reply.expiresAt.getTime() - Date.now()) / 60_000));
  blocks.push(
    context(
      `Nothing is written until you confirm. Only you can confirm; this expires <!date^${expires}^{time}|in ${minutes} minutes>.`,
    ),
    actions(
      'espo_confirm_actions',
      button({
        actionId: ACTION_IDS.confirm,
        text: 'Confirm',
        value: reply.pendingId,
        style: plan.kind === 'delete' || plan.kind === 'disconnect' ? 'danger' : 'primary',
      }),
      button({ actionId: ACTION_IDS.cancel, text: 'Cancel', value: reply.pendingId }),
    ),
  );
  return message(question, blocks);
}

function renderDone(reply: Extract<Reply, { kind: 'done' }>, options: RenderOptions): Message {
  const { plan, entity, record } = reply;
  const noun = entity?.label.toLowerCase() ?? 'record';
  switch (plan.kind) {
    case 'create':
    case 'update':
      if (entity && record) {
        const verb = plan.kind === 'create' ? 'Created' : 'Updated';
        return renderRecord(
          entity,
          record,
          options,
          `:white_check_mark: ${verb} ${escape(noun)} *${recordLink(entity, record, options)}*.`,
        );
      }
      return message('Done', [section(':white_check_mark: Done.')]);
    case 'delete':
      return message(`Deleted ${noun}`, [
        section(`:wastebasket: Deleted ${escape(noun)} *${escape(plan.name ?? plan.id)}*.`),
      ]);
    case 'digest_schedule':
    case 'digest_cancel':
      return message('Done', [section(':white_check_mark: Done.')]);
    case 'disconnect':
      return message('Disconnected EspoCRM', [
        section(':electric_plug: Disconnected EspoCRM. Run `/espo connect` to connect again.'),
      ]);
    case 'subscribe':
    case 'unsubscribe':
      return message('Done', [section(':white_check_mark: Done.')]);
    case 'run':
    case 'proxy': {
      const what =
        plan.kind === 'run'
          ? `\`${escape(plan.key)}\``
          : `\`${escape(plan.request.method)} ${escape(plan.request.path)}\``;
      return message('Done', [
        section(`:white_check_mark: Ran ${what}.`),
        section(codeBlock(JSON.stringify(reply.output ?? null, null, 2), 2900)),
      ]);
    }
  }
}

function renderHelp(reply: Extract<Reply, { kind: 'help' }>): Message {
  const topic = reply.topic;
  const focus = topic
    ? section(
        `*\`/espo ${escape(USAGE[topic])}\`*\n${EXAMPLES[topic].map((example) => `• \`/espo ${escape(example)}\``).join('\n')}`,
      )
    : undefined;
  const intro = reply.unknownWord
    ? `I don't know \`${escape(reply.unknownWord)}\`.${reply.suggestion ? ` Did you mean \`/espo ${escape(reply.suggestion)}\`?` : ''}`
    : '*EspoCRM from Slack.* Everything you look up is shown only to you until you share it; every change waits for your Confirm.';
  const usage = Object.values(USAGE)
    .map((line) => `• \`/espo ${escape(line)}\``)
    .join('\n');
  return message(reply.unknownWord ? `Unknown command ${reply.unknownWord}` : 'How to use /espo', [
    focus,
    section(intro),
    section(`*Commands*\n${usage}`),
    section(
      `*Records:* ${reply.entityWords.map((word) => `\`${escape(word)}\``).join(', ')} (and your custom entities by name)\n` +
        '*Examples*\n' +
        '• `/espo list leads status=New sort=-createdAt`\n' +
        '• `/espo list deals stage=Prospecting,Qualification amount>10k`\n' +
        '• `/espo find contact Jane`\n' +
        '• `/espo create task name="Call Bob" dateEnd=tomorrow`\n' +
        '• `/espo update lead 5f3a… status="In Process"`',
    ),
    // `<` and `>` are Slack's markup even in code: escaped, so they show as typed.
    context(
      'Filters: `=`, `!=`, `&gt;`, `&lt;`, `&gt;=`, `&lt;=`, `~` (contains); `a,b` means any of. Dates: ISO, `today`, `tomorrow`.',
    ),
  ]);
}

export function renderReply(reply: Reply, options: RenderOptions = {}): Message {
  switch (reply.kind) {
    case 'help':
      return renderHelp(reply);
    case 'notice': {
      const icon = { info: ':information_source:', success: ':white_check_mark:', warning: ':warning:' }[reply.tone];
      return message(reply.text, [section(`${icon} ${botText(reply.text)}`)]);
    }
    case 'records':
      return renderRecords(reply, options);
    case 'record':
      return renderRecord(reply.entity, reply.record, options);
    case 'confirm':
      return renderConfirm(reply);
    case 'done':
      return renderDone(reply, options);
    case 'connect':
      return renderConnect(reply.description, reply.url);
    case 'status': {
      const { status } = reply;
      const scope =
        reply.scope === 'user' ? 'your own EspoCRM connection' : "this workspace's shared EspoCRM connection";
      const text =
        status.state === 'ready'
          ? `:large_green_circle: Connected to EspoCRM${status.name ? ` (${escape(status.name)})` : ''}. You are using ${scope}.`
          : status.state === 'none'
            ? ':white_circle: Not connected to EspoCRM yet. Run `/espo connect`.'
            : status.state === 'building'
              ? ':large_yellow_circle: The EspoCRM connection is still being set up. Try again in a minute.'
              : status.state === 'action_required'
                ? `:large_orange_circle: The EspoCRM connection needs you: ${escape(status.description)} Run \`/espo connect\`.`
                : `:red_circle: The EspoCRM connection failed: ${escape(status.message)} To start over: \`/espo disconnect\`, then \`/espo connect\`.`;
      return message('EspoCRM connection status', [
        section(text),
        reply.site
          ? context(`Record links go to ${escape(reply.site.url)} (${SITE_SOURCES[reply.site.source]}).`)
          : undefined,
        reply.alerts ? section(alertsLine(reply.alerts)) : undefined,
      ]);
    }
    case 'subscribed':
      return renderSubscribed(reply);
    case 'doctor':
      return renderDoctor(reply);
    case 'subscriptions':
      return renderSubscriptions(reply);
    case 'actions': {
      if (reply.actions.length === 0) {
        return message('No matching actions', [
          section(
            `No actions match “${escape(reply.intent)}”. Try other words, or use \`/espo api\` for EspoCRM's REST API.`,
          ),
        ]);
      }
      const lines = reply.actions.map(
        (action) =>
          `*${escape(action.name)}*  \`${escape(action.key)}\`${action.isRead ? '' : '  _(writes)_'}${action.description ? `\n${escape(truncate(action.description, 300))}` : ''}`,
      );
      return message(`Actions for ${reply.intent}`, [
        header(`Actions for “${reply.intent}”`),
        ...lines.map((line) => section(line)),
        context('Run one with `/espo run <key> {json}`.'),
      ]);
    }
    case 'say':
      return message(reply.text, [section(botText(reply.text))]);
    case 'digest':
      return renderDigest(reply.digest, { siteUrl: options.siteUrl, preview: reply.preview });
    case 'digests':
      return renderDigestList(reply.digests, reply.personal);
    case 'data':
      return message(reply.title, [
        section(`*${escape(reply.title)}*`),
        section(codeBlock(JSON.stringify(reply.data ?? null, null, 2), 2900)),
      ]);
  }
}

const SITE_SOURCES = {
  stated: 'set with `/espo connect`',
  espocrm: "EspoCRM's own site URL",
  default: 'ESPOCRM_URL',
} as const;
const CHECK_ICONS = { ok: ':white_check_mark:', adapted: ':large_blue_circle:', problem: ':warning:' } as const;

/** The doctor's checks, one line each: ok, adapted to (the bot works around it), or a problem to act on. */
function renderDoctor(reply: Extract<Reply, { kind: 'doctor' }>): Message {
  const title = reply.automatic ? 'The new EspoCRM connection needs attention' : 'EspoCRM connection check';
  const problems = reply.checks.filter((check) => check.status === 'problem').length;
  return message(`${title}: ${problems ? `${problems} problem${problems === 1 ? '' : 's'}` : 'no problems'}`, [
    header(title),
    ...reply.checks.map((check) =>
      section(`${CHECK_ICONS[check.status]} *${escape(check.name)}*: ${truncate(botText(check.detail), 2900)}`),
    ),
    context(
      reply.automatic
        ? 'I checked the new connection by myself, with harmless reads. `/espo doctor` shows every check.'
        : `Checked just now, with harmless reads. ${CHECK_ICONS.adapted} the bot works around it; ${CHECK_ICONS.problem} someone has to act.`,
    ),
  ]);
}

function renderConnect(description: string, url?: string): Message {
  return message(`Connect EspoCRM: ${description}`, [
    section(`:link: ${botText(description)}`),
    actions(
      'espo_connect_actions',
      url ? button({ actionId: 'espo_open_connect', text: 'Connect EspoCRM', url, style: 'primary' }) : undefined,
    ),
    context(
      url
        ? 'This link is only shown to you. When you are done, run your command again.'
        : 'When that is done, run your command again.',
    ),
  ]);
}

/** Errors the person can act on, in words; details (fields, duplicates, a connect link) when known. */
export function renderError(error: AppError): Message {
  if (error.code === 'connection_required') return renderConnect(error.userMessage, error.details.connectUrl);
  // Messages quote what the person typed (and usage like `<entity>`), so they are escaped like any other text.
  const blocks: (AnyBlock | undefined)[] = [section(`:warning: ${botText(error.userMessage)}`)];
  const check = error.details.check;
  if (check) {
    blocks.push(
      'id' in check
        ? actions(
            'espo_check',
            button({
              actionId: `${ACTION_IDS.showPrefix}${check.id}`,
              text: 'Check the record',
              value: JSON.stringify({ e: check.entity, id: check.id }),
            }),
          )
        : actions(
            'espo_check',
            button({ actionId: `${ACTION_IDS.page}:check`, text: 'Look for it', value: JSON.stringify(check.query) }),
          ),
    );
  }
  if (error.details.duplicates?.length) {
    blocks.push(
      section(
        `*Possible duplicates*\n${error.details.duplicates.map((d) => `• ${escape(d.name ?? d.id)} \`${escape(d.id)}\``).join('\n')}`,
      ),
    );
  }
  return message(error.userMessage, blocks);
}
