import type { webApi } from '@slack/bolt';

type WebClient = webApi.WebClient;

export interface UserProfile {
  /** IANA time zone, so `tomorrow` means their tomorrow; UTC when unknown. */
  timeZone: string;
  /** Workspace admin or owner: may manage the workspace's shared EspoCRM connection. */
  isWorkspaceAdmin: boolean;
  /** With the users:read.email scope: how "my deals" finds the person's EspoCRM user. */
  email?: string;
  displayName?: string;
  /** A single- or multi-channel guest: not a workspace member (alerts are for members only). */
  isGuest?: boolean;
}

/**
 * What the bot needs to know about a person, from users.info. Cached per user for an hour, so a
 * warm command costs no Slack call. A failure is not fatal: UTC and "not an admin" are safe
 * defaults, kept only a minute (a Slack blip must not make an admin a non-admin for an hour, nor
 * every command of the blip wait for users.info).
 */
export class UserProfiles {
  private readonly cache = new Map<string, { profile: UserProfile; until: number }>();

  constructor(
    private readonly ttlMs = 60 * 60_000,
    private readonly maxEntries = 10_000,
    private readonly fallbackTtlMs = 60_000,
  ) {}

  /** Keyed by team too: on Enterprise Grid one user id spans workspaces, and admin rights do not. */
  async of(client: WebClient, teamId: string, userId: string): Promise<UserProfile> {
    const key = `${teamId}:${userId}`;
    const hit = this.cache.get(key);
    if (hit && hit.until > Date.now()) return hit.profile;
    let profile: UserProfile = { timeZone: 'UTC', isWorkspaceAdmin: false };
    let ttlMs = this.fallbackTtlMs;
    try {
      const { user } = await client.users.info({ user: userId });
      profile = {
        timeZone: user?.tz ?? 'UTC',
        isWorkspaceAdmin: Boolean(user?.is_admin || user?.is_owner),
        ...(user?.is_restricted || user?.is_ultra_restricted ? { isGuest: true } : {}),
        ...(user?.profile?.email ? { email: user.profile.email } : {}),
        ...(user?.real_name ? { displayName: user.real_name } : {}),
      };
      ttlMs = this.ttlMs;
    } catch {
      // Missing users:read scope or a Slack hiccup: fall back rather than fail the command.
    }
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { profile, until: Date.now() + ttlMs });
    return profile;
  }
}
