import { describe, expect, it } from 'vitest';
import { appUninstalled } from '../../../../src/slack/listeners/events/app-uninstalled.js';
import { eventArgs, fakeDeps } from '../fakes.js';

const uninstalled = { type: 'app_uninstalled' };

describe('the app uninstalled', () => {
  it('deletes the workspace’s EspoCRM webhooks first, then forgets the workspace, in one log line', async () => {
    const fakes = fakeDeps();
    const { args } = eventArgs(uninstalled);

    await appUninstalled(fakes.deps)(args);

    expect(fakes.botToken.revokedBySlack).toHaveBeenCalledWith('T1', 'app_uninstalled');
    expect(fakes.alerts.forgetTeam).toHaveBeenCalledWith('T1');
    expect(fakes.installations.forgetWorkspace).toHaveBeenCalledWith('T1');
    expect(fakes.alerts.forgetTeam.mock.invocationCallOrder[0]).toBeLessThan(
      fakes.installations.forgetWorkspace.mock.invocationCallOrder[0]!,
    );
    expect(fakes.logger.info).toHaveBeenCalledTimes(1);
    expect(fakes.logger.info).toHaveBeenCalledWith(
      expect.objectContaining({
        event: 'app_uninstalled',
        teamId: 'T1',
        installation: true,
        espoWebhooksDeleted: 2,
        espoWebhooksLeft: 0,
      }),
      expect.stringMatching(/^the app was uninstalled: the workspace is forgotten/),
    );
  });

  it('still forgets the workspace when its webhooks cannot be deleted (they are refused with 410)', async () => {
    const fakes = fakeDeps();
    fakes.alerts.forgetTeam.mockRejectedValueOnce(new Error('EspoCRM down'));
    const { args } = eventArgs(uninstalled);

    await appUninstalled(fakes.deps)(args);

    expect(fakes.logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ err: expect.any(Error) }),
      expect.stringMatching(/^could not delete the EspoCRM webhooks/),
    );
    expect(fakes.installations.forgetWorkspace).toHaveBeenCalledWith('T1');
  });

  it('deletes an org-wide install under its enterprise id, keeping the workspaces’ tenants', async () => {
    const fakes = fakeDeps();
    const { args } = eventArgs(uninstalled, { enterpriseId: 'E1', isEnterpriseInstall: true });

    await appUninstalled(fakes.deps)(args);

    expect(fakes.installations.delete).toHaveBeenCalledWith('E1');
    expect(fakes.installations.forgetWorkspace).not.toHaveBeenCalled();
    expect(fakes.alerts.forgetTeam).not.toHaveBeenCalled();
  });

  it('logs an error, and throws nothing back, when the workspace cannot be forgotten', async () => {
    const fakes = fakeDeps();
    fakes.installations.forgetWorkspace.mockRejectedValueOnce(new Error('database locked'));
    const { args } = eventArgs(uninstalled);

    await appUninstalled(fakes.deps)(args);

    expect(fakes.logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ event: 'app_uninstalled', err: expect.any(Error) }),
      'could not forget an uninstalled workspace',
    );
  });
});
