import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../fakes/slack/server.js';
import { UserProfiles } from '../../src/slack/user-profiles.js';

describe('user profiles', () => {
  let slack: FakeSlack;
  beforeAll(async () => {
    slack = await startFakeSlack();
    slack.admins.add('UADMIN');
  });
  afterAll(() => slack.close());

  const client = () =>
    new webApi.WebClient('xoxb-test-token', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  const lookups = () => slack.calls.filter((call) => call.method === 'users.info').length;

  it('keeps an answer for the hour, and a failure (the safe defaults) only briefly', async () => {
    const profiles = new UserProfiles(60 * 60_000, 100, 50);
    slack.failNext('/api/users.info', { status: 503 });
    // Slack blips: the admin is taken for a non-admin in UTC, for now.
    expect(await profiles.of(client(), 'T1', 'UADMIN')).toEqual({ timeZone: 'UTC', isWorkspaceAdmin: false });
    expect(await profiles.of(client(), 'T1', 'UADMIN')).toEqual({ timeZone: 'UTC', isWorkspaceAdmin: false });
    await new Promise((resolve) => setTimeout(resolve, 60));
    // Asked again once the short wait is over; the answer is kept.
    expect(await profiles.of(client(), 'T1', 'UADMIN')).toMatchObject({ isWorkspaceAdmin: true });
    const asked = lookups();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await profiles.of(client(), 'T1', 'UADMIN')).toMatchObject({ isWorkspaceAdmin: true });
    expect(lookups()).toBe(asked);
  });
});
