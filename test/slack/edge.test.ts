import { webApi, type RespondFn } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../fakes/slack/server.js';
import type { Digest } from '../../src/core/digests/types.js';
import type { Reply } from '../../src/core/replies.js';
import { threadSender } from '../../src/slack/converse.js';
import { answer } from '../../src/slack/edge.js';
import { countReport, pipelineReport } from '../support/reports.js';
import { fakeDeps, type Fakes } from './listeners/fakes.js';

/** Bolt's respond(): a JSON POST to the response_url that throws on an error status (create-respond.js). */
function responder(url: string): RespondFn {
  return (async (message: unknown) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
    });
    if (!response.ok)
      throw Object.assign(new Error(`response_url: ${response.status}`), { statusCode: response.status });
    return response;
  }) as RespondFn;
}

type Block = { type: string; slack_file?: { id: string }; alt_text?: string; text?: { text: string } };

describe('a report reply with its chart, through the edge', () => {
  let slack: FakeSlack;
  let client: webApi.WebClient;
  let fakes: Fakes;
  const context = { teamId: 'T1', userId: 'U1', channelId: 'C1' };
  const report = (value = pipelineReport()): Reply => ({ kind: 'report', report: value });

  beforeAll(async () => {
    slack = await startFakeSlack();
    client = new webApi.WebClient('xoxb-test-token', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  });
  afterAll(() => slack.close());
  beforeEach(() => {
    fakes = fakeDeps();
    slack.refuseSlackFileBlocks = false;
    slack.invalid.length = 0;
  });

  it('shows the chart, a file Slack holds, under the numbers', async () => {
    await answer(fakes.deps, { kind: 'command', context }, responder(slack.responseUrl('r1')), async () => report(), {
      client,
    });
    const [posted] = await slack.waitForResponses('r1');
    const blocks = posted!.body.blocks as Block[];
    const image = blocks.find((block) => block.type === 'image')!;
    const file = slack.files.get(image.slack_file!.id)!;
    expect(file.completed).toBe(true);
    expect(file.bytes!.length).toBe(file.length);
    expect(image.alt_text).toContain('Prospecting $120,000, weighted $12,000 (4 opportunities)');
    // The numbers stay in the text; the chart comes after them.
    const total = blocks.findIndex((block) => block.text?.text.startsWith('*Total:*'));
    expect(total).toBeGreaterThanOrEqual(0);
    expect(blocks.indexOf(image)).toBeGreaterThan(total);
    expect(posted!.body.text).toContain('10 opportunities · $300,000 · weighted $84,000');
    expect(fakes.logger.warn).not.toHaveBeenCalled();
  });

  it('sends the numbers only, with one log line, when Slack refuses the image', async () => {
    slack.refuseSlackFileBlocks = true;
    await answer(fakes.deps, { kind: 'command', context }, responder(slack.responseUrl('r2')), async () => report(), {
      client,
    });
    const [posted] = await slack.waitForResponses('r2');
    expect(slack.invalid).toHaveLength(1);
    expect((posted!.body.blocks as Block[]).map((block) => block.type)).not.toContain('image');
    expect(posted!.body.text).toContain('10 opportunities · $300,000');
    expect(fakes.logger.warn).toHaveBeenCalledTimes(1);
    expect(fakes.logger.warn.mock.calls[0]).toEqual([
      expect.objectContaining({ kind: 'command', team: 'T1', reason: 'http_400' }),
      'Slack refused the reply with its chart; sending the numbers only',
    ]);
    expect(fakes.logger.error).not.toHaveBeenCalled();
  });

  it('falls back the same way in a thread, where Slack answers invalid_blocks', async () => {
    slack.refuseSlackFileBlocks = true;
    const sender = threadSender(client, { kind: 'dm', teamId: 'T1', userId: 'U1', channelId: 'D1', text: '' });
    await answer(fakes.deps, { kind: 'dm', context }, sender, async () => report(), {
      client,
      conversation: true,
      responseType: 'in_channel',
    });
    const posts = slack.calls.filter((call) => call.method === 'chat.postMessage');
    expect(posts).toHaveLength(1);
    expect((posts[0]!.body.blocks as Block[]).map((block) => block.type)).not.toContain('image');
    expect(fakes.logger.warn.mock.calls[0]![0]).toMatchObject({ reason: 'invalid_blocks' });
  });

  it('sends the numbers only when the upload fails, saying why once', async () => {
    slack.failNext('/api/files.getUploadURLExternal', {
      status: 200,
      body: { ok: false, error: 'file_uploads_disabled' },
    });
    await answer(fakes.deps, { kind: 'command', context }, responder(slack.responseUrl('r3')), async () => report(), {
      client,
    });
    const [posted] = await slack.waitForResponses('r3');
    expect((posted!.body.blocks as Block[]).map((block) => block.type)).not.toContain('image');
    expect(fakes.logger.warn).toHaveBeenCalledTimes(1);
    expect(fakes.logger.warn.mock.calls[0]![0]).toMatchObject({ step: 'upload', reason: 'file_uploads_disabled' });
  });

  it("charts a digest preview's pipeline the same way", async () => {
    const now = new Date('2026-06-01T13:00:00Z');
    const digest: Digest = {
      personal: false,
      timeZone: 'UTC',
      now,
      today: '2026-06-01',
      weekEnd: '2026-06-07',
      since: now,
      sections: [],
      pipeline: { report: pipelineReport(undefined, 'Pipeline') },
    };
    await answer(
      fakes.deps,
      { kind: 'command', context },
      responder(slack.responseUrl('r5')),
      async () => ({ kind: 'digest', digest, preview: true }),
      { client },
    );
    const [posted] = await slack.waitForResponses('r5');
    const blocks = posted!.body.blocks as Block[];
    const image = blocks.find((block) => block.type === 'image')!;
    expect(slack.files.get(image.slack_file!.id)!.completed).toBe(true);
    const numbers = blocks.findIndex((block) => block.text?.text.includes('*Total:* 10 opportunities'));
    expect(numbers).toBeGreaterThanOrEqual(0);
    expect(blocks.indexOf(image)).toBe(numbers + 1);
  });

  it('charts no report of one group, and nothing without a client', async () => {
    const before = slack.files.size;
    await answer(
      fakes.deps,
      { kind: 'command', context },
      responder(slack.responseUrl('r4')),
      async () => report(countReport([['Web', 3]])),
      { client },
    );
    await answer(fakes.deps, { kind: 'command', context }, responder(slack.responseUrl('r4')), async () => report());
    const posts = await slack.waitForResponses('r4', 2);
    for (const post of posts) expect((post.body.blocks as Block[]).map((block) => block.type)).not.toContain('image');
    expect(slack.files.size).toBe(before);
  });
});
