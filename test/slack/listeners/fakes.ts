import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { expect, vi, type Mock } from 'vitest';
import type { ListenerDeps } from '../../../src/slack/edge.js';
import { WorkLimiter } from '../../../src/slack/work-limiter.js';

/**
 * Listeners called directly, as Bolt would call them, with fake `ack`, `respond` and `client` and a
 * small fake of each core service they use: no HTTP, no Bolt app, milliseconds per test.
 */

type Service = ListenerDeps['service'];
type Reply = Awaited<ReturnType<Service['handle']>>;
type Entity = ReturnType<ListenerDeps['forms']['entityOf']>;

export const SITE_URL = 'https://crm.example.com';

export function entity(name: string): Entity {
  return { name, label: name, plural: `${name}s`, keyFields: [], fieldType: () => undefined };
}

export const notice = (text: string): Reply => ({ kind: 'notice', tone: 'info', text });

/** The profile users.info would give: the listeners copy it into the request's context. */
export const PROFILE = { timeZone: 'Europe/Paris', isWorkspaceAdmin: false, email: 'alice@example.com' };

/** The core services a listener reaches, each method a mock with a harmless default answer. */
function fakeServices() {
  const answer = async () => notice('Done by core.');
  return {
    service: {
      handle: vi.fn<Service['handle']>(answer),
      list: vi.fn<Service['list']>(answer),
      show: vi.fn<Service['show']>(answer),
      confirm: vi.fn<Service['confirm']>(answer),
      cancel: vi.fn<Service['cancel']>(answer),
      submit: vi.fn<Service['submit']>(answer),
      proposeUpdate: vi.fn<Service['proposeUpdate']>(answer),
      tenantFor: vi.fn<Service['tenantFor']>((context) => ({ key: context.teamId, ...context })),
      guardConnectLink: vi.fn<Service['guardConnectLink']>((_context, error) => error),
    },
    conversation: { handleMessage: vi.fn<ListenerDeps['conversation']['handleMessage']>() },
    home: { load: vi.fn<ListenerDeps['home']['load']>() },
    forms: {
      requestOf: vi.fn<ListenerDeps['forms']['requestOf']>(() => undefined),
      entityOf: vi.fn<ListenerDeps['forms']['entityOf']>(entity),
      open: vi.fn<ListenerDeps['forms']['open']>(),
      check: vi.fn<ListenerDeps['forms']['check']>(),
    },
    messageLog: {
      searchRelated: vi.fn<ListenerDeps['messageLog']['searchRelated']>(async () => []),
      problems: vi.fn<ListenerDeps['messageLog']['problems']>(() => []),
      plan: vi.fn<ListenerDeps['messageLog']['plan']>((log) => ({
        kind: 'create',
        entity: log.kind,
        fields: { name: log.subject },
      })),
    },
    unfurls: {
      mayHaveRecordLinks: vi.fn<ListenerDeps['unfurls']['mayHaveRecordLinks']>(() => true),
      previews: vi.fn<ListenerDeps['unfurls']['previews']>(async () => ({ state: 'no_links' })),
    },
    digests: { planStop: vi.fn<ListenerDeps['digests']['planStop']>() },
    installations: {
      delete: vi.fn<ListenerDeps['installations']['delete']>(async () => true),
      forgetWorkspace: vi.fn<ListenerDeps['installations']['forgetWorkspace']>(async () => ({
        installation: true,
        connections: 1,
        turns: 0,
        subscriptions: 0,
        webhooks: 0,
        receiverTokens: 0,
        digests: 0,
        profiles: 0,
      })),
    },
    alerts: {
      crmUserOf: vi.fn<NonNullable<ListenerDeps['alerts']>['crmUserOf']>(async () => 'crm-user-1'),
      forgetTeam: vi.fn<NonNullable<ListenerDeps['alerts']>['forgetTeam']>(async () => ({ deleted: 2, left: 0 })),
    },
    botToken: { revokedBySlack: vi.fn<NonNullable<ListenerDeps['botToken']>['revokedBySlack']>() },
    profiles: { of: vi.fn(async (_client: unknown, _teamId: string, _userId: string) => ({ ...PROFILE })) },
    sites: { urlOf: vi.fn(async (_tenantKey: string) => SITE_URL) },
    logger: { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() },
    metrics: { request: vi.fn() },
    limiter: new WorkLimiter(4),
  };
}

export type Fakes = ReturnType<typeof fakeServices> & { deps: ListenerDeps };

/** The fakes, and the same object as the listeners' `deps`. */
export function fakeDeps(): Fakes {
  const fakes = fakeServices();
  return Object.assign(fakes, { deps: fakes as unknown as ListenerDeps });
}

/** The Web API methods listeners call, answering as Slack does when all is well. */
export function fakeClient() {
  return {
    views: {
      open: vi.fn(async (_args: Record<string, unknown>) => ({ ok: true, view: { id: 'V1' } })),
      update: vi.fn(async (_args: Record<string, unknown>) => ({ ok: true })),
      publish: vi.fn(async (_args: Record<string, unknown>) => ({ ok: true })),
    },
    chat: {
      postMessage: vi.fn(async (_args: Record<string, unknown>) => ({ ok: true })),
      postEphemeral: vi.fn(async (_args: Record<string, unknown>) => ({ ok: true })),
      unfurl: vi.fn(async (_args: Record<string, unknown>) => ({ ok: true })),
      getPermalink: vi.fn(async (_args: Record<string, unknown>) => ({ ok: true, permalink: 'https://slack/p/1' })),
    },
  };
}

export type FakeClient = ReturnType<typeof fakeClient>;

export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** A button click as Bolt hands it to an action listener: who clicked where, and the button. */
export function click(button: { action_id: string; value?: string }, who: { user?: string; channel?: string } = {}) {
  const ack = vi.fn(async () => undefined);
  const respond = vi.fn(async (_message: Record<string, unknown>) => undefined);
  const client = fakeClient();
  const action = {
    type: 'button',
    block_id: 'b',
    action_ts: '1.2',
    text: { type: 'plain_text', text: 'x' },
    ...button,
  };
  const body = {
    type: 'block_actions',
    team: { id: 'T1', domain: 'test' },
    user: { id: who.user ?? 'U1', team_id: 'T1' },
    channel: { id: who.channel ?? 'C1', name: 'sales' },
    trigger_id: 'trigger-1',
    response_url: 'https://hooks.slack.test/response/1',
    actions: [action],
  };
  const args = { ack, respond, client, body, action, payload: action } as unknown as ButtonArgs;
  return { args, ack, respond, client };
}

/** The one message a listener sent through `respond` (or a sender standing in for it). */
export function onlyReply(respond: Mock): Record<string, unknown> {
  expect(respond).toHaveBeenCalledTimes(1);
  return respond.mock.calls[0]![0] as Record<string, unknown>;
}

/** Slack gets its acknowledgement before the listener asks core anything. */
export function expectAckedBefore(ack: Mock, work: Mock): void {
  expect(ack).toHaveBeenCalledTimes(1);
  expect(work).toHaveBeenCalled();
  expect(ack.mock.invocationCallOrder[0]).toBeLessThan(work.mock.invocationCallOrder[0]!);
}

/** An Events API event as Bolt hands it to an event listener, in workspace T1 whose bot is UBOT. */
export function eventArgs(event: Record<string, unknown>, context: Record<string, unknown> = {}) {
  const client = fakeClient();
  const args = {
    event,
    message: event,
    payload: event,
    body: { team_id: 'T1', event },
    client,
    context: { teamId: 'T1', botUserId: 'UBOT', ...context },
  };
  // Each listener takes its own event's argument type; the same fake serves them all.
  return { args: args as never, client };
}

/** What core's conversation pipeline answers a message with. */
export function conversed(reply: Reply, firstTurn = false) {
  return { reply, route: 'fast' as const, firstTurn };
}

/** Input values as a view_submission carries them, by field: a text input's `value`, a select's option. */
export function inputs(fields: Record<string, string | { option: string }>) {
  return Object.fromEntries(
    Object.entries(fields).map(([field, value]) => [
      `f_${field}`,
      typeof value === 'string'
        ? { v: { type: 'plain_text_input', value } }
        : { v: { type: 'static_select', selected_option: { value: value.option } } },
    ]),
  );
}

/** A modal submitted, as Bolt hands it to a view listener: the view with its blocks, metadata and state. */
export function submission(view: { metadata?: string; fields: string[]; values: Record<string, unknown> }) {
  const ack = vi.fn(async (_response?: unknown) => undefined);
  const client = fakeClient();
  const submitted = {
    id: 'V1',
    type: 'modal',
    private_metadata: view.metadata ?? '',
    blocks: view.fields.map((field) => ({ type: 'input', block_id: `f_${field}` })),
    state: { values: view.values },
  };
  const body = { type: 'view_submission', team: { id: 'T1' }, user: { id: 'U1', team_id: 'T1' }, view: submitted };
  return { args: { ack, body, view: submitted, payload: submitted, client } as never, ack, client };
}
