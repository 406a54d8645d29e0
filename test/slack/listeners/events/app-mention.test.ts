import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import { appMention } from '../../../../src/slack/listeners/events/app-mention.js';
import { conversed, entity, eventArgs, fakeDeps, notice } from '../fakes.js';

const mention = { type: 'app_mention', user: 'U1', channel: 'C1', ts: '200.1', text: '<@UBOT> show my open deals' };

describe('@espo in a channel', () => {
  it('asks core without the mention and answers in the thread the mention starts, for all to see', async () => {
    const fakes = fakeDeps();
    fakes.conversation.handleMessage.mockResolvedValueOnce(conversed(notice('You have 2 open deals.')));
    const { args, client } = eventArgs(mention);

    await appMention(fakes.deps)(args);

    expect(fakes.conversation.handleMessage).toHaveBeenCalledWith(
      expect.objectContaining({ teamId: 'T1', userId: 'U1', channelId: 'C1', threadKey: 'T1:C1:200.1' }),
      'show my open deals',
    );
    expect(client.chat.postMessage).toHaveBeenCalledWith(
      expect.objectContaining({ channel: 'C1', thread_ts: '200.1', text: 'You have 2 open deals.' }),
    );
  });

  it('renders a list in a channel thread without paging or Share buttons', async () => {
    const fakes = fakeDeps();
    fakes.conversation.handleMessage.mockResolvedValueOnce(
      conversed({
        kind: 'records',
        entity: entity('Lead'),
        query: { entity: 'Lead', filters: [], limit: 1, offset: 0 },
        page: { records: [{ id: 'lead-1', fields: { name: 'Ada' } }], hasMore: true },
      }),
    );
    const { args, client } = eventArgs({ ...mention, thread_ts: '150.0' });

    await appMention(fakes.deps)(args);

    const [posted] = client.chat.postMessage.mock.calls[0]!;
    expect(posted).toMatchObject({ thread_ts: '150.0' });
    expect(JSON.stringify(posted.blocks)).not.toContain('espo_page');
    expect(JSON.stringify(posted.blocks)).not.toContain('espo_share');
  });

  it('answers an error in the thread, but a connect link only to the person', async () => {
    const fakes = fakeDeps();
    fakes.conversation.handleMessage.mockRejectedValueOnce(
      new AppError('connection_required', 'Connect EspoCRM first.', {
        details: { connectUrl: 'https://membrane.example/connect/1' },
      }),
    );
    const { args, client } = eventArgs(mention);

    await appMention(fakes.deps)(args);

    expect(client.chat.postMessage).not.toHaveBeenCalled();
    // The thread does not exist yet: the ephemeral answer goes to the channel.
    expect(client.chat.postEphemeral).toHaveBeenCalledWith(
      expect.objectContaining({ channel: 'C1', user: 'U1', text: 'Connect EspoCRM: Connect EspoCRM first.' }),
    );
  });

  it('never answers other bots', async () => {
    const fakes = fakeDeps();
    const { args, client } = eventArgs({ ...mention, bot_id: 'B2' });

    await appMention(fakes.deps)(args);

    expect(fakes.conversation.handleMessage).not.toHaveBeenCalled();
    expect(client.chat.postMessage).not.toHaveBeenCalled();
  });
});
