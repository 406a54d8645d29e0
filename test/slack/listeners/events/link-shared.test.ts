import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import { linkShared } from '../../../../src/slack/listeners/events/link-shared.js';
import { entity, eventArgs, fakeDeps, SITE_URL } from '../fakes.js';

const url = `${SITE_URL}/#Lead/view/lead-1`;
const shared = {
  type: 'link_shared',
  user: 'U1',
  channel: 'C1',
  message_ts: '400.1',
  links: [{ url, domain: 'crm.example.com' }],
};
const read = {
  state: 'read' as const,
  previews: [{ url, entity: entity('Lead'), record: { id: 'lead-1', fields: { name: 'Ada' } } }],
  skipped: [{ entity: 'Account', code: 'forbidden' as const }],
  siteUrl: SITE_URL,
};

describe('a link to a record shared', () => {
  it('asks core for previews as the sharer and unfurls each record in the message', async () => {
    const fakes = fakeDeps();
    fakes.unfurls.previews.mockResolvedValueOnce(read);
    const { args, client } = eventArgs(shared);

    await linkShared(fakes.deps)(args);

    expect(fakes.unfurls.previews).toHaveBeenCalledWith({ teamId: 'T1', userId: 'U1', channelId: 'C1' }, [url]);
    const [unfurl] = client.chat.unfurl.mock.calls[0]!;
    expect(unfurl).toMatchObject({ channel: 'C1', ts: '400.1' });
    expect(JSON.stringify((unfurl.unfurls as Record<string, unknown>)[url])).toContain('Ada');
    expect(fakes.logger.info).toHaveBeenCalledWith(
      expect.objectContaining({ kind: 'link_shared', outcome: 'unfurled', unfurled: 1, skipped: read.skipped }),
      'request handled',
    );
  });

  it('unfurls a link in the composer by its unfurl id', async () => {
    const fakes = fakeDeps();
    fakes.unfurls.previews.mockResolvedValueOnce(read);
    const { args, client } = eventArgs({ ...shared, unfurl_id: 'UF1', source: 'composer' });

    await linkShared(fakes.deps)(args);

    expect(client.chat.unfurl.mock.calls[0]![0]).toMatchObject({ unfurl_id: 'UF1', source: 'composer' });
  });

  it('says nothing in the channel when it fails: one error line in the log', async () => {
    const fakes = fakeDeps();
    fakes.unfurls.previews.mockRejectedValueOnce(new AppError('crm_unavailable', 'EspoCRM is not answering.'));
    const { args, client } = eventArgs(shared);

    await linkShared(fakes.deps)(args);

    expect(client.chat.unfurl).not.toHaveBeenCalled();
    expect(client.chat.postMessage).not.toHaveBeenCalled();
    expect(fakes.logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ kind: 'link_shared', err: expect.any(AppError) }),
      'could not unfurl shared links',
    );
  });

  it('costs nothing for links that are no record’s, or the bot’s own', async () => {
    const fakes = fakeDeps();
    fakes.unfurls.mayHaveRecordLinks.mockReturnValueOnce(false);
    await linkShared(fakes.deps)(eventArgs(shared).args);
    await linkShared(fakes.deps)(eventArgs({ ...shared, user: 'UBOT' }).args);

    expect(fakes.unfurls.previews).not.toHaveBeenCalled();
    expect(fakes.logger.info).not.toHaveBeenCalled();
  });
});
