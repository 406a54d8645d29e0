import { describe, expect, it, vi } from 'vitest';
import { assistantThreadStarted, SUGGESTED_PROMPTS } from '../../../../src/slack/listeners/assistant/thread-started.js';

function threadStart() {
  const say = vi.fn(async (_text: string) => undefined);
  const setSuggestedPrompts = vi.fn(async (_prompts: unknown) => undefined);
  const logger = { warn: vi.fn() };
  return { args: { say, setSuggestedPrompts, logger } as never, say, setSuggestedPrompts, logger };
}

describe('a new assistant thread', () => {
  it('greets the person and suggests things to try', async () => {
    const { args, say, setSuggestedPrompts } = threadStart();

    await assistantThreadStarted()(args);

    expect(say).toHaveBeenCalledWith(expect.stringMatching(/^Hi! Ask me about your EspoCRM/));
    expect(setSuggestedPrompts).toHaveBeenCalledWith({ title: 'Try one of these', prompts: SUGGESTED_PROMPTS });
  });

  it('logs a failed greeting instead of throwing', async () => {
    const { args, say, setSuggestedPrompts, logger } = threadStart();
    say.mockRejectedValueOnce(new Error('not_in_channel'));

    await assistantThreadStarted()(args);

    expect(setSuggestedPrompts).not.toHaveBeenCalled();
    expect(logger.warn).toHaveBeenCalledWith('could not greet a new assistant thread: Error: not_in_channel');
  });
});
