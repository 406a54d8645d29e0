import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../fakes/slack/server.js';
import { ChartUploads, chartBlock, renderChart, uploadPrivateFile } from '../../src/slack/charts.js';
import { countReport, pipelineReport } from '../support/reports.js';

describe('chart upload to Slack', () => {
  let slack: FakeSlack;
  let client: webApi.WebClient;
  beforeAll(async () => {
    slack = await startFakeSlack();
    client = new webApi.WebClient('xoxb-test-token', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  });
  afterAll(() => slack.close());
  beforeEach(() => {
    slack.calls.length = 0;
    slack.refuseSlackFileBlocks = false;
    slack.uploadProcessingMs = 0;
  });

  it('waits until Slack has processed the upload before a message may show it', async () => {
    // Slack completes uploads asynchronously; shown before, the file is "invalid slack file".
    slack.uploadProcessingMs = 500;
    const started = Date.now();
    const id = await uploadPrivateFile(client, await renderChart(pipelineReport()));
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    const looks = slack.calls.filter((call) => call.method === 'files.info');
    expect(looks.length).toBeGreaterThan(1);
    expect(looks.every((call) => call.body.file === id)).toBe(true);
    await expect(
      client.chat.postMessage({
        channel: 'C1',
        text: 'chart',
        blocks: [{ type: 'image', slack_file: { id }, alt_text: 'chart' }],
      }),
    ).resolves.toMatchObject({ ok: true });
  });

  it('is refused by Slack when shown before Slack has processed it', async () => {
    slack.uploadProcessingMs = 60_000;
    const file = await renderChart(pipelineReport());
    const target = (await client.apiCall('files.getUploadURLExternal', {
      filename: file.filename,
      length: file.png.length,
    })) as unknown as { upload_url: string; file_id: string };
    await fetch(target.upload_url, { method: 'POST', body: new Uint8Array(file.png) });
    await client.files.completeUploadExternal({ files: [{ id: target.file_id }] });
    await expect(
      client.chat.postMessage({
        channel: 'C1',
        text: 'chart',
        blocks: [{ type: 'image', slack_file: { id: target.file_id }, alt_text: 'chart' }],
      }),
    ).rejects.toMatchObject({ data: { error: 'invalid_blocks' } });
  });

  it('uploads the PNG privately in three steps, and Slack keeps exactly its bytes', async () => {
    const file = await renderChart(pipelineReport());
    const id = await uploadPrivateFile(client, file);
    expect(slack.calls.map((call) => call.method)).toEqual([
      'files.getUploadURLExternal',
      'files.completeUploadExternal',
      // Processed at once here: one look, and the file may be shown.
      'files.info',
    ]);
    const [asked, completed] = slack.calls;
    expect(asked!.body).toMatchObject({
      filename: 'pipeline-close-date-this-quarter.png',
      length: String(file.png.length),
      alt_txt: file.altText,
    });
    expect(completed!.body.files).toEqual([{ id, title: 'Pipeline · close date this quarter' }]);
    // No channel: the file is shared nowhere.
    expect(completed!.body).not.toHaveProperty('channel_id');
    expect(completed!.body).not.toHaveProperty('channels');
    const stored = slack.files.get(id)!;
    expect(stored.completed).toBe(true);
    expect(stored.channel).toBeUndefined();
    expect(stored.length).toBe(file.png.length);
    expect(stored.bytes!.equals(file.png)).toBe(true);
  });

  it('gives the image block that points at the uploaded file', async () => {
    const block = await chartBlock(client, pipelineReport());
    expect(block).toMatchObject({
      type: 'image',
      slack_file: { id: expect.stringMatching(/^F/) },
      alt_text: expect.stringContaining('Bar chart of Pipeline · close date this quarter: Prospecting $120,000'),
      title: { type: 'plain_text', text: 'Pipeline · close date this quarter' },
    });
    const id = (block as { slack_file: { id: string } }).slack_file.id;
    expect(slack.files.get(id)!.bytes!.subarray(1, 4).toString()).toBe('PNG');
  });

  it('shows the same answer in the same workspace with the file already uploaded', async () => {
    const report = pipelineReport();
    const uploads = new ChartUploads();
    const inT1 = { reuse: { uploads, team: 'T1' } };
    const first = await chartBlock(client, report, inT1);
    const again = await chartBlock(client, { ...report }, inT1);
    expect(again).toEqual(first);
    expect(slack.calls.filter((call) => call.method === 'files.getUploadURLExternal')).toHaveLength(1);
    // Another workspace, or the same question read again later, is another file.
    await chartBlock(client, report, { reuse: { uploads, team: 'T2' } });
    await chartBlock(client, { ...report, readAt: new Date(report.readAt.getTime() + 60_000) }, inT1);
    expect(slack.calls.filter((call) => call.method === 'files.getUploadURLExternal')).toHaveLength(3);
  });

  it('gives no chart for a report without a breakdown of at least two groups', async () => {
    expect(await chartBlock(client, countReport([['Web', 3]]))).toBeUndefined();
    expect(await chartBlock(client, countReport([]))).toBeUndefined();
    expect(slack.calls).toEqual([]);
  });

  it('gives no chart, and logs one line with why, when Slack will not take the upload', async () => {
    const logger = { warn: vi.fn() };
    slack.failNext('/upload/v1/', { status: 500 });
    expect(await chartBlock(client, pipelineReport(), { logger, fields: { kind: 'command' } })).toBeUndefined();
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0]![0]).toMatchObject({ kind: 'command', step: 'upload', reason: 'http_500' });

    logger.warn.mockClear();
    slack.refusedTokens.set('xoxb-test-token', 'token_revoked');
    try {
      expect(await chartBlock(client, pipelineReport(), { logger })).toBeUndefined();
    } finally {
      slack.refusedTokens.clear();
    }
    expect(logger.warn.mock.calls[0]![0]).toMatchObject({ step: 'upload', reason: 'token_revoked' });
  });

  it('takes a multipart upload too, as the SDK sends it (filesUploadV2)', async () => {
    const file = await renderChart(
      countReport([
        ['Web', 3],
        ['Call', 2],
      ]),
    );
    const result = await client.filesUploadV2({ file: file.png, filename: file.filename, title: file.title });
    const id = (result.files[0] as { files?: { id?: string }[] }).files![0]!.id!;
    expect(slack.files.get(id)!.bytes!.equals(file.png)).toBe(true);
  });
});
