import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { ListenerDeps } from '../../edge.js';

type AppUninstalledArgs = SlackEventMiddlewareArgs<'app_uninstalled'> & AllMiddlewareArgs;

/**
 * The app was uninstalled from a workspace (or an org): its tokens are dead, so its installation
 * goes, and with it the workspace's cached CRM connections and conversation turns. Its alert
 * webhooks are deleted in EspoCRM first, while the connection still works (any left over are
 * answered 410 by the receiver once its token is forgotten, and EspoCRM drops them). Bolt skips
 * authorize for this event, so it arrives even when the installation is already gone; deleting
 * nothing is fine (another instance, or a Slack retry, got there first). One log line. In
 * single-workspace mode SLACK_BOT_TOKEN is told: it is dead too.
 */
export function appUninstalled(deps: ListenerDeps) {
  return async ({ body, context }: AppUninstalledArgs): Promise<void> => {
    const teamId = context.teamId ?? body.team_id;
    const enterpriseId = context.enterpriseId ?? body.enterprise_id;
    const log = { event: 'app_uninstalled', teamId, enterpriseId, orgInstall: Boolean(context.isEnterpriseInstall) };
    deps.botToken?.revokedBySlack(teamId, 'app_uninstalled');
    try {
      if (context.isEnterpriseInstall && enterpriseId) {
        // An org-wide install is kept under the enterprise id; its workspaces' tenants stay cached
        // until Membrane says their connections are gone.
        const installation = await deps.installations.delete(enterpriseId);
        deps.logger.info({ ...log, installation }, 'the app was uninstalled from the org: its installation is deleted');
      } else if (teamId) {
        const espoWebhooks = await deps.alerts?.forgetTeam(teamId).catch((error: unknown) => {
          deps.logger.warn(
            { ...log, err: error },
            'could not delete the EspoCRM webhooks of an uninstalled workspace; they are refused with 410',
          );
          return undefined;
        });
        const forgotten = await deps.installations.forgetWorkspace(teamId);
        deps.logger.info(
          {
            ...log,
            ...forgotten,
            ...(espoWebhooks ? { espoWebhooksDeleted: espoWebhooks.deleted, espoWebhooksLeft: espoWebhooks.left } : {}),
          },
          'the app was uninstalled: the workspace is forgotten (installation, cached connections, threads, alert subscriptions, webhooks and receiver tokens, digests)',
        );
      } else {
        deps.logger.warn(log, 'app_uninstalled without a team id: nothing deleted');
      }
    } catch (error) {
      // Slack does not retry an acknowledged event; the log is the only trace.
      deps.logger.error({ ...log, err: error }, 'could not forget an uninstalled workspace');
    }
  };
}
