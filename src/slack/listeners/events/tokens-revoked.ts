import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { ListenerDeps } from '../../edge.js';

type TokensRevokedArgs = SlackEventMiddlewareArgs<'tokens_revoked'> & AllMiddlewareArgs;

/**
 * Tokens were revoked in a workspace. The bot uses only its bot token: when that is among them,
 * the installation is deleted (its token no longer works; a reinstall stores a new one). The cached
 * CRM connection stays: the EspoCRM connection in Membrane is unaffected. User tokens are not used,
 * so their revocation changes nothing. Arrives without authorize, so it works when nothing is stored.
 * In single-workspace mode SLACK_BOT_TOKEN is told, so readiness fails with the reason.
 */
export function tokensRevoked(deps: ListenerDeps) {
  return async ({ event, body, context }: TokensRevokedArgs): Promise<void> => {
    const bot = event.tokens.bot ?? [];
    const teamId = context.teamId ?? body.team_id;
    const enterpriseId = context.enterpriseId ?? body.enterprise_id;
    const key = context.isEnterpriseInstall ? enterpriseId : teamId;
    const log = {
      event: 'tokens_revoked',
      teamId,
      enterpriseId,
      botTokens: bot.length,
      userTokens: event.tokens.oauth?.length ?? 0,
    };
    deps.botToken?.revokedBySlack(teamId, 'tokens_revoked', bot);
    if (bot.length === 0 || !key) {
      deps.logger.info(
        log,
        bot.length === 0 ? 'Slack user tokens were revoked: the bot uses none' : 'the bot token was revoked',
      );
      return;
    }
    try {
      const installation = await deps.installations.delete(key);
      deps.logger.info(
        { ...log, installation },
        installation
          ? 'the bot token was revoked: its installation is deleted'
          : 'the bot token was revoked: no installation was stored',
      );
    } catch (error) {
      deps.logger.error({ ...log, err: error }, 'could not delete the installation of revoked tokens');
    }
  };
}
