import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import { unsubscribeButton } from '../../../../src/slack/listeners/actions/unsubscribe.js';
import { click, expectAckedBefore, fakeDeps, notice, onlyReply } from '../fakes.js';

describe('Unsubscribe beside a subscription', () => {
  it('runs `unsubscribe <id>` as the clicker, with their profile (guests may not)', async () => {
    const fakes = fakeDeps();
    fakes.service.handle.mockResolvedValueOnce(notice('Stop alerts about new leads?'));
    const { args, ack, respond } = click({ action_id: 'espo_unsubscribe', value: 'sub-9' });

    await unsubscribeButton(fakes.deps)(args);

    expectAckedBefore(ack, fakes.service.handle);
    expect(fakes.service.handle).toHaveBeenCalledWith(
      expect.objectContaining({ teamId: 'T1', userId: 'U1', channelId: 'C1', isWorkspaceAdmin: false }),
      'unsubscribe sub-9',
    );
    expect(onlyReply(respond)).toMatchObject({ text: 'Stop alerts about new leads?' });
  });

  it('never passes a value that is not an id into the command text', async () => {
    const fakes = fakeDeps();
    fakes.service.handle.mockRejectedValueOnce(new AppError('not_found', 'No subscription invalid here.'));
    const { args, respond } = click({ action_id: 'espo_unsubscribe', value: 'sub-9 everything' });

    await unsubscribeButton(fakes.deps)(args);

    expect(fakes.service.handle).toHaveBeenCalledWith(expect.anything(), 'unsubscribe invalid');
    expect(onlyReply(respond)).toMatchObject({ text: 'No subscription invalid here.' });
  });
});
