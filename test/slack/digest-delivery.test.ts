import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../fakes/slack/server.js';
import type { Digest, DigestJob } from '../../src/core/digests/types.js';
import { AppError } from '../../src/core/errors.js';
import { SlackDigestDelivery } from '../../src/slack/digest-delivery.js';
import { textOf } from '../support/harness.js';
import { pipelineReport } from '../support/reports.js';

type Block = { type: string; slack_file?: { id: string }; text?: { text: string } };

const NOW = new Date('2026-06-01T13:00:00Z');
const job: DigestJob = {
  id: 'dg-1',
  tenantKey: 'T1',
  teamId: 'T1',
  userId: 'U1',
  channelId: 'C1',
  personal: false,
  time: '09:00',
  days: 'weekdays',
  timeZone: 'UTC',
  pipeline: true,
  nextRunAt: NOW,
  failures: 0,
  createdAt: NOW,
};
const digest = (pipeline: Digest['pipeline']): Digest => ({
  personal: false,
  timeZone: 'UTC',
  now: NOW,
  today: '2026-06-01',
  weekEnd: '2026-06-07',
  since: NOW,
  sections: [],
  pipeline,
});

describe('a digest with its pipeline, posted to Slack', () => {
  let slack: FakeSlack;
  // Like the scheduler's client: no token of its own, the team's is given with each call.
  let client: webApi.WebClient;
  const logger = { warn: vi.fn() };
  const delivery = () =>
    new SlackDigestDelivery({
      client,
      tokenFor: async () => 'xoxb-test-token',
      siteUrlOf: async () => undefined,
      logger,
    });
  const posts = () => slack.calls.filter((call) => call.method === 'chat.postMessage');

  beforeAll(async () => {
    slack = await startFakeSlack();
    client = new webApi.WebClient(undefined, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  });
  afterAll(() => slack.close());
  beforeEach(() => {
    slack.calls.length = 0;
    slack.invalid.length = 0;
    slack.refuseSlackFileBlocks = false;
    logger.warn.mockClear();
  });

  it("uploads the chart with the team's token and shows it under the numbers", async () => {
    expect(await delivery().send(job, digest({ report: pipelineReport(undefined, 'Pipeline') }))).toEqual({ ok: true });
    const blocks = posts()[0]!.body.blocks as Block[];
    const numbers = blocks.findIndex((block) => block.text?.text.startsWith(':bar_chart: *Pipeline*'));
    expect(blocks[numbers]!.text!.text).toContain('*Total:* 10 opportunities · $300,000 · weighted $84,000');
    expect(blocks[numbers]!.text!.text).toContain('• Prospecting: 4 opportunities · $120,000 · weighted $12,000');
    expect(blocks[numbers + 1]!.type).toBe('image');
    expect(slack.files.get(blocks[numbers + 1]!.slack_file!.id)!.completed).toBe(true);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('posts the numbers without the chart when Slack refuses the image', async () => {
    slack.refuseSlackFileBlocks = true;
    expect(await delivery().send(job, digest({ report: pipelineReport() }))).toEqual({ ok: true });
    expect(slack.invalid).toHaveLength(1);
    const text = textOf(posts()[0]!.body as never);
    expect(text).toContain('*Total:* 10 opportunities');
    expect((posts()[0]!.body.blocks as Block[]).map((block) => block.type)).not.toContain('image');
    expect(logger.warn.mock.calls[0]![1]).toBe('Slack refused the digest with its chart; sending it without');
  });

  it('says the pipeline could not be read, and posts the rest', async () => {
    const error = new AppError('crm_unavailable', 'EspoCRM is not answering.');
    expect(await delivery().send(job, digest({ error }))).toEqual({ ok: true });
    const text = textOf(posts()[0]!.body as never);
    expect(text).toContain(':bar_chart: *Pipeline*\n_Could not be read:');
    expect(text).toContain('Team digest');
    expect(slack.calls.some((call) => call.method === 'files.getUploadURLExternal')).toBe(false);
  });
});
