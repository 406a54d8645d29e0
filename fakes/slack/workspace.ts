/**
 * A Slack workspace behind the fake Slack (server.ts): people, channels and the app's DMs,
 * messages (threads, ephemeral messages, link previews), modals and Home tabs. The Web API calls
 * and response_url posts the app makes change it (`webApi`, `responsePost`); what a person does
 * (a slash command, a message, a click, a modal submission, a shortcut, opening Home) becomes the
 * request Slack sends the app, signed, and the app's answer is applied as Slack applies it.
 *
 * Every behaviour names the Slack doc it comes from (docs.slack.dev unless said otherwise). Where
 * Slack shows a person something in its own words, the words here are the sandbox's.
 */
import {
  actionOf,
  findElement,
  initialValue,
  inputProblems,
  stateValue,
  withIds,
  type GivenValue,
  type Option,
} from './elements.js';
import { eventCallback, postSigned, postSignedJson, type SignedPost } from './signing.js';

type Node = Record<string, unknown>;

export interface Person {
  id: string;
  /** The handle (`jane`), as users.info's `name`. */
  name: string;
  realName: string;
  email?: string;
  title?: string;
  /** IANA zone users.info reports (`tz`). */
  timeZone: string;
  isAdmin?: boolean;
}

export interface Conversation {
  id: string;
  name: string;
  /** A public channel, or the app's DM with one person (`im`). */
  kind: 'channel' | 'im';
  members: string[];
}

export interface Message {
  ts: string;
  channel: string;
  /** Who posted it: a person, or the app's bot user. */
  user: string;
  fromBot: boolean;
  text: string;
  blocks?: Node[];
  /** Link previews the app attached with chat.unfurl, one per URL. */
  attachments?: Node[];
  threadTs?: string;
  /** Shown to this person only (chat.postEphemeral, or an ephemeral response_url post). */
  ephemeralTo?: string;
  /** Bumped on every change, so a viewer can tell a message changed. */
  version: number;
}

export interface OpenView {
  id: string;
  hash: string;
  userId: string;
  type: 'modal' | 'home';
  /** The view as the app sent it, with Slack's ids on its blocks. */
  view: Node;
  rootViewId?: string;
  previousViewId?: string;
  /** `response_action: errors` from the app, or the client's own checks: by block_id. */
  errors?: Record<string, string>;
  /** Something went wrong sending the view to the app (no answer in time, an error status). */
  problem?: string;
}

/** One person's view of the workspace. */
export interface Snapshot {
  version: number;
  team: WorkspaceOptions['team'];
  bot: WorkspaceOptions['bot'];
  me: Person;
  people: Person[];
  conversations: Conversation[];
  messages: Message[];
  /** The person's open modal, bottom of the stack first. */
  modals: OpenView[];
  home?: OpenView;
  shortcuts: WorkspaceOptions['shortcuts'];
  command: string;
}

export interface WorkspaceOptions {
  team: { id: string; name: string; domain: string };
  bot: { userId: string; botId: string; appId: string; name: string };
  people: Person[];
  /** Public channels; every person and the app are members. Each person also gets a DM with the app. */
  channels: { id: string; name: string }[];
  /** The app's slash command, as its manifest declares it. */
  command: string;
  /** The app's shortcuts, as its manifest declares them. */
  shortcuts: { callbackId: string; name: string; type: 'message' | 'global' }[];
  /** Hosts whose links the app previews (the manifest's `unfurl_domains`). */
  unfurlDomains: string[];
  /** Where chat.getPermalink's links point (Slack's own: `https://<domain>.slack.com`). */
  permalinkBase?: string;
}

/** How requests reach the app: its Request URL, signed with its signing secret. */
export interface AppTransport {
  form(fields: Record<string, string>): Promise<SignedPost>;
  json(body: unknown): Promise<SignedPost>;
}

/**
 * "Your app must respond within 3 seconds" to commands and interactions, else the person sees an
 * error (docs.slack.dev/interactivity/handling-user-interaction#acknowledgment_response); events
 * likewise (docs.slack.dev/apis/events-api#responding).
 */
export const ACK_TIMEOUT_MS = 3000;

export function signedTransport(endpoint: string, signingSecret: string): AppTransport {
  return {
    form: (fields) => postSigned(endpoint, signingSecret, fields, { timeoutMs: ACK_TIMEOUT_MS }),
    json: (body) => postSignedJson(endpoint, signingSecret, body, { timeoutMs: ACK_TIMEOUT_MS }),
  };
}

interface ResponseTarget {
  userId: string;
  channel: string;
  threadTs?: string;
  /** The message an interaction came from: what replace_original and delete_original act on. */
  sourceTs?: string;
  uses: number;
  createdAt: number;
}

/** A web API answer: the JSON Slack returns (`ok: false` with `error` on failure). */
export type ApiAnswer = Record<string, unknown>;

/** Where a person acted: a message in a conversation, or a view (a modal, the Home tab). */
export type ActionSource = { channel: string; ts: string } | { viewId: string };

const RESPONSE_URL_USES = 5;
const RESPONSE_URL_MINUTES = 30;
const TRIGGER_SECONDS = 3;
const MAX_MODAL_VIEWS = 3;

const apiError = (error: string): ApiAnswer => ({ ok: false, error });

/** A person cannot do that: no such message, view, conversation or shortcut for them. */
export class WorkspaceError extends Error {}

export class SlackWorkspace {
  private readonly people: Map<string, Person>;
  private readonly conversations = new Map<string, Conversation>();
  private messages: Message[] = [];
  private readonly views = new Map<string, OpenView>();
  private readonly modalStacks = new Map<string, string[]>();
  private readonly homes = new Map<string, string>();
  private readonly triggers = new Map<string, { userId: string; at: number; used: boolean }>();
  private readonly responseTargets = new Map<string, ResponseTarget>();
  private readonly unfurlTargets = new Map<string, { channel: string; ts: string }>();
  private readonly listeners = new Set<() => void>();
  private transport?: AppTransport;
  private slackUrl = '';
  private version = 0;
  private counter = 0;
  private lastTs = 0;

  constructor(
    readonly options: WorkspaceOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.people = new Map(options.people.map((person) => [person.id, person]));
    const everyone = [...this.people.keys(), options.bot.userId];
    for (const channel of options.channels)
      this.conversations.set(channel.id, { ...channel, kind: 'channel', members: everyone });
    for (const person of options.people) {
      this.conversations.set(this.dmOf(person.id), {
        id: this.dmOf(person.id),
        name: options.bot.name,
        kind: 'im',
        members: [person.id, options.bot.userId],
      });
    }
  }

  /** The fake Slack serving this workspace: where response_url posts go. */
  attach(slackUrl: string): void {
    this.slackUrl = slackUrl;
  }

  /** The app's Request URL and signing secret: where what people do is sent. Returns the transport it replaces. */
  connect(transport: AppTransport): AppTransport | undefined {
    const previous = this.transport;
    this.transport = transport;
    return previous;
  }

  /** Called after every change (a message, a view, a removal). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The app's DM with a person ("D…"). */
  dmOf(userId: string): string {
    return `D${userId.replace(/^U/, '')}`;
  }

  person(userId: string): Person | undefined {
    return this.people.get(userId);
  }

  /**
   * What one person sees: conversations they are in, messages others see and those shown only to them, their modal and
   * Home.
   */
  snapshot(userId: string): Snapshot {
    const me = this.people.get(userId);
    if (!me) throw new WorkspaceError(`no person ${userId} in the workspace`);
    const conversations = [...this.conversations.values()].filter((c) => c.members.includes(userId));
    const visible = new Set(conversations.map((c) => c.id));
    return {
      version: this.version,
      team: this.options.team,
      bot: this.options.bot,
      me,
      people: [...this.people.values()],
      conversations,
      messages: this.messages.filter((m) => visible.has(m.channel) && (!m.ephemeralTo || m.ephemeralTo === userId)),
      modals: (this.modalStacks.get(userId) ?? []).map((id) => this.views.get(id)!),
      home: this.views.get(this.homes.get(userId) ?? ''),
      shortcuts: this.options.shortcuts,
      command: this.options.command,
    };
  }

  // ---- the Web API, as the app calls it -------------------------------------------------------

  /**
   * Answers a Web API call that changes or reads the workspace; undefined for methods it does not
   * model. Error codes are those each method's reference lists (docs.slack.dev/reference/methods/<method>, "Errors").
   */
  webApi(method: string, body: Node): ApiAnswer | undefined {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: `https://${this.options.team.domain}.slack.com/`,
          team: this.options.team.name,
          user: this.options.bot.name.toLowerCase(),
          team_id: this.options.team.id,
          user_id: this.options.bot.userId,
          bot_id: this.options.bot.botId,
          is_enterprise_install: false,
        };
      case 'users.info':
        return this.usersInfo(String(body.user ?? ''));
      case 'chat.postMessage':
        return this.postMessage(body);
      case 'chat.postEphemeral':
        return this.postEphemeral(body);
      case 'chat.update':
        return this.update(body);
      case 'chat.delete':
        return this.delete(body);
      case 'chat.unfurl':
        return this.unfurl(body);
      case 'chat.getPermalink': {
        const channel = String(body.channel ?? '');
        if (!this.conversations.has(channel)) return apiError('channel_not_found');
        if (!this.find(channel, String(body.message_ts ?? ''))) return apiError('message_not_found');
        const base = this.options.permalinkBase ?? `https://${this.options.team.domain}.slack.com`;
        return {
          ok: true,
          channel,
          permalink: `${base}/archives/${channel}/p${String(body.message_ts ?? '').replace('.', '')}`,
        };
      }
      case 'views.open':
        return this.openView(body, 'open');
      case 'views.push':
        return this.openView(body, 'push');
      case 'views.update':
        return this.updateView(body);
      case 'views.publish':
        return this.publish(body);
      default:
        return undefined;
    }
  }

  /**
   * users.info (docs.slack.dev/reference/methods/users.info): the profile, with `email` under
   * `profile` (it needs users:read.email), the time zone, and whether they are an admin.
   */
  private usersInfo(userId: string): ApiAnswer {
    if (userId === this.options.bot.userId) {
      return {
        ok: true,
        user: {
          id: userId,
          team_id: this.options.team.id,
          name: this.options.bot.name.toLowerCase(),
          real_name: this.options.bot.name,
          is_bot: true,
          profile: { real_name: this.options.bot.name },
        },
      };
    }
    const person = this.people.get(userId);
    if (!person) return apiError('user_not_found');
    return {
      ok: true,
      user: {
        id: person.id,
        team_id: this.options.team.id,
        name: person.name,
        real_name: person.realName,
        tz: person.timeZone,
        is_admin: Boolean(person.isAdmin),
        is_owner: false,
        is_bot: false,
        is_restricted: false,
        profile: {
          real_name: person.realName,
          display_name: person.realName,
          title: person.title ?? '',
          ...(person.email ? { email: person.email } : {}),
        },
      },
    };
  }

  /**
   * chat.postMessage (docs.slack.dev/reference/methods/chat.postMessage): a channel id, or a
   * person's user id, which posts to the app's DM with them; `thread_ts` makes it a reply.
   */
  private postMessage(body: Node): ApiAnswer {
    const channel = this.resolveChannel(String(body.channel ?? ''));
    if (!channel) return apiError('channel_not_found');
    const threadTs = typeof body.thread_ts === 'string' && body.thread_ts ? body.thread_ts : undefined;
    const message = this.add({
      channel,
      user: this.options.bot.userId,
      fromBot: true,
      ...this.content(body),
      ...(threadTs ? { threadTs } : {}),
    });
    return { ok: true, channel, ts: message.ts, message: this.asPayload(message) };
  }

  /**
   * chat.postEphemeral (docs.slack.dev/reference/methods/chat.postEphemeral): shown only to `user`,
   * who must be in the channel (`user_not_in_channel`); answers `message_ts`.
   */
  private postEphemeral(body: Node): ApiAnswer {
    const channel = this.conversations.get(String(body.channel ?? ''));
    if (!channel) return apiError('channel_not_found');
    const user = String(body.user ?? '');
    if (!channel.members.includes(user)) return apiError('user_not_in_channel');
    const threadTs = typeof body.thread_ts === 'string' && body.thread_ts ? body.thread_ts : undefined;
    const message = this.add({
      channel: channel.id,
      user: this.options.bot.userId,
      fromBot: true,
      ephemeralTo: user,
      ...this.content(body),
      ...(threadTs ? { threadTs } : {}),
    });
    return { ok: true, message_ts: message.ts };
  }

  /**
   * chat.update: only the app's own messages, never ephemeral ones ("Ephemeral messages can't be
   * updated in this way", docs.slack.dev/messaging/modifying-messages); `cant_update_message`
   * otherwise, `message_not_found` for an unknown ts.
   */
  private update(body: Node): ApiAnswer {
    const message = this.find(String(body.channel ?? ''), String(body.ts ?? ''));
    if (!message || message.ephemeralTo) return apiError('message_not_found');
    if (!message.fromBot) return apiError('cant_update_message');
    this.replace(message, this.content(body));
    return { ok: true, channel: message.channel, ts: message.ts, text: message.text };
  }

  /** chat.delete: the app's own messages (docs.slack.dev/reference/methods/chat.delete). */
  private delete(body: Node): ApiAnswer {
    const message = this.find(String(body.channel ?? ''), String(body.ts ?? ''));
    if (!message || message.ephemeralTo) return apiError('message_not_found');
    if (!message.fromBot) return apiError('cant_delete_message');
    this.remove(message);
    return { ok: true, channel: message.channel, ts: message.ts };
  }

  /**
   * chat.unfurl (docs.slack.dev/reference/methods/chat.unfurl): by `channel` and `ts`, or by the
   * `unfurl_id` and `source` of the link_shared event; `unfurls` maps each URL to its preview
   * (blocks), which Slack shows under the message. Only URLs the message has can be previewed.
   */
  private unfurl(body: Node): ApiAnswer {
    const target =
      typeof body.unfurl_id === 'string'
        ? this.unfurlTargets.get(body.unfurl_id)
        : { channel: String(body.channel ?? ''), ts: String(body.ts ?? '') };
    const message = target && this.find(target.channel, target.ts);
    if (!message) return apiError('cannot_find_message');
    const unfurls = (body.unfurls ?? {}) as Record<string, Node>;
    if (Object.keys(unfurls).some((url) => !message.text.includes(`<${escapeText(url)}`)))
      return apiError('cannot_unfurl_message');
    const previews = Object.entries(unfurls).map(([url, preview]) => ({
      ...preview,
      ...(preview.blocks ? { blocks: withIds(preview.blocks) } : {}),
      from_url: url,
      is_app_unfurl: true,
    }));
    this.replace(message, { attachments: [...(message.attachments ?? []), ...previews] });
    return { ok: true };
  }

  /**
   * views.open and views.push (docs.slack.dev/reference/methods/views.open, …/views.push): a
   * trigger_id is good for one view, within 3 seconds of the interaction
   * (docs.slack.dev/interactivity/handling-user-interaction#modal_responses); a pushed view goes on
   * top of the person's open modal, at most 3 views deep ("After a modal is opened, the app is
   * limited to pushing 2 additional views").
   */
  private openView(body: Node, how: 'open' | 'push'): ApiAnswer {
    const trigger = this.triggers.get(String(body.trigger_id ?? ''));
    if (!trigger) return apiError('invalid_trigger_id');
    if (trigger.used) return apiError('exchanged_trigger_id');
    if (this.now() - trigger.at > TRIGGER_SECONDS * 1000) return apiError('expired_trigger_id');
    const view = body.view as Node | undefined;
    if (!view || view.type !== 'modal') return apiError('invalid_arguments');
    const stack = this.modalStacks.get(trigger.userId) ?? [];
    if (how === 'push' && stack.length === 0) return apiError('not_found');
    if (how === 'push' && stack.length >= MAX_MODAL_VIEWS) return apiError('push_limit_reached');
    trigger.used = true;
    const root = how === 'push' ? stack[0] : undefined;
    const previous = how === 'push' ? stack.at(-1) : undefined;
    const opened = this.newView(trigger.userId, 'modal', view, { rootViewId: root, previousViewId: previous });
    // views.open starts a new modal in place of any the person had open.
    this.modalStacks.set(trigger.userId, how === 'push' ? [...stack, opened.id] : [opened.id]);
    this.changed();
    return { ok: true, view: this.viewPayload(opened) };
  }

  /**
   * views.update (docs.slack.dev/reference/methods/views.update): by `view_id` or `external_id`;
   * a `hash` that is not the view's current one is refused (`hash_conflict`), so an older update
   * cannot overwrite a newer one. The update clears the view's errors.
   */
  private updateView(body: Node): ApiAnswer {
    const view = body.view as Node | undefined;
    const target =
      typeof body.view_id === 'string'
        ? this.views.get(body.view_id)
        : [...this.views.values()].find(
            (v) => v.view.external_id !== undefined && v.view.external_id === body.external_id,
          );
    if (!target) return apiError('not_found');
    if (!view) return apiError('invalid_arguments');
    if (typeof body.hash === 'string' && body.hash !== target.hash) return apiError('hash_conflict');
    target.view = { ...view, blocks: withIds(view.blocks) ?? [] };
    target.hash = this.newHash();
    delete target.errors;
    delete target.problem;
    this.changed();
    return { ok: true, view: this.viewPayload(target) };
  }

  /** views.publish (docs.slack.dev/reference/methods/views.publish): a person's Home tab, replaced whole. */
  private publish(body: Node): ApiAnswer {
    const userId = String(body.user_id ?? '');
    const view = body.view as Node | undefined;
    if (!this.people.has(userId) || !view || view.type !== 'home') return apiError('invalid_arguments');
    const current = this.views.get(this.homes.get(userId) ?? '');
    if (current && typeof body.hash === 'string' && body.hash !== current.hash) return apiError('hash_conflict');
    const home = current ?? this.newView(userId, 'home', view);
    home.view = { ...view, blocks: withIds(view.blocks) ?? [] };
    home.hash = this.newHash();
    this.homes.set(userId, home.id);
    this.changed();
    return { ok: true, view: this.viewPayload(home) };
  }

  // ---- response_url posts ------------------------------------------------------------------------

  /** Whether this response_url id is one the workspace handed out. */
  knowsResponse(id: string): boolean {
    return this.responseTargets.has(id);
  }

  /**
   * A post to a response_url (docs.slack.dev/interactivity/handling-user-interaction#message_responses):
   * usable up to 5 times within 30 minutes; `replace_original` replaces the message the
   * interaction came from and `delete_original` deletes it; otherwise a new message, `ephemeral`
   * (the default: only the person sees it) or `in_channel`. A message in a thread is answered in
   * that thread. Ephemeral messages are changed only this way (docs.slack.dev/messaging/modifying-messages).
   * Slack answers a spent or expired URL with an error; the status and text here are the sandbox's.
   */
  responsePost(id: string, body: Node): { status: number; body: string } {
    const target = this.responseTargets.get(id);
    if (!target) return { status: 404, body: 'no_such_response_url' };
    if (this.now() - target.createdAt > RESPONSE_URL_MINUTES * 60_000) return { status: 404, body: 'expired_url' };
    if (target.uses >= RESPONSE_URL_USES) return { status: 404, body: 'used_url' };
    target.uses += 1;
    const source = target.sourceTs ? this.find(target.channel, target.sourceTs) : undefined;
    if (body.delete_original === true) {
      if (source) this.remove(source);
      return { status: 200, body: 'ok' };
    }
    if (body.replace_original === true && source) {
      // A replaced message keeps who may see it: an ephemeral message cannot become public.
      this.replace(source, { ...this.content(body), attachments: undefined });
      return { status: 200, body: 'ok' };
    }
    const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : target.threadTs;
    const visibleTo = body.response_type === 'in_channel' ? undefined : target.userId;
    this.add({
      channel: target.channel,
      user: this.options.bot.userId,
      fromBot: true,
      ...this.content(body),
      ...(threadTs ? { threadTs } : {}),
      ...(visibleTo ? { ephemeralTo: visibleTo } : {}),
    });
    return { status: 200, body: 'ok' };
  }

  // ---- what people do ------------------------------------------------------------------------------

  /**
   * A slash command (docs.slack.dev/interactivity/implementing-slash-commands#app_command_handling):
   * a signed form post with the text (with `&`, `<`, `>` escaped, as the manifest's
   * `should_escape: false` leaves it otherwise), the channel, a response_url and a trigger_id. A
   * non-empty answer is shown as a message (`response_type` says to whom); no answer in time is
   * an error only the person sees.
   */
  async command(userId: string, channelId: string, text: string): Promise<void> {
    const channel = this.conversationFor(userId, channelId);
    const person = this.people.get(userId)!;
    const responseId = this.newResponseTarget({ userId, channel: channel.id });
    const answer = await this.send('form', {
      token: 'legacy',
      team_id: this.options.team.id,
      team_domain: this.options.team.domain,
      channel_id: channel.id,
      channel_name: channel.kind === 'im' ? 'directmessage' : channel.name,
      user_id: userId,
      user_name: person.name,
      command: this.options.command,
      text: escapeText(text),
      api_app_id: this.options.bot.appId,
      is_enterprise_install: 'false',
      response_url: this.responseUrl(responseId),
      trigger_id: this.newTrigger(userId),
    });
    if (answer.status !== 200)
      return this.tellPerson(userId, channel.id, `${this.options.command} did not work: ${describe(answer)}.`);
    const immediate = parseJson(answer.body) ?? (answer.body.trim() ? { text: answer.body } : undefined);
    if (immediate) this.responsePost(responseId, immediate);
  }

  /**
   * A person posts a message. Slack stores it as formatted text (docs.slack.dev/messaging/formatting-message-text):
   * `&`, `<`, `>` escaped, `@name` of a member as `<@U…>`, URLs as `<url>`. Then the Events API
   * sends the app what it subscribed to: `app_mention` when the message mentions it
   * (docs.slack.dev/reference/events/app_mention), `message.im` for a message in its DM
   * (docs.slack.dev/reference/events/message.im), and `link_shared` for links to its unfurl
   * domains (docs.slack.dev/reference/events/link_shared).
   */
  async say(userId: string, channelId: string, typed: string, threadTs?: string): Promise<Message> {
    const channel = this.conversationFor(userId, channelId);
    if (threadTs && !this.find(channel.id, threadTs)) throw new WorkspaceError('no such thread');
    const text = this.formatTyped(typed);
    const message = this.add({
      channel: channel.id,
      user: userId,
      fromBot: false,
      text,
      ...(threadTs ? { threadTs } : {}),
    });
    const base = {
      user: userId,
      text,
      ts: message.ts,
      channel: channel.id,
      event_ts: message.ts,
      team: this.options.team.id,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    };
    if (channel.kind === 'im') await this.sendEvent({ type: 'message', channel_type: 'im', ...base });
    else if (text.includes(`<@${this.options.bot.userId}>`)) await this.sendEvent({ type: 'app_mention', ...base });
    const links = [...typed.matchAll(/https?:\/\/[^\s<>]+/g)]
      .map((m) => m[0])
      .filter((url) => this.options.unfurlDomains.includes(hostOf(url)));
    if (links.length) {
      const unfurlId = `U${this.nextId()}`;
      this.unfurlTargets.set(unfurlId, { channel: channel.id, ts: message.ts });
      await this.sendEvent({
        type: 'link_shared',
        channel: channel.id,
        user: userId,
        message_ts: message.ts,
        ...(threadTs ? { thread_ts: threadTs } : {}),
        unfurl_id: unfurlId,
        source: 'conversations_history',
        links: links.map((url) => ({ domain: hostOf(url), url })),
        event_ts: message.ts,
      });
    }
    return message;
  }

  /**
   * A person used an interactive element (a button, a select, a date picker, an overflow item):
   * a block_actions payload (docs.slack.dev/reference/interaction-payloads/block_actions-payload)
   * with the element's action, a trigger_id, and where it was: `container` and, for a message, the
   * channel, a response_url and the message itself (not for ephemeral messages); for a view, the
   * view with its `state`. Slack sends one for link buttons too. The app's answer carries nothing.
   */
  async act(
    userId: string,
    source: ActionSource,
    blockId: string,
    actionId: string,
    given: GivenValue = null,
  ): Promise<void> {
    const actionTs = this.nextTs();
    const user = this.userRef(userId);
    const common = {
      type: 'block_actions',
      user,
      api_app_id: this.options.bot.appId,
      token: 'legacy',
      trigger_id: this.newTrigger(userId),
      team: this.teamRef(),
      enterprise: null,
      is_enterprise_install: false,
    };
    let payload: Node;
    if ('viewId' in source) {
      const view = this.viewFor(userId, source.viewId);
      const element = findElement(view.view.blocks as Node[], blockId, actionId);
      if (!element) throw new WorkspaceError(`no element ${blockId}/${actionId} in view ${view.id}`);
      payload = {
        ...common,
        container: { type: 'view', view_id: view.id },
        view: this.viewPayload(view),
        actions: [actionOf(element, blockId, given, actionTs)],
      };
    } else {
      const message = this.find(source.channel, source.ts);
      if (!message || (message.ephemeralTo && message.ephemeralTo !== userId))
        throw new WorkspaceError('no such message');
      const element = [message.blocks, ...(message.attachments ?? []).map((a) => a.blocks as Node[] | undefined)]
        .map((blocks) => findElement(blocks, blockId, actionId))
        .find(Boolean);
      if (!element) throw new WorkspaceError(`no element ${blockId}/${actionId} in message ${message.ts}`);
      const channel = this.conversations.get(message.channel)!;
      payload = {
        ...common,
        container: {
          type: 'message',
          message_ts: message.ts,
          channel_id: message.channel,
          is_ephemeral: Boolean(message.ephemeralTo),
          ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
        },
        channel: { id: channel.id, name: channel.kind === 'im' ? 'directmessage' : channel.name },
        ...(message.ephemeralTo ? {} : { message: this.asPayload(message) }),
        state: { values: element.type === 'button' ? {} : { [blockId]: { [actionId]: stateValue(element, given) } } },
        response_url: this.responseUrl(
          this.newResponseTarget({
            userId,
            channel: message.channel,
            sourceTs: message.ts,
            threadTs: message.threadTs,
          }),
        ),
        actions: [actionOf(element, blockId, given, actionTs)],
      };
    }
    await this.send('form', { payload: JSON.stringify(payload) });
  }

  /**
   * A person submits their modal's top view. Slack's client checks the inputs first (elements.ts,
   * `inputProblems`) and sends nothing while any fails. Then a view_submission
   * (docs.slack.dev/reference/interaction-payloads/view-interactions-payload#view_submission) with
   * every input's value in `view.state.values`; the app's answer decides what happens
   * (docs.slack.dev/surfaces/modals#interactions): an empty 200 closes the view (the one beneath
   * shows again), `response_action: errors` shows messages under those input blocks, `update`
   * replaces the view, `push` stacks a new one, `clear` closes the whole modal.
   */
  async submit(
    userId: string,
    viewId: string,
    given: Record<string, Record<string, GivenValue>>,
  ): Promise<OpenView | undefined> {
    const view = this.viewFor(userId, viewId);
    const values = this.stateValues(view, given);
    const problems = inputProblems(view.view.blocks as Node[], values);
    if (Object.keys(problems).length) {
      view.errors = problems;
      this.changed();
      return view;
    }
    const payload = {
      type: 'view_submission',
      team: this.teamRef(),
      user: this.userRef(userId),
      api_app_id: this.options.bot.appId,
      token: 'legacy',
      trigger_id: this.newTrigger(userId),
      view: this.viewPayload(view, values),
      response_urls: [],
      enterprise: null,
      is_enterprise_install: false,
    };
    const answer = await this.send('form', { payload: JSON.stringify(payload) });
    if (answer.status !== 200) {
      view.problem = `The submission did not go through: ${describe(answer)}. Try again?`;
      this.changed();
      return view;
    }
    const reply = parseJson(answer.body);
    const stack = this.modalStacks.get(userId) ?? [];
    switch (reply?.response_action) {
      case 'errors':
        view.errors = (reply.errors ?? {}) as Record<string, string>;
        delete view.problem;
        break;
      case 'update':
        view.view = { ...(reply.view as Node), blocks: withIds((reply.view as Node).blocks) ?? [] };
        view.hash = this.newHash();
        delete view.errors;
        delete view.problem;
        break;
      case 'push': {
        if (stack.length >= MAX_MODAL_VIEWS) {
          view.problem = 'The app tried to open a fourth view (push_limit_reached).';
          break;
        }
        const pushed = this.newView(userId, 'modal', reply.view as Node, {
          rootViewId: stack[0],
          previousViewId: view.id,
        });
        this.modalStacks.set(userId, [...stack, pushed.id]);
        break;
      }
      case 'clear':
        this.closeModal(userId);
        break;
      default:
        this.popView(userId, view.id);
    }
    this.changed();
    return this.modalStacks.get(userId)?.includes(view.id) ? view : undefined;
  }

  /**
   * The person closes their modal's top view (its close button, or Escape). Slack sends the app a
   * `view_closed` only when the view asked for it with `notify_on_close`
   * (docs.slack.dev/reference/interaction-payloads/view-interactions-payload#view_closed);
   * `clear_on_close` closes the whole modal (docs.slack.dev/reference/views/modal-views).
   */
  async close(userId: string, viewId: string): Promise<void> {
    const view = this.viewFor(userId, viewId);
    const clears = view.view.clear_on_close === true;
    if (clears) this.closeModal(userId);
    else this.popView(userId, view.id);
    this.changed();
    if (view.view.notify_on_close === true) {
      const payload = {
        type: 'view_closed',
        team: this.teamRef(),
        user: this.userRef(userId),
        api_app_id: this.options.bot.appId,
        token: 'legacy',
        view: this.viewPayload(view),
        is_cleared: clears,
        enterprise: null,
        is_enterprise_install: false,
      };
      await this.send('form', { payload: JSON.stringify(payload) });
    }
  }

  /**
   * The person types into an external select: once they typed `min_query_length` characters
   * (default 3, docs.slack.dev/reference/block-kit/block-elements/select-menu-element#external_select),
   * a block_suggestion (docs.slack.dev/reference/interaction-payloads/block-suggestion-payload)
   * asks the app for options; it answers `options` or `option_groups`.
   */
  async suggest(
    userId: string,
    viewId: string,
    blockId: string,
    actionId: string,
    value: string,
  ): Promise<{ options?: Option[]; option_groups?: { label: Node; options: Option[] }[] }> {
    const view = this.viewFor(userId, viewId);
    const element = findElement(view.view.blocks as Node[], blockId, actionId);
    if (!element || element.type !== 'external_select')
      throw new WorkspaceError(`no external select ${blockId}/${actionId}`);
    const minimum = typeof element.min_query_length === 'number' ? element.min_query_length : 3;
    if (value.length < minimum) return { options: [] };
    const payload = {
      type: 'block_suggestion',
      user: this.userRef(userId),
      container: { type: 'view', view_id: view.id },
      api_app_id: this.options.bot.appId,
      token: 'legacy',
      action_id: actionId,
      block_id: blockId,
      value,
      team: this.teamRef(),
      view: this.viewPayload(view),
      enterprise: null,
      is_enterprise_install: false,
    };
    const answer = await this.send('form', { payload: JSON.stringify(payload) });
    const reply = answer.status === 200 ? parseJson(answer.body) : undefined;
    return {
      ...(Array.isArray(reply?.options) ? { options: reply.options as Option[] } : {}),
      ...(Array.isArray(reply?.option_groups) ? { option_groups: reply.option_groups as never } : {}),
    };
  }

  /**
   * A message shortcut from a message's "More actions" menu: a `message_action` payload
   * (docs.slack.dev/reference/interaction-payloads/shortcuts-interaction-payload#message_actions)
   * with the shortcut's callback_id, the message, a trigger_id and a response_url.
   */
  async shortcut(userId: string, channelId: string, messageTs: string, callbackId: string): Promise<void> {
    const message = this.find(channelId, messageTs);
    if (!message || (message.ephemeralTo && message.ephemeralTo !== userId))
      throw new WorkspaceError('no such message');
    if (!this.options.shortcuts.some((s) => s.callbackId === callbackId && s.type === 'message'))
      throw new WorkspaceError(`no message shortcut ${callbackId}`);
    const channel = this.conversations.get(channelId)!;
    const payload = {
      type: 'message_action',
      callback_id: callbackId,
      trigger_id: this.newTrigger(userId),
      response_url: this.responseUrl(
        this.newResponseTarget({ userId, channel: channelId, threadTs: message.threadTs }),
      ),
      message_ts: message.ts,
      action_ts: this.nextTs(),
      team: this.teamRef(),
      channel: { id: channel.id, name: channel.kind === 'im' ? 'directmessage' : channel.name },
      user: this.userRef(userId),
      message: this.asPayload(message),
      api_app_id: this.options.bot.appId,
      token: 'legacy',
      enterprise: null,
      is_enterprise_install: false,
    };
    await this.send('form', { payload: JSON.stringify(payload) });
  }

  /**
   * The person opens the app's Home tab: `app_home_opened` (docs.slack.dev/reference/events/app_home_opened)
   * with the tab, the DM's channel and the Home view already published, if any.
   */
  async openHome(userId: string): Promise<void> {
    const home = this.views.get(this.homes.get(userId) ?? '');
    await this.sendEvent({
      type: 'app_home_opened',
      user: userId,
      channel: this.dmOf(userId),
      tab: 'home',
      event_ts: this.nextTs(),
      ...(home ? { view: this.viewPayload(home) } : {}),
    });
  }

  // ---- internals ---------------------------------------------------------------------------------------

  private async send(kind: 'form', body: Record<string, string>): Promise<SignedPost>;
  private async send(kind: 'json', body: unknown): Promise<SignedPost>;
  private async send(kind: 'form' | 'json', body: unknown): Promise<SignedPost> {
    if (!this.transport) throw new Error('the workspace is not connected to an app (connect())');
    try {
      return kind === 'form'
        ? await this.transport.form(body as Record<string, string>)
        : await this.transport.json(body);
    } catch (error) {
      return { status: 0, body: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Events arrive in the `event_callback` envelope (docs.slack.dev/apis/events-api#callback-field). */
  private async sendEvent(event: Node): Promise<void> {
    await this.send(
      'json',
      eventCallback(event, {
        team: this.options.team.id,
        eventId: `Ev${this.nextId()}`,
        botUser: this.options.bot.userId,
      }),
    );
  }

  /** Something only the person sees, from Slack itself (Slackbot), e.g. a command that failed. */
  private tellPerson(userId: string, channel: string, text: string): void {
    this.add({ channel, user: 'USLACKBOT', fromBot: true, text: escapeText(text), ephemeralTo: userId });
  }

  private conversationFor(userId: string, channelId: string): Conversation {
    const channel = this.conversations.get(channelId);
    if (!channel || !channel.members.includes(userId)) throw new WorkspaceError(`${userId} is not in ${channelId}`);
    return channel;
  }

  private resolveChannel(id: string): string | undefined {
    if (this.conversations.has(id)) return id;
    return this.people.has(id) ? this.dmOf(id) : undefined;
  }

  /** A message's text, blocks and attachments as the app sent them (blocks get Slack's ids). */
  private content(body: Node): Pick<Message, 'text' | 'blocks' | 'attachments'> {
    return {
      text: typeof body.text === 'string' ? body.text : '',
      blocks: withIds(body.blocks),
      attachments: Array.isArray(body.attachments) ? (body.attachments as Node[]) : undefined,
    };
  }

  private add(fields: Omit<Message, 'ts' | 'version'>): Message {
    const message: Message = { ...fields, ts: this.nextTs(), version: 1 };
    this.messages.push(message);
    this.changed();
    return message;
  }

  private replace(message: Message, fields: Partial<Pick<Message, 'text' | 'blocks' | 'attachments'>>): void {
    Object.assign(message, fields);
    message.version += 1;
    this.changed();
  }

  private remove(message: Message): void {
    this.messages = this.messages.filter((m) => m !== message);
    this.changed();
  }

  private find(channel: string, ts: string): Message | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }

  /** A message as Slack puts it in payloads and API answers. */
  private asPayload(message: Message): Node {
    return {
      type: 'message',
      user: message.user,
      ...(message.fromBot ? { bot_id: this.options.bot.botId } : {}),
      ts: message.ts,
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks } : {}),
      ...(message.attachments ? { attachments: message.attachments } : {}),
      ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
      team: this.options.team.id,
    };
  }

  private newView(
    userId: string,
    type: 'modal' | 'home',
    view: Node,
    links: { rootViewId?: string; previousViewId?: string } = {},
  ): OpenView {
    const opened: OpenView = {
      id: `V${this.nextId()}`,
      hash: this.newHash(),
      userId,
      type,
      view: { ...view, blocks: withIds(view.blocks) ?? [] },
      ...links,
    };
    opened.rootViewId ??= opened.id;
    this.views.set(opened.id, opened);
    return opened;
  }

  /** A view as Slack returns it from views.* and puts it in payloads: the app's fields plus Slack's. */
  private viewPayload(view: OpenView, values: Record<string, Record<string, Node>> = this.stateValues(view, {})): Node {
    return {
      ...view.view,
      id: view.id,
      team_id: this.options.team.id,
      type: view.type,
      private_metadata: view.view.private_metadata ?? '',
      callback_id: view.view.callback_id ?? '',
      state: { values },
      hash: view.hash,
      clear_on_close: view.view.clear_on_close === true,
      notify_on_close: view.view.notify_on_close === true,
      root_view_id: view.rootViewId ?? view.id,
      previous_view_id: view.previousViewId ?? null,
      app_id: this.options.bot.appId,
      external_id: view.view.external_id ?? '',
      app_installed_team_id: this.options.team.id,
      bot_id: this.options.bot.botId,
    };
  }

  /** Every input block's value (given, or else as the view set it), as `state.values`. */
  private stateValues(
    view: OpenView,
    given: Record<string, Record<string, GivenValue>>,
  ): Record<string, Record<string, Node>> {
    const values: Record<string, Record<string, Node>> = {};
    for (const block of (view.view.blocks as Node[] | undefined) ?? []) {
      if (block.type !== 'input' || !block.element) continue;
      const element = block.element as Node;
      const blockId = String(block.block_id);
      const actionId = String(element.action_id);
      const value = given[blockId] && actionId in given[blockId]! ? given[blockId]![actionId]! : initialValue(element);
      values[blockId] = { [actionId]: stateValue(element, value) };
    }
    return values;
  }

  private viewFor(userId: string, viewId: string): OpenView {
    const view = this.views.get(viewId);
    if (!view || view.userId !== userId) throw new WorkspaceError(`no view ${viewId} for ${userId}`);
    return view;
  }

  private popView(userId: string, viewId: string): void {
    const stack = (this.modalStacks.get(userId) ?? []).filter((id) => id !== viewId);
    this.views.delete(viewId);
    if (stack.length) this.modalStacks.set(userId, stack);
    else this.modalStacks.delete(userId);
  }

  private closeModal(userId: string): void {
    for (const id of this.modalStacks.get(userId) ?? []) this.views.delete(id);
    this.modalStacks.delete(userId);
  }

  private newResponseTarget(target: Omit<ResponseTarget, 'uses' | 'createdAt'>): string {
    const id = `R${this.nextId()}`;
    this.responseTargets.set(id, { ...target, uses: 0, createdAt: this.now() });
    return id;
  }

  /** The fake Slack's response_url endpoint (server.ts) for a target. */
  private responseUrl(id: string): string {
    return `${this.slackUrl}/response/${id}`;
  }

  private newTrigger(userId: string): string {
    const id = `${this.nextId()}.${Math.floor(this.now() / 1000)}.${this.nextId().toString(16)}`;
    this.triggers.set(id, { userId, at: this.now(), used: false });
    return id;
  }

  private newHash(): string {
    return `${Math.floor(this.now() / 1000)}.${this.nextId().toString(36)}`;
  }

  private nextId(): number {
    return ++this.counter;
  }

  /** Message timestamps: seconds and a six-digit sequence, unique and increasing, like Slack's `ts`. */
  private nextTs(): string {
    const micros = Math.max(this.now() * 1000, this.lastTs + 1);
    this.lastTs = micros;
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  private teamRef(): Node {
    return { id: this.options.team.id, domain: this.options.team.domain };
  }

  private userRef(userId: string): Node {
    const person = this.people.get(userId);
    return {
      id: userId,
      username: person?.name ?? userId,
      name: person?.name ?? userId,
      team_id: this.options.team.id,
    };
  }

  /** How Slack stores what a person typed (docs.slack.dev/messaging/formatting-message-text). */
  private formatTyped(typed: string): string {
    const mentionable = [
      { id: this.options.bot.userId, names: [this.options.bot.name] },
      ...[...this.people.values()].map((person) => ({
        id: person.id,
        names: [person.realName.split(' ')[0]!, person.name],
      })),
    ];
    return escapeText(typed)
      .replace(/https?:\/\/[^\s<>]+/g, (url) => `<${url}>`)
      .replace(/(^|\s)@([\w.-]+)/g, (whole, space: string, name: string) => {
        const found = mentionable.find((m) => m.names.some((n) => n.toLowerCase() === name.toLowerCase()));
        return found ? `${space}<@${found.id}>` : whole;
      })
      .replace(/(^|\s)#([\w-]+)/g, (whole, space: string, name: string) => {
        const channel = [...this.conversations.values()].find((c) => c.kind === 'channel' && c.name === name);
        return channel ? `${space}<#${channel.id}|${channel.name}>` : whole;
      });
  }

  private changed(): void {
    this.version += 1;
    for (const listener of this.listeners) listener();
  }
}

/** Slack escapes these three in message text (docs.slack.dev/messaging/formatting-message-text#escaping). */
function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

function parseJson(text: string): Node | undefined {
  if (!text.trim()) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Node) : undefined;
  } catch {
    return undefined;
  }
}

/** Why the app's answer was not one Slack takes, in words. */
function describe(answer: SignedPost): string {
  return answer.status === 0
    ? `the app did not answer within ${ACK_TIMEOUT_MS / 1000} seconds (${answer.body || 'no answer'})`
    : `the app answered HTTP ${answer.status}`;
}
