import { describe, expect, it, vi } from 'vitest';
import { registerListeners } from '../../../src/slack/listeners/index.js';
import { fakeDeps } from './fakes.js';

/** A Bolt app that only records what is registered on it. */
function recordingApp() {
  const registered: { kind: string; on: unknown }[] = [];
  const record =
    (kind: string) =>
    (on: unknown, ..._listeners: unknown[]) =>
      registered.push({ kind, on });
  const app = {
    command: record('command'),
    action: record('action'),
    view: record('view'),
    shortcut: record('shortcut'),
    options: record('options'),
    event: record('event'),
    message: vi.fn(() => registered.push({ kind: 'message', on: undefined })),
    assistant: vi.fn(() => registered.push({ kind: 'assistant', on: undefined })),
  };
  return { app, registered };
}

/** Which registered listeners of `kind` an id reaches, as Bolt matches strings and patterns. */
function reached(registered: { kind: string; on: unknown }[], kind: string, id: string) {
  return registered.filter(
    (entry) => entry.kind === kind && (entry.on instanceof RegExp ? entry.on.test(id) : entry.on === id),
  );
}

describe('registerListeners', () => {
  const { app, registered } = recordingApp();
  registerListeners(app as never, fakeDeps().deps);

  it('routes every button the renderers draw to exactly one listener', () => {
    const buttons = [
      'espo_confirm',
      'espo_cancel',
      'espo_page:next',
      'espo_page:prev',
      'espo_page:check',
      'espo_share',
      'espo_show:lead-1',
      'espo_open_record',
      'espo_open_alert',
      'espo_open_connect',
      'espo_open_home_connect',
      'espo_new',
      'espo_edit',
      'espo_digest_stop',
      'espo_home_new_lead',
      'espo_home_new_task',
      'espo_home_search',
      'espo_home_connect',
      'espo_alert_done',
      'espo_alert_assign',
      'espo_unsubscribe',
    ];
    for (const id of buttons) expect(reached(registered, 'action', id), id).toHaveLength(1);
  });

  it('listens for the slash command, the modals, the shortcut, the search and the events the manifest asks for', () => {
    expect(reached(registered, 'command', '/espo')).toHaveLength(1);
    for (const callback of ['espo_form', 'espo_log', 'espo_search'])
      expect(reached(registered, 'view', callback), callback).toHaveLength(1);
    expect(reached(registered, 'shortcut', 'espo_log_message')).toHaveLength(1);
    expect(reached(registered, 'options', 'espo_related')).toHaveLength(1);
    expect(
      registered
        .filter((entry) => entry.kind === 'event')
        .map((entry) => entry.on)
        .sort(),
    ).toEqual(['app_home_opened', 'app_mention', 'app_uninstalled', 'link_shared', 'tokens_revoked']);
    expect(app.assistant).toHaveBeenCalledTimes(1);
    expect(app.message).toHaveBeenCalledTimes(1);
  });

  it('registers the assistant before the DM listener, which gets the messages it leaves', () => {
    const kinds = registered.map((entry) => entry.kind);
    expect(kinds.indexOf('assistant')).toBeLessThan(kinds.indexOf('message'));
  });
});
