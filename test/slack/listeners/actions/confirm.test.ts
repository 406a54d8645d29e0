import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import { confirmWrite } from '../../../../src/slack/listeners/actions/confirm.js';
import { click, expectAckedBefore, fakeDeps, notice, onlyReply } from '../fakes.js';

describe('Confirm on a write preview', () => {
  it('acks, has core run the pending write for the clicker, and replaces the preview with the outcome', async () => {
    const fakes = fakeDeps();
    fakes.service.confirm.mockResolvedValueOnce(notice('Created lead Ada.'));
    const { args, ack, respond } = click({ action_id: 'espo_confirm', value: 'pending-7' }, { user: 'U2' });

    await confirmWrite(fakes.deps)(args);

    expectAckedBefore(ack, fakes.service.confirm);
    expect(fakes.service.confirm).toHaveBeenCalledWith({ teamId: 'T1', userId: 'U2', channelId: 'C1' }, 'pending-7');
    expect(onlyReply(respond)).toMatchObject({
      text: 'Created lead Ada.',
      response_type: 'ephemeral',
      replace_original: true,
    });
  });

  it('answers a refused confirm in a new message, so the preview stays, and logs it', async () => {
    const fakes = fakeDeps();
    fakes.service.confirm.mockRejectedValueOnce(
      new AppError('confirmation_not_yours', 'Only the person who asked can confirm this.'),
    );
    const { args, respond } = click({ action_id: 'espo_confirm', value: 'pending-7' });

    await confirmWrite(fakes.deps)(args);

    expect(onlyReply(respond)).toMatchObject({
      text: 'Only the person who asked can confirm this.',
      replace_original: false,
      response_type: 'ephemeral',
    });
    expect(fakes.logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'confirmation_not_yours', kind: 'confirm', team: 'T1' }),
      'Only the person who asked can confirm this.',
    );
    expect(fakes.metrics.request).toHaveBeenCalledWith(
      'confirm',
      'error',
      'confirmation_not_yours',
      expect.any(Number),
    );
  });
});
