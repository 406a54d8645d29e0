import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import { logSubmitted } from '../../../../src/slack/listeners/views/log-submitted.js';
import { expectAckedBefore, fakeDeps, inputs, notice, PROFILE, submission } from '../fakes.js';

const FIELDS = ['related', 'kind', 'subject', 'body'];
const metadata = JSON.stringify({ c: 'C1', ts: '500.1' });

function logged(values: Record<string, string | { option: string }>, about?: string) {
  // Slack sends the external select with no option when nothing was chosen.
  const related = { espo_related: { type: 'external_select', selected_option: about ? { value: about } : null } };
  const state = { ...inputs(values), f_related: related };
  return submission({ metadata, fields: FIELDS, values: state });
}

describe('the log form submitted', () => {
  it('closes the form and saves the message, linked to its permalink and the record it is about', async () => {
    const fakes = fakeDeps();
    fakes.service.submit.mockResolvedValueOnce(notice('Saved a note on Acme.'));
    const { args, ack, client } = logged(
      { kind: { option: 'Note' }, subject: 'Quote by Friday', body: 'They want a quote.' },
      'Account:acc-1',
    );

    await logSubmitted(fakes.deps)(args);

    expectAckedBefore(ack, fakes.service.submit);
    expect(ack).toHaveBeenCalledWith();
    expect(client.chat.getPermalink).toHaveBeenCalledWith({ channel: 'C1', message_ts: '500.1' });
    expect(fakes.messageLog.plan).toHaveBeenCalledWith({
      kind: 'Note',
      subject: 'Quote by Friday',
      body: 'They want a quote.\n\nFrom Slack: https://slack/p/1',
      related: { entity: 'Account', id: 'acc-1' },
    });
    expect(fakes.service.submit).toHaveBeenCalledWith(
      { teamId: 'T1', userId: 'U1', channelId: 'C1', ...PROFILE },
      fakes.messageLog.plan.mock.results[0]!.value,
    );
    expect(client.chat.postEphemeral).toHaveBeenCalledWith(
      expect.objectContaining({ channel: 'C1', user: 'U1', text: 'Saved a note on Acme.' }),
    );
  });

  it('keeps the form open with core’s field problems (a note needs a record)', async () => {
    const fakes = fakeDeps();
    fakes.messageLog.problems.mockReturnValueOnce([{ field: 'related', problem: 'Choose the record to note it on.' }]);
    const { args, ack } = logged({ kind: { option: 'Note' }, subject: 'Quote', body: '' });

    await logSubmitted(fakes.deps)(args);

    expect(ack).toHaveBeenCalledWith({
      response_action: 'errors',
      errors: { f_related: 'Choose the record to note it on.' },
    });
    expect(fakes.service.submit).not.toHaveBeenCalled();
  });

  it('keeps the form open on an empty subject', async () => {
    const fakes = fakeDeps();
    const { args, ack } = logged({ kind: { option: 'Task' }, subject: '   ', body: '' });

    await logSubmitted(fakes.deps)(args);

    expect(ack).toHaveBeenCalledWith({ response_action: 'errors', errors: { f_subject: 'Please check this field.' } });
  });

  it('tells the person privately when saving fails', async () => {
    const fakes = fakeDeps();
    fakes.service.submit.mockRejectedValueOnce(new AppError('forbidden', 'You may not create notes.'));
    const { args, client } = logged({ kind: { option: 'Task' }, subject: 'Quote', body: 'x' });

    await logSubmitted(fakes.deps)(args);

    expect(client.chat.postEphemeral).toHaveBeenCalledWith(
      expect.objectContaining({ channel: 'C1', user: 'U1', text: 'You may not create notes.' }),
    );
  });
});
