import type { webApi } from '@slack/bolt';

type WebClient = webApi.WebClient;

/**
 * A person's IANA time zone from users.info, so `tomorrow` means their tomorrow. Cached per user
 * for an hour: a warm command costs no Slack call. Failure is not fatal: UTC is a fine fallback.
 */
export class UserTimeZones {
  private readonly cache = new Map<string, { zone: string; until: number }>();

  constructor(
    private readonly ttlMs = 60 * 60_000,
    private readonly maxEntries = 10_000,
  ) {}

  async of(client: WebClient, userId: string): Promise<string> {
    const hit = this.cache.get(userId);
    if (hit && hit.until > Date.now()) return hit.zone;
    let zone = 'UTC';
    try {
      const response = await client.users.info({ user: userId });
      zone = response.user?.tz ?? 'UTC';
    } catch {
      // Missing users:read scope or a Slack hiccup: fall back to UTC rather than fail the command.
    }
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(userId, { zone, until: Date.now() + this.ttlMs });
    return zone;
  }
}
