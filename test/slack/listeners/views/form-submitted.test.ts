import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import type { WritePlan } from '../../../../src/core/ports.js';
import { formSubmitted } from '../../../../src/slack/listeners/views/form-submitted.js';
import { entity, expectAckedBefore, fakeDeps, inputs, notice, PROFILE, submission } from '../fakes.js';

const plan: WritePlan = { kind: 'create', entity: 'Lead', fields: { lastName: 'Lovelace' } };
const created = (metadata = JSON.stringify({ o: 'create', e: 'Lead', c: 'C1' })) =>
  submission({ metadata, fields: ['lastName'], values: inputs({ lastName: 'Lovelace' }) });

describe('a record form submitted', () => {
  it('has core check the values, closes the form, writes at once and posts the result where it was asked', async () => {
    const fakes = fakeDeps();
    fakes.forms.check.mockResolvedValueOnce({ ok: true, plan, entity: entity('Lead') });
    fakes.service.submit.mockResolvedValueOnce(notice('Created lead Lovelace.'));
    const { args, ack, client } = created();

    await formSubmitted(fakes.deps)(args);

    expect(fakes.forms.check).toHaveBeenCalledWith(
      { teamId: 'T1', userId: 'U1', channelId: 'C1' },
      { operation: 'create', entity: 'Lead' },
      { lastName: 'Lovelace' },
      {},
    );
    expectAckedBefore(ack, fakes.service.submit);
    expect(ack).toHaveBeenCalledWith();
    expect(fakes.service.submit).toHaveBeenCalledWith(
      { teamId: 'T1', userId: 'U1', channelId: 'C1', ...PROFILE },
      plan,
    );
    expect(client.chat.postEphemeral).toHaveBeenCalledWith(
      expect.objectContaining({ channel: 'C1', user: 'U1', text: 'Created lead Lovelace.' }),
    );
  });

  it('returns field errors into the form, writing nothing', async () => {
    const fakes = fakeDeps();
    fakes.forms.check.mockResolvedValueOnce({ ok: false, errors: [{ field: 'lastName', problem: 'Required.' }] });
    const { args, ack } = created();

    await formSubmitted(fakes.deps)(args);

    expect(ack).toHaveBeenCalledWith({ response_action: 'errors', errors: { f_lastName: 'Required.' } });
    expect(fakes.service.submit).not.toHaveBeenCalled();
  });

  it('says nothing was written when nothing changed', async () => {
    const fakes = fakeDeps();
    fakes.forms.check.mockResolvedValueOnce({ ok: true, unchanged: true });
    const { args, client } = created(JSON.stringify({ o: 'update', e: 'Lead', id: 'lead-1' }));

    await formSubmitted(fakes.deps)(args);

    expect(fakes.service.submit).not.toHaveBeenCalled();
    expect(client.chat.postMessage).toHaveBeenCalledWith(
      expect.objectContaining({ channel: 'U1', text: 'Nothing changed, so nothing was written.' }),
    );
  });

  it('turns the form into the reason when the check itself fails', async () => {
    const fakes = fakeDeps();
    fakes.forms.check.mockRejectedValueOnce(new AppError('crm_unavailable', 'EspoCRM is not answering.'));
    const { args, ack } = created();

    await formSubmitted(fakes.deps)(args);

    expect(ack).toHaveBeenCalledWith({ response_action: 'update', view: expect.objectContaining({ type: 'modal' }) });
    expect(JSON.stringify(ack.mock.calls[0])).toContain('EspoCRM is not answering.');
    expect(fakes.logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'crm_unavailable', kind: 'form' }),
      'EspoCRM is not answering.',
    );
  });

  it('refuses a form whose metadata is not ours', async () => {
    const fakes = fakeDeps();
    const { args, ack } = created(JSON.stringify({ o: 'delete', e: 'Lead' }));

    await formSubmitted(fakes.deps)(args);

    expect(fakes.forms.check).not.toHaveBeenCalled();
    expect(JSON.stringify(ack.mock.calls[0])).toContain('This form is no longer valid. Please open it again.');
  });
});
