import { App, type AppOptions, type ReceiverEvent } from '@slack/bolt';
import type { AppLogger } from '../observability/logger.js';

/**
 * What Bolt 5.1 reads from a request body before any listener runs, and where a body Slack would
 * never send makes it throw (a 500 over HTTP, so Slack retries it; an unacknowledged envelope in
 * Socket Mode). Read in node_modules/@slack/bolt/dist:
 *
 * - `helpers.getTypeAndConversation` picks the kind by the first of `event`, `command`, `name` or
 *   type `block_suggestion` (options), `actions` or type `dialog_submission` (actions), type
 *   `shortcut`, `message_action`, `view_submission`/`view_closed`; nothing else is dispatched.
 *   It reads `'channel' in event`, `event.channel.id`, `'channel' in event.item`, and
 *   `body.channel.id` whenever `channel` is not undefined (options, actions, message_action).
 * - `helpers.isBodyWithTypeEnterpriseInstall` reads `authorizations[0].is_enterprise_install`.
 * - `App.buildSource` reads `authorizations[0].team_id|enterprise_id`; for an event
 *   `event.user.id` when `user` is an object (null included), `'creator' in event.channel` and
 *   `event.subteam.created_by`; for everything else `view.app_installed_team_id`, `team.id`,
 *   `team.enterprise_id`, `enterprise.id`, and `user.id` and `user.team_id` with no check at all.
 * - `App.processEvent` keys its per-team client pool (a plain object) by that team or enterprise
 *   id, so an id that names a property of Object.prototype (`constructor`, `__proto__`) is taken
 *   for a pool and throws; it destructures `actions` (`[payload] = actions`), and reads
 *   `response_urls.length` and `response_urls[0].response_url`.
 * - Bolt's listener middleware (`matchConstraints`) calls `.match()` on `action_id`, `block_id`
 *   and `callback_id` for a pattern constraint (it throws before the listener has acknowledged).
 *
 * Slack's own payloads (docs.slack.dev, "Reference: payloads" of each kind) always have these in
 * the shapes below; anything else is turned away before Bolt sees it.
 */
export interface Unreadable {
  /**
   * `acknowledge` an Events API delivery: sent again it would fail again, and Slack counts every
   * answer but a 200 towards limiting and disabling the app's event subscriptions
   * (docs.slack.dev/reference/events/app_rate_limited). `refuse` anything else: over HTTP a 400,
   * so a person waiting on a command or a click sees at once that it failed.
   */
  answer: 'acknowledge' | 'refuse';
  problem: string;
}

type Fields = Record<string, unknown>;

const isRecord = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
/**
 * A team, enterprise or user id: absent, null (an org-wide install has no team), or a string Bolt can key a plain
 * object by.
 */
const isId = (value: unknown): boolean =>
  value === undefined || value === null || (typeof value === 'string' && !(value in Object.prototype));
const isOptionalString = (value: unknown): boolean => value === undefined || typeof value === 'string';
const isOptionalRecord = (value: unknown): boolean => value === undefined || isRecord(value);
/** Holes included (`every` skips them): `[, {}]` has no object first. */
const isListOfRecords = (value: unknown): value is Fields[] =>
  Array.isArray(value) && Array.from(value as unknown[]).every(isRecord);
/** A short, safe rendering of what was found, for the log. */
const shown = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value);

/** Why Bolt could not process `body`, or undefined when it can. */
export function screenPayload(body: unknown): Unreadable | undefined {
  if (!isRecord(body)) return { answer: 'refuse', problem: `the body is ${shown(body)}, not an object` };
  if (body.event !== undefined || body.type === 'event_callback') {
    const problem = eventProblem(body);
    return problem === undefined ? undefined : { answer: 'acknowledge', problem };
  }
  const problem = body.command !== undefined ? commandProblem(body) : interactionProblem(body);
  return problem === undefined ? undefined : { answer: 'refuse', problem };
}

function eventProblem(body: Fields): string | undefined {
  const { event } = body;
  if (!isRecord(event)) return `event is ${shown(event)}, not an object`;
  if (!isId(body.team_id) || !isId(body.enterprise_id)) return 'team_id or enterprise_id is not an id';
  if (Array.isArray(body.authorizations) && body.authorizations[0] !== undefined) {
    const [first] = body.authorizations as unknown[];
    if (!isRecord(first)) return `authorizations[0] is ${shown(first)}, not an object`;
    if (!isId(first.team_id) || !isId(first.enterprise_id))
      return 'authorizations[0] has a team_id or enterprise_id that is not an id';
  }
  for (const key of ['user', 'channel'] as const) {
    if (key in event && typeof event[key] !== 'string' && !isRecord(event[key]))
      return `event.${key} is ${shown(event[key])}, neither an id nor an object`;
  }
  for (const key of ['item', 'subteam'] as const) {
    if (key in event && !isRecord(event[key])) return `event.${key} is ${shown(event[key])}, not an object`;
  }
  return responseUrlsProblem(body);
}

/**
 * A slash command is a flat form: every field a string, each given once, the workspace and the
 * person always named (docs.slack.dev, "Implementing slash commands"). Bolt reads `team_id` and
 * `user_id` as they come; the listener keys everything it does by them.
 */
function commandProblem(body: Fields): string | undefined {
  const notText = Object.entries(body).find(([, value]) => typeof value !== 'string');
  if (notText)
    return `the command's field ${JSON.stringify(notText[0].slice(0, 40))} is ${shown(notText[1])}, not text`;
  if (!body.team_id || !body.user_id) return 'a command without its team_id or user_id';
  if (!isId(body.team_id) || !isId(body.user_id) || !isId(body.enterprise_id))
    return 'team_id, user_id or enterprise_id is not an id';
  return undefined;
}

/** Interactivity payloads: options, actions, shortcuts, views, in the order Bolt tells them apart. */
function interactionProblem(body: Fields): string | undefined {
  const { type } = body;
  const isOptions = body.name !== undefined || type === 'block_suggestion';
  const isActions = !isOptions && (body.actions !== undefined || type === 'dialog_submission');
  const isView = type === 'view_submission' || type === 'view_closed';
  if (!isOptions && !isActions && !isView && type !== 'shortcut' && type !== 'message_action') {
    return `type ${typeof type === 'string' ? JSON.stringify(type.slice(0, 40)) : shown(type)} is not a kind of request Slack sends here`;
  }
  const { user, team, enterprise } = body;
  if (!isRecord(user) || typeof user.id !== 'string')
    return `user is ${isRecord(user) ? 'an object without an id' : shown(user)}`;
  if (!isId(user.id) || !isId(user.team_id)) return 'user has an id or team_id that is not an id';
  if (team !== null && !isOptionalRecord(team)) return `team is ${shown(team)}, not an object`;
  if (isRecord(team) && (!isId(team.id) || !isId(team.enterprise_id)))
    return 'team has an id or enterprise_id that is not an id';
  if (enterprise !== null && !isOptionalRecord(enterprise)) return `enterprise is ${shown(enterprise)}, not an object`;
  if (isRecord(enterprise) && !isId(enterprise.id)) return 'enterprise has an id that is not an id';
  if ((isOptions || isActions || type === 'message_action') && !isOptionalRecord(body.channel))
    return `channel is ${shown(body.channel)}, not an object`;
  for (const key of ['callback_id', 'trigger_id', 'response_url'] as const) {
    if (!isOptionalString(body[key])) return `${key} is ${shown(body[key])}, not text`;
  }
  // The ids listeners are matched by: Slack always sends them with these kinds, and Bolt matches a
  // pattern against them with `.match()`.
  if (type === 'shortcut' || type === 'message_action') {
    if (typeof body.callback_id !== 'string') return 'a shortcut without its callback_id';
  }
  if (isOptions && (type === 'block_suggestion' ? !hasBlockIds(body) : !blockIdsReadable(body)))
    return 'a block_suggestion without its action_id and block_id as text';
  if (isActions && body.actions !== undefined) {
    const { actions } = body;
    if (!isListOfRecords(actions) || actions.length === 0) return 'actions is not a list of objects';
    const [first] = actions;
    if (type === 'block_actions' ? !hasBlockIds(first!) : !blockIdsReadable(first!))
      return 'actions[0] without its action_id and block_id as text';
  }
  if (type === 'message_action' && (!isRecord(body.message) || !isRecord(body.channel)))
    return 'a message shortcut without its message or channel';
  if (isView) {
    const { view } = body;
    if (!isRecord(view)) return `view is ${shown(view)}, not an object`;
    if (typeof view.callback_id !== 'string') return 'a view without its callback_id';
    if (!isId(view.app_installed_team_id)) return 'view.app_installed_team_id is not an id';
  }
  return responseUrlsProblem(body);
}

/** A block element's ids: Slack sends both with every block_actions action and block_suggestion. */
const hasBlockIds = (element: Fields): boolean =>
  typeof element.action_id === 'string' && typeof element.block_id === 'string';
/**
 * Bolt's `matchConstraints` takes anything with an `action_id` for a block element, and matches patterns against both
 * ids.
 */
const blockIdsReadable = (element: Fields): boolean => element.action_id === undefined || hasBlockIds(element);

/** A view submission's `response_urls` (response_url_enabled), when there is no `response_url`. */
function responseUrlsProblem(body: Fields): string | undefined {
  const urls = body.response_urls;
  if (urls === undefined || body.response_url) return undefined;
  return isListOfRecords(urls) ? undefined : 'response_urls is not a list of objects';
}

/** Thrown for a payload the screen refuses; the HTTP receiver answers it 400 (receiver.ts). */
export class UnreadablePayloadError extends Error {
  override readonly name = 'UnreadablePayloadError';
}

/**
 * Bolt's App with the screen where every request enters it, over HTTP and Socket Mode alike
 * (both receivers hand each request to `processEvent`). Also answers `app_rate_limited`, which
 * Bolt cannot dispatch (it would leave it unacknowledged: a 404 three seconds later).
 */
export class ScreenedApp extends App {
  private readonly screenLogger: AppLogger;

  constructor(options: AppOptions, logger: AppLogger) {
    super(options);
    this.screenLogger = logger;
  }

  override async processEvent(event: ReceiverEvent): Promise<void> {
    const body: unknown = event.body;
    if (isRecord(body) && body.type === 'app_rate_limited') {
      // docs.slack.dev/reference/events/app_rate_limited: more than 30,000 events an hour from one workspace.
      this.screenLogger.warn(
        { team: body.team_id, minuteRateLimited: body.minute_rate_limited },
        'Slack is rate-limiting the events it sends the app from this workspace',
      );
      return event.ack();
    }
    const unreadable = screenPayload(body);
    if (!unreadable) return super.processEvent(event);
    if (unreadable.answer === 'acknowledge') {
      this.screenLogger.warn(
        { problem: unreadable.problem },
        'a Slack event is not shaped like anything Slack sends: acknowledged and dropped',
      );
      return event.ack();
    }
    this.screenLogger.warn(
      { problem: unreadable.problem },
      'a Slack request is not shaped like anything Slack sends: refused',
    );
    throw new UnreadablePayloadError(unreadable.problem);
  }
}
