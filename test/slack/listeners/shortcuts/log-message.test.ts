import { describe, expect, it, vi } from 'vitest';
import { logMessageShortcut } from '../../../../src/slack/listeners/shortcuts/log-message.js';
import { fakeClient, fakeDeps } from '../fakes.js';

function shortcutOn(text: string) {
  const ack = vi.fn(async () => undefined);
  const client = fakeClient();
  const shortcut = {
    type: 'message_action',
    callback_id: 'espo_log_message',
    trigger_id: 'trigger-5',
    team: { id: 'T1' },
    user: { id: 'U1' },
    channel: { id: 'C1' },
    message_ts: '500.1',
    message: { type: 'message', ts: '500.1', text },
  };
  const args = { ack, shortcut, body: shortcut, payload: shortcut, client, context: { botUserId: 'UBOT' } };
  return { args: args as never, ack, client };
}

describe('"Log to EspoCRM" on a message', () => {
  it('acks and opens the log form, its subject the message’s first sentence, remembering the message', async () => {
    const fakes = fakeDeps();
    const { args, ack, client } = shortcutOn('<@UBOT> Call Acme back. They want a quote by Friday.');

    await logMessageShortcut(fakes.deps)(args);

    expect(ack).toHaveBeenCalledTimes(1);
    const [opened] = client.views.open.mock.calls[0]!;
    expect(opened).toMatchObject({ trigger_id: 'trigger-5', view: { callback_id: 'espo_log' } });
    const view = opened.view as { private_metadata: string };
    expect(JSON.parse(view.private_metadata)).toEqual({ c: 'C1', ts: '500.1' });
    expect(JSON.stringify(view)).toContain('"initial_value":"Call Acme back."');
    expect(JSON.stringify(view)).toContain('"initial_value":"Call Acme back. They want a quote by Friday."');
  });

  it('logs, and throws nothing back, when Slack will not open the form', async () => {
    const fakes = fakeDeps();
    const { args, client } = shortcutOn('');
    client.views.open.mockRejectedValueOnce(new Error('expired_trigger_id'));

    await logMessageShortcut(fakes.deps)(args);

    expect(JSON.stringify(client.views.open.mock.calls[0]![0])).toContain('Slack message');
    expect(fakes.logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ team: 'T1', user: 'U1' }),
      'could not open the log form',
    );
  });
});
