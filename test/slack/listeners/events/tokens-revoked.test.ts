import { describe, expect, it } from 'vitest';
import { tokensRevoked } from '../../../../src/slack/listeners/events/tokens-revoked.js';
import { eventArgs, fakeDeps } from '../fakes.js';

describe('tokens revoked', () => {
  it('deletes the workspace’s installation when its bot token is among them, and tells SLACK_BOT_TOKEN', async () => {
    const fakes = fakeDeps();
    const { args } = eventArgs({ type: 'tokens_revoked', tokens: { bot: ['UBOT'], oauth: ['U7'] } });

    await tokensRevoked(fakes.deps)(args);

    expect(fakes.botToken.revokedBySlack).toHaveBeenCalledWith('T1', 'tokens_revoked', ['UBOT']);
    expect(fakes.installations.delete).toHaveBeenCalledWith('T1');
    expect(fakes.logger.info).toHaveBeenCalledWith(
      expect.objectContaining({ event: 'tokens_revoked', botTokens: 1, userTokens: 1, installation: true }),
      'the bot token was revoked: its installation is deleted',
    );
  });

  it('keys an org-wide install by its enterprise id', async () => {
    const fakes = fakeDeps();
    fakes.installations.delete.mockResolvedValueOnce(false);
    const { args } = eventArgs(
      { type: 'tokens_revoked', tokens: { bot: ['UBOT'] } },
      { enterpriseId: 'E1', isEnterpriseInstall: true },
    );

    await tokensRevoked(fakes.deps)(args);

    expect(fakes.installations.delete).toHaveBeenCalledWith('E1');
    expect(fakes.logger.info).toHaveBeenCalledWith(
      expect.anything(),
      'the bot token was revoked: no installation was stored',
    );
  });

  it('deletes nothing when only user tokens were revoked', async () => {
    const fakes = fakeDeps();
    const { args } = eventArgs({ type: 'tokens_revoked', tokens: { oauth: ['U7'] } });

    await tokensRevoked(fakes.deps)(args);

    expect(fakes.installations.delete).not.toHaveBeenCalled();
    expect(fakes.logger.info).toHaveBeenCalledWith(
      expect.objectContaining({ botTokens: 0, userTokens: 1 }),
      'Slack user tokens were revoked: the bot uses none',
    );
  });

  it('logs an error when the installation cannot be deleted', async () => {
    const fakes = fakeDeps();
    fakes.installations.delete.mockRejectedValueOnce(new Error('database locked'));
    const { args } = eventArgs({ type: 'tokens_revoked', tokens: { bot: ['UBOT'] } });

    await tokensRevoked(fakes.deps)(args);

    expect(fakes.logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ event: 'tokens_revoked', err: expect.any(Error) }),
      'could not delete the installation of revoked tokens',
    );
  });
});
