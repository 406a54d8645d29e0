import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { WorkspaceForgotten, WorkspaceInstallations } from '../core/workspaces/ports.js';
import type { Database } from './schema.js';

/**
 * Tenant keys are the team id or `team:user`. Matched exactly with substr, not LIKE: SQLite's LIKE
 * ignores case and both treat `_` as a wildcard.
 */
function ofTeam(teamId: string) {
  const prefix = `${teamId}:`;
  return (eb: ExpressionBuilder<Database, 'tenant_connections' | 'conversation_turns' | 'tenant_profiles'>) =>
    eb.or([
      eb('tenant_key', '=', teamId),
      eb(sql<string>`substr(tenant_key, 1, ${sql.lit(prefix.length)})`, '=', prefix),
    ]);
}

async function deleteTeamRows(
  db: Kysely<Database>,
  table: 'tenant_connections' | 'conversation_turns' | 'tenant_profiles',
  teamId: string,
): Promise<number> {
  const result = await db.deleteFrom(table).where(ofTeam(teamId)).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Slack's OAuth installations, and forgetting everything of a workspace that uninstalled the app. */
export class SqlWorkspaceInstallations implements WorkspaceInstallations {
  constructor(private readonly db: Kysely<Database>) {}

  async save(key: string, installation: string): Promise<void> {
    const now = Date.now();
    await this.db
      .insertInto('slack_installations')
      .values({ install_key: key, installation, installed_at: now, updated_at: now })
      .onConflict((oc) => oc.column('install_key').doUpdateSet({ installation, updated_at: now }))
      .execute();
  }

  async find(key: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('slack_installations')
      .select('installation')
      .where('install_key', '=', key)
      .executeTakeFirst();
    return row?.installation;
  }

  async delete(key: string): Promise<boolean> {
    const result = await this.db.deleteFrom('slack_installations').where('install_key', '=', key).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async forgetWorkspace(teamId: string): Promise<WorkspaceForgotten> {
    return this.db.transaction().execute(async (trx) => {
      const installation = await trx
        .deleteFrom('slack_installations')
        .where('install_key', '=', teamId)
        .executeTakeFirst();
      const connections = await deleteTeamRows(trx, 'tenant_connections', teamId);
      const turns = await deleteTeamRows(trx, 'conversation_turns', teamId);
      const profiles = await deleteTeamRows(trx, 'tenant_profiles', teamId);
      // Nothing can be posted there any more: alert subscriptions and digests go too, and with
      // the tenants' delivery state (webhooks are registered only once it exists) their receiver
      // tokens and webhook secrets, so EspoCRM's batches for this team are refused.
      const subscriptions = await trx
        .deleteFrom('alert_subscriptions')
        .where('team_id', '=', teamId)
        .executeTakeFirst();
      const teamTenants = trx.selectFrom('alert_delivery').select('tenant_key').where('team_id', '=', teamId);
      const webhooks = await trx.deleteFrom('alert_webhooks').where('tenant_key', 'in', teamTenants).executeTakeFirst();
      await trx.deleteFrom('alert_record_state').where('tenant_key', 'in', teamTenants).execute();
      const receiverTokens = await trx.deleteFrom('alert_delivery').where('team_id', '=', teamId).executeTakeFirst();
      const digests = await trx.deleteFrom('digests').where('team_id', '=', teamId).executeTakeFirst();
      return {
        installation: Number(installation.numDeletedRows) > 0,
        connections,
        turns,
        subscriptions: Number(subscriptions.numDeletedRows),
        webhooks: Number(webhooks.numDeletedRows),
        receiverTokens: Number(receiverTokens.numDeletedRows),
        digests: Number(digests.numDeletedRows),
        profiles,
      };
    });
  }
}
