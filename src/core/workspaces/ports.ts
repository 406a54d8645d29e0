/** The Slack workspaces the app serves, as the app shares them across instances: installations, handled events. */

/** Slack event ids already handled, shared by every instance, so a retry is processed once. */
export interface EventLedger {
  /** Records an event id; false when it was seen before (a Slack retry, or another instance got it). */
  firstSighting(eventId: string, now: Date): Promise<boolean>;
  prune(olderThan: Date): Promise<number>;
}

/** What forgetting an uninstalled workspace deleted. */
export interface WorkspaceForgotten {
  installation: boolean;
  connections: number;
  turns: number;
  subscriptions: number;
  /** EspoCRM webhook registrations (and so their secrets) of the team's tenants. */
  webhooks: number;
  /** Tenants whose alert delivery state, with its receiver token, was deleted. */
  receiverTokens: number;
  digests: number;
  /** Tenants whose EspoCRM address and doctor's findings were deleted. */
  profiles: number;
}

/**
 * Slack installations (multi-workspace mode), shared by every instance. An installation is stored
 * as opaque JSON under its key: the enterprise id for an org-wide install, else the team id. The
 * JSON holds the workspace's tokens, so it stays in the database and is never logged.
 */
export interface WorkspaceInstallations {
  /** Saves an installation, replacing the one under the same key (a reinstall, new scopes). */
  save(key: string, installation: string): Promise<void>;
  find(key: string): Promise<string | undefined>;
  /** Deletes one installation; false when there was none. */
  delete(key: string): Promise<boolean>;
  /**
   * The app left a workspace: deletes its installation and everything kept for its tenants (the
   * team, and team:user in user scope): cached CRM connections, conversation turns, alert
   * subscriptions and digests. Idempotent.
   */
  forgetWorkspace(teamId: string): Promise<WorkspaceForgotten>;
}
