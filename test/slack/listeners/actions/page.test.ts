import { describe, expect, it } from 'vitest';
import type { ListQuery } from '../../../../src/core/ports.js';
import { pageList } from '../../../../src/slack/listeners/actions/page.js';
import { click, expectAckedBefore, fakeDeps, notice, onlyReply } from '../fakes.js';

const next: ListQuery = {
  entity: 'Lead',
  filters: [{ field: 'status', op: 'equals', value: 'New' }],
  limit: 10,
  offset: 10,
  cursor: 'c2',
  previousCursors: [''],
};

describe('Next / Previous on a list', () => {
  it('acks, runs the page’s query as the clicker, and replaces the list in place', async () => {
    const fakes = fakeDeps();
    fakes.service.list.mockResolvedValueOnce(notice('Leads 11–20'));
    const { args, ack, respond } = click({ action_id: 'espo_page:next', value: JSON.stringify(next) });

    await pageList(fakes.deps)(args);

    expectAckedBefore(ack, fakes.service.list);
    expect(fakes.service.list).toHaveBeenCalledWith({ teamId: 'T1', userId: 'U1', channelId: 'C1' }, next);
    expect(onlyReply(respond)).toMatchObject({ text: 'Leads 11–20', replace_original: true });
    expect(fakes.logger.info).toHaveBeenCalledWith(
      expect.objectContaining({ kind: 'page', detail: 'Lead', outcome: 'notice' }),
      'request handled',
    );
  });

  it('does not run a query that is not one we put there, and says so in a new message', async () => {
    const fakes = fakeDeps();
    const forged = { ...next, limit: 100_000 };
    const { args, respond } = click({ action_id: 'espo_page:next', value: JSON.stringify(forged) });

    await pageList(fakes.deps)(args);

    expect(fakes.service.list).not.toHaveBeenCalled();
    expect(onlyReply(respond)).toMatchObject({
      text: 'That page link is no longer valid. Please run the list again.',
      replace_original: false,
    });
  });
});
