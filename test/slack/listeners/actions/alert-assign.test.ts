import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import { assignToMe } from '../../../../src/slack/listeners/actions/alert-assign.js';
import { click, expectAckedBefore, fakeDeps, notice, onlyReply, PROFILE } from '../fakes.js';

const lead = JSON.stringify({ e: 'Lead', id: 'lead-1' });

describe('Assign to me, on a lead alert', () => {
  it('finds the clicker’s EspoCRM user by their Slack email and previews that assignment', async () => {
    const fakes = fakeDeps();
    fakes.service.proposeUpdate.mockResolvedValueOnce(notice('Assign this lead to you?'));
    const { args, ack, respond, client } = click({ action_id: 'espo_alert_assign', value: lead }, { user: 'U5' });

    await assignToMe(fakes.deps)(args);

    expectAckedBefore(ack, fakes.profiles.of);
    expect(fakes.profiles.of).toHaveBeenCalledWith(client, 'T1', 'U5');
    expect(fakes.alerts.crmUserOf).toHaveBeenCalledWith(expect.objectContaining({ key: 'T1' }), PROFILE.email);
    expect(fakes.service.proposeUpdate).toHaveBeenCalledWith(
      expect.objectContaining({ userId: 'U5', email: PROFILE.email }),
      'Lead',
      'lead-1',
      { assignedUserId: 'crm-user-1' },
    );
    expect(onlyReply(respond)).toMatchObject({ text: 'Assign this lead to you?', replace_original: false });
  });

  it('tells the clicker when their EspoCRM user cannot be found, and proposes nothing', async () => {
    const fakes = fakeDeps();
    fakes.alerts.crmUserOf.mockRejectedValueOnce(new AppError('not_found', 'No EspoCRM user has your email.'));
    const { args, respond } = click({ action_id: 'espo_alert_assign', value: lead });

    await assignToMe(fakes.deps)(args);

    expect(fakes.service.proposeUpdate).not.toHaveBeenCalled();
    expect(onlyReply(respond)).toMatchObject({ text: 'No EspoCRM user has your email.', response_type: 'ephemeral' });
  });

  it('refuses a button whose record reference is broken', async () => {
    const fakes = fakeDeps();
    const { args, respond } = click({ action_id: 'espo_alert_assign', value: 'lead-1' });

    await assignToMe(fakes.deps)(args);

    expect(fakes.alerts.crmUserOf).not.toHaveBeenCalled();
    expect(onlyReply(respond)).toMatchObject({ text: 'That button is no longer valid.' });
  });
});
