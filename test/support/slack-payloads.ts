import fc from 'fast-check';

/**
 * Request bodies shaped as Slack sends them (docs.slack.dev, "Reference: payloads": block_actions,
 * view_submission, view_closed, shortcut, message_action, block_suggestion; "Implementing slash
 * commands"; the Events API's event_callback envelope), and the same bodies broken where Bolt
 * reads them before any listener (payload-screen.ts lists where): a property removed, or replaced
 * by null, a value of another kind, or an id Bolt would mistake for one of its own objects.
 */
export type PayloadKind =
  | 'command'
  | 'event'
  | 'block_actions'
  | 'view_submission'
  | 'view_closed'
  | 'shortcut'
  | 'message_action'
  | 'block_suggestion';

const user = () => ({ id: 'U1', username: 'alice', name: 'alice', team_id: 'T1' });
const team = () => ({ id: 'T1', domain: 'test' });
const interactive = () => ({
  team: team(),
  user: user(),
  api_app_id: 'A1',
  token: 'legacy',
  is_enterprise_install: false,
  enterprise: null,
});

/** Where replies go unless a test says otherwise: nowhere (the discard port on loopback). */
const NOWHERE = 'http://127.0.0.1:9/response';

/** One well-formed body of each kind, for the app's own listeners (their callback and action ids). */
export const slackPayloads: Record<PayloadKind, (responseUrl?: string) => Record<string, unknown>> = {
  command: (responseUrl = NOWHERE) => ({
    command: '/espo',
    text: 'help',
    team_id: 'T1',
    team_domain: 'test',
    user_id: 'U1',
    user_name: 'alice',
    channel_id: 'C1',
    channel_name: 'sales',
    api_app_id: 'A1',
    response_url: responseUrl,
    trigger_id: 'trigger-1',
  }),
  event: () => ({
    token: 'legacy',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: 'Ev-fuzz',
    event_time: 1_800_000_000,
    authorizations: [
      { enterprise_id: null, team_id: 'T1', user_id: 'UBOT', is_bot: true, is_enterprise_install: false },
    ],
    event: {
      type: 'app_home_opened',
      user: 'U1',
      channel: 'D1',
      tab: 'home',
      event_ts: '1800000000.000100',
      item: { type: 'message', channel: 'C1', ts: '1.2' },
      subteam: { id: 'S1', created_by: 'U1' },
    },
  }),
  block_actions: (responseUrl = NOWHERE) => ({
    type: 'block_actions',
    ...interactive(),
    container: { type: 'message', message_ts: '1.2', channel_id: 'C1', is_ephemeral: true },
    trigger_id: 'trigger-1',
    channel: { id: 'C1', name: 'sales' },
    message: { type: 'message', ts: '1.2', text: 'hi' },
    response_url: responseUrl,
    actions: [
      {
        type: 'button',
        action_id: 'espo_cancel',
        block_id: 'b',
        value: 'x',
        action_ts: '1.3',
        text: { type: 'plain_text', text: 'Cancel' },
      },
    ],
  }),
  view_submission: () => ({
    type: 'view_submission',
    ...interactive(),
    trigger_id: 'trigger-1',
    view: {
      id: 'V1',
      type: 'modal',
      callback_id: 'espo_search',
      private_metadata: '',
      hash: 'h',
      state: { values: {} },
      app_installed_team_id: 'T1',
    },
    response_urls: [],
  }),
  view_closed: () => ({
    type: 'view_closed',
    ...interactive(),
    view: { id: 'V1', type: 'modal', callback_id: 'espo_form', state: { values: {} } },
    is_cleared: false,
  }),
  shortcut: () => ({
    type: 'shortcut',
    ...interactive(),
    callback_id: 'espo_global',
    trigger_id: 'trigger-1',
    action_ts: '1.3',
  }),
  message_action: (responseUrl = NOWHERE) => ({
    type: 'message_action',
    ...interactive(),
    callback_id: 'espo_log_message',
    trigger_id: 'trigger-1',
    response_url: responseUrl,
    message_ts: '1.2',
    channel: { id: 'C1', name: 'sales' },
    message: { type: 'message', user: 'U2', ts: '1.2', text: 'Call Acme on Monday' },
  }),
  block_suggestion: () => ({
    type: 'block_suggestion',
    ...interactive(),
    action_id: 'espo_related',
    block_id: 'related',
    value: 'ac',
    container: { type: 'view', view_id: 'V1' },
    view: { id: 'V1', type: 'modal', callback_id: 'espo_form' },
  }),
};

type Path = (string | number)[];

/** Where Bolt (or the listeners it routes to) reads each kind, and what the screen must therefore guard. */
const readPaths: Record<PayloadKind, Path[]> = {
  command: [
    ['command'],
    ['team_id'],
    ['user_id'],
    ['channel_id'],
    ['enterprise_id'],
    ['text'],
    ['response_url'],
    ['trigger_id'],
  ],
  event: [
    ['event'],
    ['event', 'user'],
    ['event', 'channel'],
    ['event', 'item'],
    ['event', 'subteam'],
    ['event', 'type'],
    ['team_id'],
    ['enterprise_id'],
    ['authorizations'],
    ['authorizations', 0],
    ['authorizations', 0, 'team_id'],
    ['authorizations', 0, 'enterprise_id'],
    ['type'],
  ],
  block_actions: [
    ['user'],
    ['user', 'id'],
    ['user', 'team_id'],
    ['team'],
    ['team', 'id'],
    ['enterprise'],
    ['channel'],
    ['container'],
    ['message'],
    ['trigger_id'],
    ['response_url'],
    ['actions'],
    ['actions', 0],
    ['actions', 0, 'action_id'],
    ['actions', 0, 'block_id'],
    ['type'],
  ],
  view_submission: [
    ['user'],
    ['user', 'id'],
    ['team'],
    ['team', 'enterprise_id'],
    ['enterprise'],
    ['view'],
    ['view', 'callback_id'],
    ['view', 'app_installed_team_id'],
    ['view', 'state'],
    ['response_urls'],
    ['response_urls', 0],
    ['trigger_id'],
    ['type'],
  ],
  view_closed: [['user'], ['team'], ['enterprise'], ['view'], ['view', 'callback_id'], ['type']],
  shortcut: [
    ['user'],
    ['user', 'id'],
    ['team'],
    ['team', 'id'],
    ['enterprise'],
    ['callback_id'],
    ['trigger_id'],
    ['type'],
  ],
  message_action: [
    ['user'],
    ['team'],
    ['enterprise'],
    ['channel'],
    ['channel', 'id'],
    ['message'],
    ['message', 'text'],
    ['callback_id'],
    ['trigger_id'],
    ['response_url'],
    ['type'],
  ],
  block_suggestion: [['user'], ['team'], ['enterprise'], ['channel'], ['action_id'], ['block_id'], ['view'], ['type']],
};

/** What a read property is replaced by; `undefined` removes it. */
const brokenValue = fc
  .constantFrom<unknown>(
    undefined,
    null,
    '',
    'x',
    'constructor',
    '__proto__',
    'toString',
    0,
    7,
    true,
    [],
    [null],
    ['a', 'b'],
    {},
    { id: 'constructor' },
    { id: null, team_id: 7 },
  )
  .map((value) => structuredClone(value)); // a copy each time: one object set at two paths could nest itself

function set(body: Record<string, unknown>, path: Path, value: unknown): void {
  let node: unknown = body;
  for (const key of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return;
    node = (node as Record<string | number, unknown>)[key];
  }
  if (typeof node !== 'object' || node === null) return;
  const last = path[path.length - 1]!;
  if (value === undefined) delete (node as Record<string | number, unknown>)[last];
  else (node as Record<string | number, unknown>)[last] = value;
}

/** A well-formed body of `kind` with up to three of its read properties broken. */
export function brokenPayload(kind: PayloadKind, responseUrl?: string): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .array(fc.tuple(fc.constantFrom(...readPaths[kind]), brokenValue), { minLength: 1, maxLength: 3 })
    .map((changes) => {
      const body = slackPayloads[kind](responseUrl);
      for (const [path, value] of changes) set(body, path, value);
      return body;
    });
}

export const payloadKinds = Object.keys(slackPayloads) as PayloadKind[];

/** Any kind, broken; replies (if any) go to `responseUrl`. */
export function anyBrokenPayload(
  responseUrl?: string,
): fc.Arbitrary<{ kind: PayloadKind; body: Record<string, unknown> }> {
  return fc
    .constantFrom(...payloadKinds)
    .chain((kind) => brokenPayload(kind, responseUrl).map((body) => ({ kind, body })));
}
