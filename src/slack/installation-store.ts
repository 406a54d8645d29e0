import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import type { Logger } from '../core/ports.js';
import type { WorkspaceInstallations } from '../core/workspaces/ports.js';

/**
 * The bot scopes a workspace grants at install: the same list as `oauth_config.scopes.bot` in
 * manifest.yml (a test keeps the two in step). Ask for no more than the bot uses.
 */
export const BOT_SCOPES = [
  'commands',
  'chat:write',
  'chat:write.public',
  'users:read',
  'users:read.email',
  'app_mentions:read',
  'im:history',
  'assistant:write',
  'links:read',
  'links:write',
  'files:write',
  'files:read',
] as const;

/** Where an installation is kept: the enterprise id for an org-wide install, else the team id. */
export function installationKey(
  installation: Pick<Installation, 'isEnterpriseInstall' | 'team' | 'enterprise'>,
): string {
  const key = installation.isEnterpriseInstall ? installation.enterprise?.id : installation.team?.id;
  if (!key) throw new Error('Slack sent an installation without a team or enterprise id');
  return key;
}

/**
 * No installation serves the request: the app is not installed in its workspace (never, or no
 * longer), or the request names none. Any other failure of a lookup is the store's own (a
 * database that does not answer), and says nothing about the installation.
 */
export class NoInstallationError extends Error {
  override readonly name = 'NoInstallationError';
}

function queryKey(query: InstallationQuery<boolean>): string {
  const key = query.isEnterpriseInstall ? query.enterpriseId : query.teamId;
  if (!key) throw new NoInstallationError('no team or enterprise id to look the installation up by');
  return key;
}

/**
 * Bolt's InstallationStore on the bot's database: the OAuth callback saves an installation, and
 * Bolt's authorize fetches it for every request to get that workspace's bot token. Installations
 * hold tokens: only ids are ever logged.
 */
export function installationStore(installations: WorkspaceInstallations, logger: Logger): InstallationStore {
  return {
    async storeInstallation(installation) {
      const key = installationKey(installation);
      await installations.save(key, JSON.stringify(installation));
      logger.info(
        {
          teamId: installation.team?.id,
          enterpriseId: installation.enterprise?.id,
          orgInstall: Boolean(installation.isEnterpriseInstall),
          scopes: installation.bot?.scopes,
          installer: installation.user.id,
        },
        'Slack installation saved',
      );
    },
    async fetchInstallation(query) {
      const key = queryKey(query);
      const json = await installations.find(key);
      // Bolt turns this into an AuthorizationError: the request is acknowledged and dropped (app.ts).
      if (!json)
        throw new NoInstallationError(
          `no installation for ${key}: the app is not installed there (or was uninstalled)`,
        );
      return JSON.parse(json) as Installation;
    },
    async deleteInstallation(query) {
      await installations.delete(queryKey(query));
    },
  };
}
