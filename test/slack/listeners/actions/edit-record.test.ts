import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import { editRecord } from '../../../../src/slack/listeners/actions/edit-record.js';
import { click, entity, expectAckedBefore, fakeDeps, PROFILE } from '../fakes.js';

describe('Edit on a record card', () => {
  it('opens "Loading…" on the trigger at once, then fills it with the update form core describes', async () => {
    const fakes = fakeDeps();
    fakes.forms.open.mockResolvedValueOnce({
      operation: 'update',
      entity: entity('Lead'),
      id: 'lead-1',
      fields: [],
      hiddenFields: 0,
    });
    const { args, ack, client } = click({ action_id: 'espo_edit', value: JSON.stringify({ e: 'Lead', id: 'lead-1' }) });

    await editRecord(fakes.deps)(args);

    expectAckedBefore(ack, client.views.open);
    expect(client.views.open).toHaveBeenCalledWith(
      expect.objectContaining({ trigger_id: 'trigger-1', view: expect.objectContaining({ type: 'modal' }) }),
    );
    expect(fakes.forms.open).toHaveBeenCalledWith(
      { teamId: 'T1', userId: 'U1', channelId: 'C1', ...PROFILE },
      { operation: 'update', entity: 'Lead', id: 'lead-1' },
    );
    const [update] = client.views.update.mock.calls.at(-1)!;
    expect(update).toMatchObject({ view_id: 'V1', view: { callback_id: 'espo_form' } });
    expect(JSON.parse(String((update.view as { private_metadata: string }).private_metadata))).toEqual({
      o: 'update',
      e: 'Lead',
      id: 'lead-1',
      c: 'C1',
    });
  });

  it('shows why the form cannot be drawn in the modal instead', async () => {
    const fakes = fakeDeps();
    fakes.forms.open.mockRejectedValueOnce(new AppError('forbidden', 'You may not edit this lead.'));
    const { args, client } = click({ action_id: 'espo_edit', value: JSON.stringify({ e: 'Lead', id: 'lead-1' }) });

    await editRecord(fakes.deps)(args);

    expect(JSON.stringify(client.views.update.mock.calls.at(-1)![0])).toContain('You may not edit this lead.');
    expect(fakes.logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'forbidden' }),
      'You may not edit this lead.',
    );
  });

  it('opens nothing for a button that names no record', async () => {
    const fakes = fakeDeps();
    const { args, ack, client } = click({ action_id: 'espo_edit', value: 'nonsense' });

    await editRecord(fakes.deps)(args);

    expect(ack).toHaveBeenCalledTimes(1);
    expect(client.views.open).not.toHaveBeenCalled();
    expect(fakes.forms.open).not.toHaveBeenCalled();
  });
});
