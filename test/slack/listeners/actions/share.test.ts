import { describe, expect, it } from 'vitest';
import type { ListQuery } from '../../../../src/core/ports.js';
import { shareInChannel } from '../../../../src/slack/listeners/actions/share.js';
import { click, entity, expectAckedBefore, fakeDeps, onlyReply } from '../fakes.js';

const query: ListQuery = { entity: 'Lead', filters: [], limit: 10, offset: 0 };
const ada = { id: 'lead-1', fields: { name: 'Ada Lovelace' } };

describe('Share in channel', () => {
  it('runs the list again with the clicker’s access and posts it for everyone, saying who shared it', async () => {
    const fakes = fakeDeps();
    fakes.service.list.mockResolvedValueOnce({
      kind: 'records',
      entity: entity('Lead'),
      query,
      page: { records: [ada], hasMore: false },
    });
    const { args, ack, respond } = click({ action_id: 'espo_share', value: JSON.stringify({ t: 'list', q: query }) });

    await shareInChannel(fakes.deps)(args);

    expectAckedBefore(ack, fakes.service.list);
    expect(fakes.service.list).toHaveBeenCalledWith(expect.objectContaining({ userId: 'U1' }), query);
    const shared = onlyReply(respond);
    expect(shared).toMatchObject({ response_type: 'in_channel', replace_original: false });
    expect(JSON.stringify(shared.blocks)).toContain('Shared by <@U1> from EspoCRM');
    // Shared lists carry no buttons: anyone in the channel could press them.
    expect(JSON.stringify(shared.blocks)).not.toContain('"type":"button"');
  });

  it('shares a record card by reading it again', async () => {
    const fakes = fakeDeps();
    fakes.service.show.mockResolvedValueOnce({ kind: 'record', entity: entity('Lead'), record: ada });
    const { args, respond } = click({
      action_id: 'espo_share',
      value: JSON.stringify({ t: 'record', e: 'Lead', id: 'lead-1' }),
    });

    await shareInChannel(fakes.deps)(args);

    expect(fakes.service.show).toHaveBeenCalledWith(expect.objectContaining({ userId: 'U1' }), 'Lead', 'lead-1');
    expect(onlyReply(respond)).toMatchObject({ response_type: 'in_channel', text: 'Lead: Ada Lovelace' });
  });

  it('keeps a broken share button private: nothing is read, the clicker alone is told', async () => {
    const fakes = fakeDeps();
    const { args, respond } = click({ action_id: 'espo_share', value: '{"t":"everything"}' });

    await shareInChannel(fakes.deps)(args);

    expect(fakes.service.list).not.toHaveBeenCalled();
    expect(fakes.service.show).not.toHaveBeenCalled();
    expect(onlyReply(respond)).toMatchObject({
      response_type: 'ephemeral',
      text: 'That share button is no longer valid. Please run the command again.',
    });
  });
});
