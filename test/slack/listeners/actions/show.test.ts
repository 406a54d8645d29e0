import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import { showRecord } from '../../../../src/slack/listeners/actions/show.js';
import { click, entity, expectAckedBefore, fakeDeps, onlyReply, SITE_URL } from '../fakes.js';

describe('Details beside a record in a list', () => {
  it('acks, reads the record, and answers with its card, privately, linked to the tenant’s EspoCRM', async () => {
    const fakes = fakeDeps();
    fakes.service.show.mockResolvedValueOnce({
      kind: 'record',
      entity: entity('Lead'),
      record: { id: 'lead-1', fields: { name: 'Ada' } },
    });
    const { args, ack, respond } = click({
      action_id: 'espo_show:lead-1',
      value: JSON.stringify({ e: 'Lead', id: 'lead-1' }),
    });

    await showRecord(fakes.deps)(args);

    expectAckedBefore(ack, fakes.service.show);
    expect(fakes.service.show).toHaveBeenCalledWith({ teamId: 'T1', userId: 'U1', channelId: 'C1' }, 'Lead', 'lead-1');
    expect(fakes.sites.urlOf).toHaveBeenCalledWith('T1');
    const card = onlyReply(respond);
    expect(card).toMatchObject({ text: 'Lead: Ada', response_type: 'ephemeral', replace_original: false });
    expect(JSON.stringify(card.blocks)).toContain(`${SITE_URL}/#Lead/view/lead-1`);
  });

  it('answers a record that is gone with core’s words', async () => {
    const fakes = fakeDeps();
    fakes.service.show.mockRejectedValueOnce(new AppError('not_found', 'That lead does not exist any more.'));
    const { args, respond } = click({ action_id: 'espo_show:x', value: JSON.stringify({ e: 'Lead', id: 'x' }) });

    await showRecord(fakes.deps)(args);

    expect(onlyReply(respond)).toMatchObject({ text: 'That lead does not exist any more.' });
  });

  it('refuses an id that is not a record id without asking core', async () => {
    const fakes = fakeDeps();
    const { args, respond } = click({ action_id: 'espo_show:x', value: JSON.stringify({ e: 'Lead', id: '../admin' }) });

    await showRecord(fakes.deps)(args);

    expect(fakes.service.show).not.toHaveBeenCalled();
    expect(onlyReply(respond)).toMatchObject({ text: 'That button is no longer valid. Please run the list again.' });
  });
});
