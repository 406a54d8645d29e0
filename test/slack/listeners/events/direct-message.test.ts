import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import { directMessage } from '../../../../src/slack/listeners/events/direct-message.js';
import { conversed, eventArgs, fakeDeps, notice } from '../fakes.js';

const dm = {
  type: 'message',
  channel_type: 'im',
  user: 'U1',
  channel: 'D1',
  ts: '300.1',
  text: 'find contact Jane &amp; co',
};

describe('a message in the bot’s DM', () => {
  it('is one conversation per DM: core gets the text, the answer is posted in the DM', async () => {
    const fakes = fakeDeps();
    fakes.conversation.handleMessage.mockResolvedValueOnce(conversed(notice('Jane & Co: 1 contact.')));
    const { args, client } = eventArgs(dm);

    await directMessage(fakes.deps)(args);

    expect(fakes.conversation.handleMessage).toHaveBeenCalledWith(
      expect.objectContaining({ userId: 'U1', channelId: 'D1', threadKey: 'T1:D1:dm' }),
      'find contact Jane & co',
    );
    const [posted] = client.chat.postMessage.mock.calls[0]!;
    expect(posted).toMatchObject({ channel: 'D1', text: 'Jane &amp; Co: 1 contact.' });
    expect(posted).not.toHaveProperty('thread_ts');
  });

  it('answers an error in the DM too', async () => {
    const fakes = fakeDeps();
    fakes.conversation.handleMessage.mockRejectedValueOnce(new AppError('not_understood', 'I did not get that.'));
    const { args, client } = eventArgs(dm);

    await directMessage(fakes.deps)(args);

    expect(client.chat.postMessage).toHaveBeenCalledWith(
      expect.objectContaining({ channel: 'D1', text: 'I did not get that.' }),
    );
  });

  it('ignores edits, bots and messages outside DMs', async () => {
    const fakes = fakeDeps();
    for (const message of [
      { ...dm, subtype: 'message_changed' },
      { ...dm, bot_id: 'B1' },
      { ...dm, channel_type: 'channel' },
    ]) {
      await directMessage(fakes.deps)(eventArgs(message).args);
    }
    expect(fakes.conversation.handleMessage).not.toHaveBeenCalled();
  });
});
