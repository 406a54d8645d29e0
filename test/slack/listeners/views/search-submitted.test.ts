import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import { MAX_PAGE_SIZE } from '../../../../src/core/commands/grammar.js';
import { searchSubmitted } from '../../../../src/slack/listeners/views/search-submitted.js';
import { expectAckedBefore, fakeDeps, inputs, notice, submission } from '../fakes.js';

const searched = (text: string) =>
  submission({ fields: ['entity', 'text'], values: inputs({ entity: { option: 'Contact' }, text }) });

describe('a search from App Home submitted', () => {
  it('closes the modal, lists the matches like `/espo find`, and posts them to the person’s DM', async () => {
    const fakes = fakeDeps();
    fakes.service.list.mockResolvedValueOnce(notice('2 contacts'));
    const { args, ack, client } = searched('  Jane  ');

    await searchSubmitted(fakes.deps)(args);

    expectAckedBefore(ack, fakes.service.list);
    expect(ack).toHaveBeenCalledWith();
    expect(fakes.service.list).toHaveBeenCalledWith(
      { teamId: 'T1', userId: 'U1' },
      { entity: 'Contact', filters: [], text: 'Jane', limit: MAX_PAGE_SIZE, offset: 0 },
    );
    expect(client.chat.postMessage).toHaveBeenCalledWith(
      expect.objectContaining({ channel: 'U1', text: '2 contacts' }),
    );
  });

  it('keeps the modal open with a field error for fewer than two characters', async () => {
    const fakes = fakeDeps();
    const { args, ack } = searched('J');

    await searchSubmitted(fakes.deps)(args);

    expect(ack).toHaveBeenCalledWith({
      response_action: 'errors',
      errors: { f_text: 'Type at least two characters.' },
    });
    expect(fakes.service.list).not.toHaveBeenCalled();
  });

  it('posts a failed search’s reason to the DM', async () => {
    const fakes = fakeDeps();
    fakes.service.list.mockRejectedValueOnce(new AppError('crm_unavailable', 'EspoCRM is not answering.'));
    const { args, client } = searched('Jane');

    await searchSubmitted(fakes.deps)(args);

    expect(client.chat.postMessage).toHaveBeenCalledWith(
      expect.objectContaining({ channel: 'U1', text: 'EspoCRM is not answering.' }),
    );
  });
});
