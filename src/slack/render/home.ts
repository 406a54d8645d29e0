import type { types } from '@slack/bolt';
import type { HomeData, HomeList, HomeWork } from '../../core/home/home.js';
import { dueOf } from '../../core/home/work-filters.js';
import type { CrmRecord } from '../../core/ports.js';
import { recordUrl } from '../../crm/espo/entities.js';
import { LIMITS, actions, button, context, divider, header, section, type AnyBlock } from './blocks.js';
import { escape, link, botText } from './mrkdwn.js';
import { formatValue, titleOf } from './fields.js';

/**
 * The App Home tab: the connection, the person's open tasks and upcoming meetings, and quick
 * buttons. The modals behind the quick buttons, and Connect (the `/espo connect` flow), are
 * registered by their own listeners; link buttons (`espo_open…`) are acknowledged by the
 * existing open-link listener.
 */
export const HOME_ACTION_IDS = {
  /** Membrane's connect link, when Home already has it for this person. */
  connectLink: 'espo_open_home_connect',
  /** Starts `/espo connect` for the person; its answer comes to their DM with the bot. */
  connect: 'espo_home_connect',
  newLead: 'espo_home_new_lead',
  newTask: 'espo_home_new_task',
  search: 'espo_home_search',
} as const;

export type HomeView = types.HomeView;

export interface HomeRenderOptions {
  /** EspoCRM's own address, for record links. */
  siteUrl?: string;
}

const ASK_AN_ADMIN =
  'Ask a Slack workspace admin or owner to run `/espo connect`; the connection they set up is shared by everyone here.';

/** A Home view from its blocks: empty slots dropped, cut to Slack's 100 blocks with a visible note. */
export function homeView(blocks: (AnyBlock | undefined)[]): HomeView {
  let present = blocks.filter((block): block is AnyBlock => block !== undefined);
  if (present.length > LIMITS.viewBlocks)
    present = [
      ...present.slice(0, LIMITS.viewBlocks - 1),
      context('_…more than fits here; use `/espo list` to see the rest._'),
    ];
  return { type: 'home', callback_id: 'espo_home', blocks: present as types.HomeView['blocks'] };
}

export function renderHome(data: HomeData, options: HomeRenderOptions = {}): HomeView {
  return homeView([
    header('EspoCRM'),
    ...connectionBlocks(data),
    data.connection.state === 'ready' ? quickActions() : undefined,
    divider(),
    ...workBlocks(data.work, data, options),
    context(
      `<!date^${Math.floor(data.now.getTime() / 1000)}^Updated {date_short_pretty} at {time}|Updated ${escape(data.now.toISOString())}>`,
    ),
  ]);
}

/** When even the data could not be read: the tab still says something, politely. */
export function renderHomeError(message: string): HomeView {
  return homeView([
    header('EspoCRM'),
    section(`:warning: ${botText(message)}`),
    context('Open this tab again in a moment to retry, or use `/espo status`.'),
  ]);
}

function quickActions(): AnyBlock | undefined {
  return actions(
    'espo_home_actions',
    button({ actionId: HOME_ACTION_IDS.newLead, text: ':bust_in_silhouette: New lead', value: 'Lead' }),
    button({ actionId: HOME_ACTION_IDS.newTask, text: ':white_check_mark: New task', value: 'Task' }),
    button({ actionId: HOME_ACTION_IDS.search, text: ':mag: Search', value: 'search' }),
  );
}

function connectionBlocks(data: HomeData): (AnyBlock | undefined)[] {
  const { connection, scope, managesConnection } = data;
  const whose = scope === 'user' ? 'your own EspoCRM connection' : "this workspace's shared EspoCRM connection";
  // Only whoever may be given the connect link is offered a way to it: anyone else is asked to fetch an admin.
  const start = (text: string) =>
    managesConnection
      ? {
          button: button({ actionId: HOME_ACTION_IDS.connect, text, style: 'primary' }),
          hint: context(`${text} (or \`/espo connect\`) sends your private connect link to your messages with me.`),
        }
      : { button: undefined, hint: context(ASK_AN_ADMIN) };
  switch (connection.state) {
    case 'ready':
      return [
        section(`:large_green_circle: *Connected to EspoCRM*${connection.name ? ` (${escape(connection.name)})` : ''}`),
        context(`You are using ${whose}.`),
      ];
    case 'action_required': {
      const title = `:large_orange_circle: *EspoCRM needs ${connection.reconnect ? 'reconnecting' : 'connecting'}.* ${escape(connection.description)}`;
      const text = connection.reconnect ? 'Reconnect EspoCRM' : 'Connect EspoCRM';
      if (connection.connectUrl) {
        const link = button({
          actionId: HOME_ACTION_IDS.connectLink,
          text,
          url: connection.connectUrl,
          style: 'primary',
        });
        return [section(title, link), context('This link is only shown to you. Reopen this tab when you are done.')];
      }
      const { button: connect, hint } = start(text);
      return [section(title, connect), hint];
    }
    case 'none': {
      const { button: connect, hint } = start('Connect EspoCRM');
      return [section(':white_circle: *EspoCRM is not connected yet.*', connect), hint];
    }
    case 'building':
      return [
        section(':large_yellow_circle: *The EspoCRM connection is still being set up.*'),
        context('Reopen this tab in a minute.'),
      ];
    case 'failed': {
      const { button: connect, hint } = start('Reconnect EspoCRM');
      return [section(`:red_circle: *The EspoCRM connection failed:* ${escape(connection.message)}`, connect), hint];
    }
    case 'unknown':
      return [
        section(`:warning: *I could not check the EspoCRM connection.* ${botText(connection.error.userMessage)}`),
        context('Reopen this tab in a moment to retry.'),
      ];
  }
}

function workBlocks(work: HomeWork, data: HomeData, options: HomeRenderOptions): (AnyBlock | undefined)[] {
  switch (work.kind) {
    case 'not_connected':
      return [section('_Your open tasks and upcoming meetings show here once EspoCRM is connected._')];
    case 'no_email':
      return [
        section(
          ":bust_in_silhouette: I can't tell which EspoCRM user you are: Slack did not give me your email. " +
            'Whoever manages this Slack app can add the `users:read.email` scope (and reinstall it); then your tasks and meetings show here.',
        ),
      ];
    case 'no_match':
      return [
        section(
          `:bust_in_silhouette: I can't find your EspoCRM user: no EspoCRM user has your Slack email (${escape(work.email)}). ` +
            'Ask an EspoCRM admin to set that email on your EspoCRM user; then your tasks and meetings show here.',
        ),
      ];
    case 'error':
      return [section(`:warning: I could not load your tasks and meetings. ${botText(work.error.userMessage)}`)];
    case 'lists':
      return [
        ...listBlocks('Your open tasks', work.tasks, 'No open tasks assigned to you. :tada:', (record) =>
          taskLine(record, data.now, options),
        ),
        divider(),
        ...listBlocks('Your upcoming meetings', work.meetings, 'No upcoming meetings assigned to you.', (record) =>
          meetingLine(record, options),
        ),
      ];
  }
}

function listBlocks(title: string, list: HomeList, empty: string, line: (record: CrmRecord) => string): AnyBlock[] {
  if (list.records.length === 0) return [header(title), section(`_${empty}_`)];
  const counted =
    list.total !== undefined && list.total > list.records.length
      ? [context(`Showing ${list.records.length} of ${list.total}.`)]
      : list.hasMore
        ? [context(`Showing the first ${list.records.length}.`)]
        : [];
  return [header(title), ...list.records.map((record) => section(line(record))), ...counted];
}

function recordLink(entity: string, record: CrmRecord, options: HomeRenderOptions): string {
  return `*${link(recordUrl(options.siteUrl, entity, record.id), titleOf(record))}*`;
}

/** A string field's value as escaped text, or undefined when it is empty or not text. */
function text(record: CrmRecord, field: string): string | undefined {
  const value = record.fields[field];
  return typeof value === 'string' && value.trim() ? escape(value) : undefined;
}

function taskLine(record: CrmRecord, now: Date, options: HomeRenderOptions): string {
  const due = dueOf(record);
  const dateOnly = due !== undefined && due.length <= 10;
  // A date-only due date is due at the end of that day.
  const dueAt = due === undefined ? undefined : new Date(dateOnly ? `${due}T23:59:59Z` : `${due.replace(' ', 'T')}Z`);
  const overdue = dueAt !== undefined && !Number.isNaN(dueAt.getTime()) && dueAt < now;
  const parts = [
    due === undefined
      ? 'No due date'
      : `${overdue ? ':warning: Overdue since' : 'Due'} ${formatValue(due, dateOnly ? 'date' : 'datetime')}`,
    text(record, 'priority'),
    text(record, 'status'),
    text(record, 'parentName') && `Re: ${text(record, 'parentName')}`,
  ];
  return `${recordLink('Task', record, options)}\n${parts.filter(Boolean).join('  ·  ')}`;
}

function meetingLine(record: CrmRecord, options: HomeRenderOptions): string {
  const start = record.fields.dateStart;
  const parts = [
    start ? formatValue(start, 'datetime') : undefined,
    text(record, 'parentName') && `Re: ${text(record, 'parentName')}`,
  ];
  return `${recordLink('Meeting', record, options)}\n${parts.filter(Boolean).join('  ·  ')}`;
}
