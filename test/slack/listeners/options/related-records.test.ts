import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import { relatedRecordOptions } from '../../../../src/slack/listeners/options/related-records.js';
import { entity, fakeDeps } from '../fakes.js';

function typed(value: string) {
  const ack = vi.fn(async (_options: unknown) => undefined);
  const body = { type: 'block_suggestion', team: { id: 'T1' }, user: { id: 'U1', team_id: 'T1' }, value };
  return { args: { ack, body, options: body, payload: body } as never, ack };
}

afterEach(() => vi.useRealTimers());

describe('the "About" search as the person types', () => {
  it('answers with core’s matches grouped by kind, as Slack option groups', async () => {
    const fakes = fakeDeps();
    fakes.messageLog.searchRelated.mockResolvedValueOnce([
      { entity: entity('Account'), records: [{ id: 'acc-1', name: 'Acme', fields: {} }] },
      { entity: entity('Lead'), records: [{ id: 'lead-1', fields: {} }] },
    ]);
    const { args, ack } = typed('  acme  ');

    await relatedRecordOptions(fakes.deps)(args);

    expect(fakes.messageLog.searchRelated).toHaveBeenCalledWith({ teamId: 'T1', userId: 'U1' }, 'acme');
    expect(ack).toHaveBeenCalledWith({
      option_groups: [
        {
          label: { type: 'plain_text', text: 'Accounts' },
          options: [{ text: { type: 'plain_text', text: 'Acme' }, value: 'Account:acc-1' }],
        },
        {
          label: { type: 'plain_text', text: 'Leads' },
          options: [{ text: { type: 'plain_text', text: 'lead-1' }, value: 'Lead:lead-1' }],
        },
      ],
    });
  });

  it('answers an empty list when the search fails, and logs why', async () => {
    const fakes = fakeDeps();
    fakes.messageLog.searchRelated.mockRejectedValueOnce(new AppError('crm_unavailable', 'EspoCRM is not answering.'));
    const { args, ack } = typed('acme');

    await relatedRecordOptions(fakes.deps)(args);

    expect(ack).toHaveBeenCalledWith({ options: [] });
    expect(fakes.logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'crm_unavailable', kind: 'related_search', team: 'T1' }),
      'EspoCRM is not answering.',
    );
  });

  it('answers an empty list before Slack’s 3 seconds run out when the search is slow', async () => {
    vi.useFakeTimers();
    const fakes = fakeDeps();
    fakes.messageLog.searchRelated.mockReturnValueOnce(new Promise(() => undefined));
    const { args, ack } = typed('acme');

    const answered = relatedRecordOptions(fakes.deps)(args);
    await vi.advanceTimersByTimeAsync(2500);
    await answered;

    expect(ack).toHaveBeenCalledWith({ options: [] });
    expect(fakes.logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'timeout' }),
      'The record search took too long.',
    );
  });
});
