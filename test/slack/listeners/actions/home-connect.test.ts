import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import { homeConnect } from '../../../../src/slack/listeners/actions/home-connect.js';
import { click, expectAckedBefore, fakeDeps, PROFILE } from '../fakes.js';

describe('App Home’s Connect button', () => {
  it('runs `connect` as the clicker, answers in their DM, then publishes their Home tab again', async () => {
    const fakes = fakeDeps();
    fakes.service.handle.mockResolvedValueOnce({
      kind: 'connect',
      url: 'https://membrane.example/connect/1',
      description: 'Connect your EspoCRM.',
    });
    fakes.home.load.mockResolvedValueOnce({
      scope: 'workspace',
      managesConnection: true,
      connection: { state: 'building' },
      work: { kind: 'not_connected' },
      now: new Date('2026-01-05T09:00:00Z'),
    });
    const { args, ack, client, respond } = click({ action_id: 'espo_home_connect' }, { user: 'U3' });

    await homeConnect(fakes.deps)(args);

    expectAckedBefore(ack, fakes.service.handle);
    expect(fakes.service.handle).toHaveBeenCalledWith(
      expect.objectContaining({ teamId: 'T1', userId: 'U3', ...PROFILE }),
      'connect',
    );
    expect(respond).not.toHaveBeenCalled();
    expect(client.chat.postMessage).toHaveBeenCalledWith(
      expect.objectContaining({ channel: 'U3', text: 'Connect EspoCRM: Connect your EspoCRM.' }),
    );
    expect(fakes.home.load).toHaveBeenCalledWith(expect.objectContaining({ teamId: 'T1', userId: 'U3' }));
    expect(client.views.publish).toHaveBeenCalledWith(expect.objectContaining({ user_id: 'U3' }));
    expect(client.chat.postMessage.mock.invocationCallOrder[0]).toBeLessThan(
      client.views.publish.mock.invocationCallOrder[0]!,
    );
  });

  it('still refreshes the Home tab when connecting fails, after telling the person why', async () => {
    const fakes = fakeDeps();
    fakes.service.handle.mockRejectedValueOnce(new AppError('crm_unavailable', 'Membrane is not answering.'));
    fakes.home.load.mockRejectedValueOnce(new AppError('crm_unavailable', 'Membrane is not answering.'));
    const { args, client } = click({ action_id: 'espo_home_connect' });

    await homeConnect(fakes.deps)(args);

    expect(client.chat.postMessage).toHaveBeenCalledWith(
      expect.objectContaining({ channel: 'U1', text: 'Membrane is not answering.' }),
    );
    expect(client.views.publish).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(client.views.publish.mock.calls[0]![0])).toContain('Membrane is not answering.');
  });
});
