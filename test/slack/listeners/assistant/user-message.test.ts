import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import { assistantUserMessage } from '../../../../src/slack/listeners/assistant/user-message.js';
import { conversed, fakeClient, fakeDeps, notice, PROFILE } from '../fakes.js';

function threadMessage(message: Record<string, unknown>) {
  const setStatus = vi.fn(async (_status: string) => undefined);
  const setTitle = vi.fn(async (_title: string) => undefined);
  const client = fakeClient();
  const args = {
    message,
    body: { team_id: 'T1' },
    client,
    context: { teamId: 'T1', botUserId: 'UBOT' },
    setStatus,
    setTitle,
  };
  return { args: args as never, setStatus, setTitle, client };
}

const asked = {
  user: 'U1',
  channel: 'D1',
  thread_ts: '100.1',
  ts: '100.2',
  text: 'show my open deals closing this month, and the ones that slipped from last month',
};
const { thread_ts: _thread, ...outsideThread } = asked;

describe('a message in an assistant thread', () => {
  it('shows "thinking…", asks core in the thread’s conversation, answers in the thread and titles it', async () => {
    const fakes = fakeDeps();
    fakes.conversation.handleMessage.mockResolvedValueOnce(conversed(notice('You have 2 open deals.'), true));
    const { args, setStatus, setTitle, client } = threadMessage(asked);

    await assistantUserMessage(fakes.deps)(args);

    expect(setStatus).toHaveBeenCalledWith('is looking in EspoCRM…');
    expect(setStatus.mock.invocationCallOrder[0]).toBeLessThan(
      fakes.conversation.handleMessage.mock.invocationCallOrder[0]!,
    );
    expect(fakes.conversation.handleMessage).toHaveBeenCalledWith(
      { teamId: 'T1', userId: 'U1', channelId: 'D1', threadKey: 'T1:D1:100.1', ...PROFILE },
      asked.text,
    );
    expect(client.chat.postMessage).toHaveBeenCalledWith(
      expect.objectContaining({ channel: 'D1', thread_ts: '100.1', text: 'You have 2 open deals.' }),
    );
    expect(setTitle).toHaveBeenCalledWith(`${asked.text.slice(0, 59)}…`);
  });

  it('answers a failure in the thread, where the conversation is', async () => {
    const fakes = fakeDeps();
    fakes.conversation.handleMessage.mockRejectedValueOnce(new AppError('model_busy', 'I am busy, try again.'));
    const { args, setTitle, client } = threadMessage(asked);

    await assistantUserMessage(fakes.deps)(args);

    expect(client.chat.postMessage).toHaveBeenCalledWith(
      expect.objectContaining({ channel: 'D1', thread_ts: '100.1', text: 'I am busy, try again.' }),
    );
    expect(setTitle).not.toHaveBeenCalled();
  });

  it('ignores bots’ messages and messages outside a thread', async () => {
    const fakes = fakeDeps();
    for (const message of [{ ...asked, bot_id: 'B1' }, outsideThread]) {
      const { args, setStatus } = threadMessage(message);
      await assistantUserMessage(fakes.deps)(args);
      expect(setStatus).not.toHaveBeenCalled();
    }
    expect(fakes.conversation.handleMessage).not.toHaveBeenCalled();
  });
});
