import type { GivenValue } from '../../fakes/slack/elements.js';
import type { Message, OpenView, Snapshot } from '../../fakes/slack/workspace.js';
import { post } from './api.js';
import {
  inputTypes,
  readInputs,
  renderBlocks,
  renderMrkdwn,
  renderText,
  restoreInputs,
  type BlockContext,
} from './block-kit.js';
import { CrmView } from './crm.js';
import { h, initials } from './dom.js';

/**
 * The page: a Slack client for one person of the sandbox's workspace. It draws what the workspace
 * model holds (pushed over server-sent events) and sends what the person does back to it; the
 * model turns that into the requests Slack would send the bot.
 */
type Surface = { kind: 'conversation'; id: string } | { kind: 'app'; tab: 'home' | 'messages' } | { kind: 'crm' };

const PEOPLE_KEY = 'espo-sandbox-person';
const params = new URLSearchParams(location.search);

class Page {
  private me = params.get('as') ?? localStorage.getItem(PEOPLE_KEY) ?? 'UJANE';
  private snapshot?: Snapshot;
  private surface: Surface = { kind: 'conversation', id: 'CSALES' };
  private thread?: { channel: string; ts: string };
  private stream?: EventSource;
  private readonly messageCache = new Map<string, { version: number; element: HTMLElement }>();
  private modalKey = '';
  private homeKey = '';
  private readonly crm = new CrmView();

  private readonly sidebar = h('nav', { class: 'sidebar-nav', attrs: { 'aria-label': 'Conversations' } });
  private readonly who = h('div', { class: 'who' });
  private readonly header = h('header', { class: 'pane-header' });
  private readonly messages = h('section', {
    class: 'messages',
    attrs: { 'aria-label': 'Messages', 'aria-live': 'polite' },
  });
  private readonly home = h('section', { class: 'home', attrs: { 'aria-label': 'Home' } });
  private readonly composer = new Composer((text) => this.send(text));
  private readonly threadPane = h('aside', { class: 'thread', attrs: { 'aria-label': 'Thread', hidden: '' } });
  private readonly threadMessages = h('div', { class: 'messages' });
  private readonly threadComposer = new Composer((text) => this.send(text, this.thread?.ts));
  private readonly modalRoot = h('div', { class: 'modal-root' });
  private readonly dialogRoot = h('div', { class: 'dialog-root' });

  constructor(root: HTMLElement) {
    const main = h(
      'main',
      { class: 'main' },
      this.header,
      h('div', { class: 'pane-body' }, this.messages, this.home, this.crm.root),
      this.composer.root,
    );
    const threadHeader = h('header', { class: 'pane-header' }, h('strong', {}, 'Thread'));
    const closeThread = h(
      'button',
      { class: 'icon-button', attrs: { type: 'button', 'aria-label': 'Close thread' } },
      '×',
    );
    closeThread.addEventListener('click', () => {
      this.thread = undefined;
      this.render();
    });
    threadHeader.appendChild(closeThread);
    this.threadPane.append(threadHeader, this.threadMessages, this.threadComposer.root);
    root.replaceChildren(
      h(
        'aside',
        { class: 'sidebar' },
        h('div', { class: 'workspace-name' }, 'Acme Sales', h('span', { class: 'sandbox-badge' }, 'sandbox')),
        this.sidebar,
        this.who,
      ),
      main,
      this.threadPane,
      this.modalRoot,
      this.dialogRoot,
    );
    document.addEventListener('keydown', (event) => {
      const top = this.snapshot?.modals.at(-1);
      if (event.key === 'Escape' && top && !this.dialogRoot.childElementCount) void this.closeView(top);
    });
    this.route();
    this.connect();
  }

  /** `/crm#Entity/view/id` opens the sample CRM at that record (the bot's record links point there). */
  private route(): void {
    if (location.pathname === '/crm') {
      const match = /^#(\w+)\/view\/([\w-]+)/.exec(location.hash);
      this.surface = { kind: 'crm' };
      void this.crm.open(match?.[1] ?? 'Opportunity', match?.[2]);
    }
    const archived = /^\/archives\/(\w+)/.exec(location.pathname);
    if (archived) this.surface = { kind: 'conversation', id: archived[1]! };
  }

  private connect(): void {
    this.stream?.close();
    this.messageCache.clear();
    this.modalKey = this.homeKey = '';
    this.stream = new EventSource(`/api/stream?user=${encodeURIComponent(this.me)}`);
    this.stream.onmessage = (event) => {
      this.snapshot = JSON.parse(event.data as string) as Snapshot;
      this.render();
      if (this.surface.kind === 'crm') void this.crm.refresh();
    };
  }

  // ---- drawing ----

  private render(): void {
    const snapshot = this.snapshot;
    if (!snapshot) return;
    document.body.dataset.version = String(snapshot.version);
    this.renderSidebar(snapshot);
    this.renderHeader(snapshot);
    const showsMessages =
      this.surface.kind === 'conversation' || (this.surface.kind === 'app' && this.surface.tab === 'messages');
    this.messages.hidden = !showsMessages;
    this.home.hidden = !(this.surface.kind === 'app' && this.surface.tab === 'home');
    this.crm.root.hidden = this.surface.kind !== 'crm';
    this.composer.root.hidden = !showsMessages;
    if (showsMessages) this.renderMessages(snapshot);
    if (!this.home.hidden) this.renderHome(snapshot);
    this.renderThread(snapshot);
    this.renderModal(snapshot);
  }

  private conversationId(): string | undefined {
    if (this.surface.kind === 'conversation') return this.surface.id;
    if (this.surface.kind === 'app' && this.snapshot)
      return this.snapshot.conversations.find((c) => c.kind === 'im')?.id;
    return undefined;
  }

  private renderSidebar(snapshot: Snapshot): void {
    const item = (label: string, surface: Surface, active: boolean, icon: string) => {
      const button = h(
        'button',
        { class: `nav-item${active ? ' active' : ''}`, attrs: { type: 'button' } },
        h('span', { class: 'nav-icon', attrs: { 'aria-hidden': 'true' } }, icon),
        label,
      );
      button.addEventListener('click', () => this.go(surface));
      return button;
    };
    const current = this.surface;
    const channels = snapshot.conversations.filter((c) => c.kind === 'channel');
    this.sidebar.replaceChildren(
      h('div', { class: 'nav-section' }, 'Channels'),
      ...channels.map((c) =>
        item(c.name, { kind: 'conversation', id: c.id }, current.kind === 'conversation' && current.id === c.id, '#'),
      ),
      h('div', { class: 'nav-section' }, 'Apps'),
      item(snapshot.bot.name, { kind: 'app', tab: 'messages' }, current.kind === 'app', '◆'),
      h('div', { class: 'nav-section' }, 'Sandbox'),
      item('Sample EspoCRM', { kind: 'crm' }, current.kind === 'crm', '▦'),
    );
    const select = h('select', { attrs: { 'aria-label': 'You are' } });
    for (const person of snapshot.people)
      select.appendChild(
        h('option', { attrs: { value: person.id } }, `${person.realName}${person.isAdmin ? ' (admin)' : ''}`),
      );
    select.value = this.me;
    select.addEventListener('change', () => {
      this.me = select.value;
      localStorage.setItem(PEOPLE_KEY, this.me);
      this.thread = undefined;
      this.connect();
    });
    this.who.replaceChildren(
      h('span', { class: 'avatar small' }, initials(snapshot.me.realName)),
      h('label', {}, 'You are ', select),
    );
  }

  private renderHeader(snapshot: Snapshot): void {
    const surface = this.surface;
    if (surface.kind === 'conversation') {
      const conversation = snapshot.conversations.find((c) => c.id === surface.id);
      this.header.replaceChildren(
        h('strong', {}, `# ${conversation?.name ?? surface.id}`),
        h(
          'span',
          { class: 'header-note' },
          `${conversation?.members.length ?? 0} members, ${snapshot.bot.name} among them`,
        ),
      );
    } else if (surface.kind === 'app') {
      const tab = (name: 'home' | 'messages', label: string) => {
        const button = h(
          'button',
          {
            class: `tab${surface.tab === name ? ' active' : ''}`,
            attrs: { type: 'button', role: 'tab', 'aria-selected': String(surface.tab === name) },
          },
          label,
        );
        button.addEventListener('click', () => this.go({ kind: 'app', tab: name }));
        return button;
      };
      this.header.replaceChildren(
        h('span', { class: 'avatar app small' }, '◆'),
        h('strong', {}, snapshot.bot.name),
        h('span', { class: 'app-badge' }, 'APP'),
        h('div', { class: 'tabs', attrs: { role: 'tablist' } }, tab('home', 'Home'), tab('messages', 'Messages')),
      );
    } else {
      this.header.replaceChildren(
        h('strong', {}, 'Sample EspoCRM'),
        h('span', { class: 'header-note' }, 'the CRM behind the fake Membrane'),
      );
    }
  }

  private go(surface: Surface): void {
    this.surface = surface;
    this.thread = undefined;
    if (surface.kind === 'app' && surface.tab === 'home')
      void post('/api/home', { user: this.me }).catch((error: unknown) => this.notice(error));
    if (surface.kind === 'crm') void this.crm.refresh();
    this.render();
    this.composer.focus();
  }

  private context(
    source: { channel: string; ts: string } | { viewId: string },
    errors?: Record<string, string>,
    inModal = false,
  ): BlockContext {
    const snapshot = this.snapshot!;
    return {
      people: new Map([
        ...snapshot.people.map((p) => [p.id, p.realName] as const),
        [snapshot.bot.userId, snapshot.bot.name],
      ]),
      channels: new Map(snapshot.conversations.filter((c) => c.kind === 'channel').map((c) => [c.id, c.name])),
      timeZone: snapshot.me.timeZone,
      now: () => new Date(),
      act: (blockId, actionId, value) => this.act(source, blockId, actionId, value),
      suggest:
        'viewId' in source
          ? (blockId, actionId, query) =>
              post('/api/suggest', { user: this.me, viewId: source.viewId, blockId, actionId, value: query })
          : undefined,
      confirm: (dialog) => this.confirmDialog(dialog),
      inModal,
      errors,
    };
  }

  private async act(
    source: { channel: string; ts: string } | { viewId: string },
    blockId: string,
    actionId: string,
    value: GivenValue,
  ): Promise<void> {
    await post('/api/act', { user: this.me, source, blockId, actionId, value }).catch((error: unknown) =>
      this.notice(error),
    );
  }

  private renderMessages(snapshot: Snapshot): void {
    const channel = this.conversationId();
    const shown = snapshot.messages.filter((m) => m.channel === channel && (!m.threadTs || m.threadTs === m.ts));
    const atBottom = this.messages.scrollHeight - this.messages.scrollTop - this.messages.clientHeight < 40;
    const elements = shown.map((message) => this.messageElement(message, snapshot, true));
    if (!elements.length)
      elements.push(
        h(
          'div',
          { class: 'empty' },
          this.surface.kind === 'app'
            ? `This is your DM with ${snapshot.bot.name}. Ask in plain words ("show deals") or type /espo help.`
            : 'No messages yet. Try /espo list deals, or mention @EspoCRM.',
        ),
      );
    // Unchanged messages stay where they are, so a select someone is using keeps its focus.
    if (
      elements.length !== this.messages.children.length ||
      elements.some((element, index) => this.messages.children[index] !== element)
    )
      this.messages.replaceChildren(...elements);
    if (atBottom || this.messages.dataset.channel !== channel) this.messages.scrollTop = this.messages.scrollHeight;
    this.messages.dataset.channel = channel ?? '';
    this.composer.placeholder(
      this.surface.kind === 'app'
        ? `Message ${snapshot.bot.name}`
        : `Message #${snapshot.conversations.find((c) => c.id === channel)?.name ?? ''} (mention @${snapshot.bot.name} to ask it)`,
    );
  }

  /** A message, reused while unchanged so its selects and scroll stay put. */
  private messageElement(message: Message, snapshot: Snapshot, inChannel: boolean): HTMLElement {
    const replies = inChannel
      ? snapshot.messages.filter(
          (m) => m.channel === message.channel && m.threadTs === message.ts && m.ts !== message.ts,
        )
      : [];
    const key = `${inChannel ? 'c' : 't'}:${message.channel}:${message.ts}`;
    const version = message.version * 1000 + replies.length;
    const cached = this.messageCache.get(key);
    if (cached && cached.version === version) return cached.element;
    const element = this.buildMessage(message, snapshot, replies);
    this.messageCache.set(key, { version, element });
    return element;
  }

  private buildMessage(message: Message, snapshot: Snapshot, replies: Message[]): HTMLElement {
    const author =
      message.user === snapshot.bot.userId
        ? snapshot.bot.name
        : message.user === 'USLACKBOT'
          ? 'Slackbot'
          : (snapshot.people.find((p) => p.id === message.user)?.realName ?? message.user);
    const ctx = this.context({ channel: message.channel, ts: message.ts });
    const time = new Date(Number(message.ts) * 1000).toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
    const body = h(
      'div',
      { class: 'message-body' },
      h(
        'div',
        { class: 'meta' },
        h('strong', {}, author),
        message.fromBot && message.user === snapshot.bot.userId ? h('span', { class: 'app-badge' }, 'APP') : null,
        h('span', { class: 'time' }, time),
        message.ephemeralTo ? h('span', { class: 'only-you' }, 'Only visible to you') : null,
      ),
      // With blocks, Slack shows the blocks; `text` is the notification and fallback
      // (docs.slack.dev/reference/methods/chat.postMessage, "text").
      message.blocks?.length
        ? renderBlocks(message.blocks, ctx)
        : h('div', { class: 'text' }, renderMrkdwn(message.text, ctx)),
      ...(message.attachments ?? []).map((attachment) =>
        h(
          'div',
          { class: 'attachment' },
          attachment.blocks
            ? renderBlocks(attachment.blocks, ctx)
            : renderMrkdwn(String(attachment.text ?? attachment.fallback ?? ''), ctx),
        ),
      ),
    );
    if (replies.length) {
      const open = h(
        'button',
        { class: 'thread-link', attrs: { type: 'button' } },
        `${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}`,
      );
      open.addEventListener('click', () => {
        this.thread = { channel: message.channel, ts: message.ts };
        this.render();
        this.threadComposer.focus();
      });
      body.appendChild(open);
    }
    const element = h(
      'article',
      { class: `message${message.ephemeralTo ? ' ephemeral' : ''}`, attrs: { 'data-ts': message.ts } },
      h('span', { class: `avatar${message.fromBot ? ' app' : ''}` }, message.fromBot ? '◆' : initials(author)),
      body,
      this.messageMenu(message, snapshot),
    );
    return element;
  }

  /** Hover actions: reply in thread, and "More actions" with the app's message shortcuts. */
  private messageMenu(message: Message, snapshot: Snapshot): HTMLElement {
    const menu = h('div', { class: 'bk-menu', attrs: { role: 'menu', hidden: '' } });
    for (const shortcut of snapshot.shortcuts.filter((s) => s.type === 'message')) {
      const item = h(
        'button',
        { class: 'bk-menu-item', attrs: { type: 'button', role: 'menuitem' } },
        shortcut.name,
        h('span', { class: 'menu-app' }, snapshot.bot.name),
      );
      item.addEventListener('click', () => {
        menu.hidden = true;
        void post('/api/shortcut', {
          user: this.me,
          channel: message.channel,
          ts: message.ts,
          callbackId: shortcut.callbackId,
        }).catch((error: unknown) => this.notice(error));
      });
      menu.appendChild(item);
    }
    const more = h(
      'button',
      {
        class: 'icon-button',
        attrs: { type: 'button', 'aria-label': 'More actions', title: 'More actions', 'aria-haspopup': 'menu' },
      },
      '⋯',
    );
    more.addEventListener('click', () => (menu.hidden = !menu.hidden));
    const reply = h(
      'button',
      { class: 'icon-button', attrs: { type: 'button', 'aria-label': 'Reply in thread', title: 'Reply in thread' } },
      '💬',
    );
    reply.addEventListener('click', () => {
      this.thread = { channel: message.channel, ts: message.threadTs ?? message.ts };
      this.render();
      this.threadComposer.focus();
    });
    return h(
      'div',
      { class: 'message-actions' },
      message.threadTs && message.threadTs !== message.ts ? null : reply,
      more,
      menu,
    );
  }

  private renderThread(snapshot: Snapshot): void {
    const thread = this.thread;
    const parent = thread && snapshot.messages.find((m) => m.channel === thread.channel && m.ts === thread.ts);
    this.threadPane.hidden = !parent;
    if (!parent) return;
    const replies = snapshot.messages.filter(
      (m) => m.channel === parent.channel && m.threadTs === parent.ts && m.ts !== parent.ts,
    );
    this.threadMessages.replaceChildren(
      this.messageElement(parent, snapshot, false),
      h('div', { class: 'thread-count' }, `${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}`),
      ...replies.map((m) => this.messageElement(m, snapshot, false)),
    );
    this.threadMessages.scrollTop = this.threadMessages.scrollHeight;
    this.threadComposer.placeholder('Reply…');
  }

  private renderHome(snapshot: Snapshot): void {
    const view = snapshot.home;
    const key = view ? `${view.id}:${view.hash}` : 'none';
    if (key === this.homeKey) return;
    this.homeKey = key;
    this.home.replaceChildren(
      view
        ? renderBlocks(view.view.blocks, this.context({ viewId: view.id }))
        : h('div', { class: 'empty' }, 'Loading the Home tab…'),
    );
  }

  private renderModal(snapshot: Snapshot): void {
    const view = snapshot.modals.at(-1);
    if (!view) {
      this.modalKey = '';
      this.modalRoot.replaceChildren();
      return;
    }
    const key = `${view.id}:${view.hash}`;
    const existing = this.modalRoot.querySelector<HTMLElement>('.modal');
    if (existing && key === this.modalKey) {
      // Same view: only its errors changed; what the person typed stays.
      for (const block of existing.querySelectorAll<HTMLElement>('.bk-input-block')) {
        const error = view.errors?.[block.dataset.blockId ?? ''] ?? '';
        block.classList.toggle('has-error', Boolean(error));
        block.querySelector('.bk-error')!.textContent = error;
      }
      existing.querySelector('.modal-problem')!.textContent = view.problem ?? '';
      existing.querySelector('.has-error, .modal-problem:not(:empty)')?.scrollIntoView({ block: 'nearest' });
      return;
    }
    // A new view, or the same one updated: keep what was typed where the block and action ids match.
    const previous =
      existing && this.modalKey.startsWith(`${view.id}:`)
        ? { values: readInputs(existing), types: inputTypes(existing) }
        : undefined;
    this.modalKey = key;
    const modal = this.buildModal(view);
    this.modalRoot.replaceChildren(h('div', { class: 'overlay' }, modal));
    if (previous) restoreInputs(modal, previous.values, previous.types);
    modal.querySelector<HTMLElement>('input, textarea, select')?.focus();
  }

  private buildModal(view: OpenView): HTMLElement {
    const body = renderBlocks(view.view.blocks, this.context({ viewId: view.id }, view.errors, true));
    const close = h(
      'button',
      { class: 'bk-button', attrs: { type: 'button' } },
      renderText(view.view.close ?? { type: 'plain_text', text: 'Cancel' }, this.context({ viewId: view.id })),
    );
    close.addEventListener('click', () => void this.closeView(view));
    const x = h('button', { class: 'icon-button', attrs: { type: 'button', 'aria-label': 'Close' } }, '×');
    x.addEventListener('click', () => void this.closeView(view));
    const submit = view.view.submit
      ? h(
          'button',
          { class: 'bk-button primary', attrs: { type: 'submit' } },
          renderText(view.view.submit, this.context({ viewId: view.id })),
        )
      : null;
    const form = h(
      'form',
      // The browser checks nothing itself (an email field would block the submission): Slack's checks are the
      // workspace's.
      {
        class: 'modal',
        attrs: {
          novalidate: '',
          role: 'dialog',
          'aria-modal': 'true',
          'aria-label': String((view.view.title as { text?: string } | undefined)?.text ?? 'Modal'),
        },
      },
      h(
        'header',
        { class: 'modal-header' },
        h('strong', {}, renderText(view.view.title, this.context({ viewId: view.id }))),
        x,
      ),
      h(
        'div',
        { class: 'modal-body' },
        body,
        h('div', { class: 'modal-problem', attrs: { role: 'alert' } }, view.problem ?? ''),
      ),
      h('footer', { class: 'modal-footer' }, close, submit),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (submit) submit.disabled = true;
      void post('/api/submit', { user: this.me, viewId: view.id, values: readInputs(body) })
        .catch((error: unknown) => this.notice(error))
        .finally(() => submit && (submit.disabled = false));
    });
    return form;
  }

  private async closeView(view: OpenView): Promise<void> {
    await post('/api/close', { user: this.me, viewId: view.id }).catch((error: unknown) => this.notice(error));
  }

  /**
   * A confirmation dialog object (docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object).
   */
  private confirmDialog(dialog: Record<string, unknown>): Promise<boolean> {
    return new Promise((resolve) => {
      const ctx = this.context({ viewId: '' });
      const done = (answer: boolean) => {
        this.dialogRoot.replaceChildren();
        resolve(answer);
      };
      const yes = h(
        'button',
        { class: `bk-button ${dialog.style === 'danger' ? 'danger' : 'primary'}`, attrs: { type: 'button' } },
        renderText(dialog.confirm ?? { type: 'plain_text', text: 'Yes' }, ctx),
      );
      const no = h(
        'button',
        { class: 'bk-button', attrs: { type: 'button' } },
        renderText(dialog.deny ?? { type: 'plain_text', text: 'Cancel' }, ctx),
      );
      yes.addEventListener('click', () => done(true));
      no.addEventListener('click', () => done(false));
      this.dialogRoot.replaceChildren(
        h(
          'div',
          { class: 'overlay' },
          h(
            'div',
            { class: 'modal confirm', attrs: { role: 'alertdialog', 'aria-modal': 'true' } },
            h('header', { class: 'modal-header' }, h('strong', {}, renderText(dialog.title, ctx))),
            h('div', { class: 'modal-body' }, renderText(dialog.text, ctx)),
            h('footer', { class: 'modal-footer' }, no, yes),
          ),
        ),
      );
      yes.focus();
    });
  }

  // ---- sending ----

  private async send(text: string, threadTs?: string): Promise<void> {
    const snapshot = this.snapshot;
    const channel = this.thread?.channel ?? this.conversationId();
    if (!snapshot || !channel) return;
    const command = /^\/(\S+)\s*([\s\S]*)$/.exec(text);
    try {
      if (command) {
        // Slack runs a slash command in the conversation it was typed in, and posts none of its
        // text there (docs.slack.dev/interactivity/implementing-slash-commands).
        if (`/${command[1]}` !== snapshot.command)
          return this.notice(`/${command[1]} is not a valid command here. This workspace has ${snapshot.command}.`);
        await post('/api/command', { user: this.me, channel, text: command[2] });
        return;
      }
      await post('/api/say', { user: this.me, channel, text, ...(threadTs ? { threadTs } : {}) });
      const conversation = snapshot.conversations.find((c) => c.id === channel);
      if (conversation?.kind === 'channel' && !new RegExp(`@${snapshot.bot.name}\\b`, 'i').test(text)) {
        // The app subscribes to app_mention in channels, not to every message (manifest.yml's bot_events).
        this.notice(
          `${snapshot.bot.name} only hears messages in #${conversation.name} that mention @${snapshot.bot.name} (Slack sends it app_mention events only).`,
        );
      }
    } catch (error) {
      this.notice(error);
    }
  }

  private notice(problem: unknown): void {
    const text = problem instanceof Error ? problem.message : String(problem);
    const toast = h('div', { class: 'toast', attrs: { role: 'status' } }, text);
    document.body.appendChild(toast);
    setTimeout(() => toast.remove(), 6000);
  }
}

/** The message box: Enter sends, Shift+Enter is a new line. */
class Composer {
  readonly root: HTMLElement;
  private readonly input = h('textarea', { class: 'composer-input', attrs: { rows: '1', 'aria-label': 'Message' } });

  constructor(send: (text: string) => Promise<void>) {
    const button = h(
      'button',
      { class: 'bk-button primary send', attrs: { type: 'submit', 'aria-label': 'Send' } },
      'Send',
    );
    const form = h('form', { class: 'composer' }, this.input, button);
    const submit = () => {
      const text = this.input.value.trim();
      if (!text) return;
      this.input.value = '';
      void send(text);
    };
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      submit();
    });
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        submit();
      }
    });
    this.root = form;
  }

  placeholder(text: string): void {
    this.input.placeholder = text;
  }

  focus(): void {
    this.input.focus();
  }
}

new Page(document.getElementById('app')!);
