import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import { appHomeOpened } from '../../../../src/slack/listeners/events/app-home-opened.js';
import { eventArgs, fakeDeps, PROFILE } from '../fakes.js';

const opened = { type: 'app_home_opened', user: 'U1', channel: 'D1', tab: 'home' };

describe('the App Home tab opened', () => {
  it('reads the person’s Home data with their profile and publishes it', async () => {
    const fakes = fakeDeps();
    fakes.home.load.mockResolvedValueOnce({
      scope: 'workspace',
      managesConnection: false,
      connection: { state: 'ready', name: 'Acme CRM' },
      work: { kind: 'no_email' },
      now: new Date('2026-01-05T09:00:00Z'),
    });
    const { args, client } = eventArgs(opened);

    await appHomeOpened(fakes.deps)(args);

    expect(fakes.home.load).toHaveBeenCalledWith({ teamId: 'T1', userId: 'U1', ...PROFILE });
    const [published] = client.views.publish.mock.calls[0]!;
    expect(published).toMatchObject({ user_id: 'U1', view: { type: 'home' } });
    expect(fakes.logger.info).toHaveBeenCalledWith(
      expect.objectContaining({ kind: 'home', team: 'T1', user: 'U1', outcome: 'no_email' }),
      'home published',
    );
  });

  it('still publishes a tab that says what went wrong, and logs it', async () => {
    const fakes = fakeDeps();
    fakes.home.load.mockRejectedValueOnce(new AppError('crm_unavailable', 'Membrane is not answering.'));
    const { args, client } = eventArgs(opened);

    await appHomeOpened(fakes.deps)(args);

    expect(JSON.stringify(client.views.publish.mock.calls[0]![0])).toContain('Membrane is not answering.');
    expect(fakes.logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ kind: 'home', outcome: 'error', code: 'crm_unavailable' }),
      'Membrane is not answering.',
    );
  });

  it('does nothing for the Messages and About tabs', async () => {
    const fakes = fakeDeps();
    const { args, client } = eventArgs({ ...opened, tab: 'messages' });

    await appHomeOpened(fakes.deps)(args);

    expect(fakes.home.load).not.toHaveBeenCalled();
    expect(client.views.publish).not.toHaveBeenCalled();
  });
});
