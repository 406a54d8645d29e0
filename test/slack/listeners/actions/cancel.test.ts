import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import { cancelWrite } from '../../../../src/slack/listeners/actions/cancel.js';
import { click, expectAckedBefore, fakeDeps, notice, onlyReply } from '../fakes.js';

describe('Cancel on a write preview', () => {
  it('acks, has core drop the pending write, and replaces the preview so it cannot be confirmed later', async () => {
    const fakes = fakeDeps();
    fakes.service.cancel.mockResolvedValueOnce(notice('Cancelled: nothing was written.'));
    const { args, ack, respond } = click({ action_id: 'espo_cancel', value: 'pending-3' });

    await cancelWrite(fakes.deps)(args);

    expectAckedBefore(ack, fakes.service.cancel);
    expect(fakes.service.cancel).toHaveBeenCalledWith({ teamId: 'T1', userId: 'U1', channelId: 'C1' }, 'pending-3');
    expect(onlyReply(respond)).toMatchObject({ text: 'Cancelled: nothing was written.', replace_original: true });
  });

  it('passes an empty id for a button without a value, and shows core’s refusal in a new message', async () => {
    const fakes = fakeDeps();
    fakes.service.cancel.mockRejectedValueOnce(new AppError('confirmation_missing', 'That change is gone.'));
    const { args, respond } = click({ action_id: 'espo_cancel' });

    await cancelWrite(fakes.deps)(args);

    expect(fakes.service.cancel).toHaveBeenCalledWith(expect.objectContaining({ userId: 'U1' }), '');
    expect(onlyReply(respond)).toMatchObject({ text: 'That change is gone.', replace_original: false });
  });
});
