import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../../fakes/slack/server.js';

/** The fake Slack's external uploads and the image blocks that show them, as its callers see them. */
describe('fake Slack files', () => {
  let slack: FakeSlack;
  beforeAll(async () => {
    slack = await startFakeSlack();
    slack.bots.set('xoxb-t2', { team: 'T2', userId: 'UBOT2', botId: 'BBOT2' });
  });
  afterAll(() => slack.close());

  const api = async (method: string, body: Record<string, unknown>, token = 'xoxb-t1') =>
    (await (
      await fetch(`${slack.apiUrl}${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).json()) as Record<string, unknown>;

  async function upload(bytes: Buffer, token = 'xoxb-t1', complete = true): Promise<string> {
    const target = await api('files.getUploadURLExternal', { filename: 'a.png', length: bytes.length }, token);
    const posted = await fetch(String(target.upload_url), { method: 'POST', body: new Uint8Array(bytes) });
    expect(posted.status).toBe(200);
    expect(await posted.text()).toBe(`OK - ${bytes.length}`);
    if (complete)
      expect(await api('files.completeUploadExternal', { files: [{ id: target.file_id }] }, token)).toMatchObject({
        ok: true,
      });
    return String(target.file_id);
  }

  const image = (id: string) => ({ type: 'image', slack_file: { id }, alt_text: 'a chart' });
  const post = (blocks: unknown[], token = 'xoxb-t1') =>
    api('chat.postMessage', { channel: 'C1', text: 'x', blocks }, token);

  it('hands out an upload URL on its own server, and refuses what the method refuses', async () => {
    const target = await api('files.getUploadURLExternal', { filename: 'a.png', length: 10, alt_txt: 'chart' });
    expect(String(target.upload_url).startsWith(`${slack.url}/upload/v1/`)).toBe(true);
    expect(await api('files.getUploadURLExternal', { filename: 'a.png', length: 0 })).toMatchObject({
      error: 'missing_argument',
    });
    expect(
      await api('files.getUploadURLExternal', { filename: 'a.png', length: 1, alt_txt: 'x'.repeat(1001) }),
    ).toMatchObject({
      error: 'alt_txt_too_large',
    });
  });

  it('takes multipart bodies as well as raw bytes, and completes only what was uploaded in full', async () => {
    const bytes = Buffer.from('not really a png');
    const target = await api('files.getUploadURLExternal', { filename: 'b.png', length: bytes.length });
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)]), 'b.png');
    expect((await fetch(String(target.upload_url), { method: 'POST', body: form })).status).toBe(200);
    expect(slack.files.get(String(target.file_id))!.bytes!.equals(bytes)).toBe(true);

    const short = await api('files.getUploadURLExternal', { filename: 'c.png', length: 99 });
    await fetch(String(short.upload_url), { method: 'POST', body: 'too short' });
    expect(await api('files.completeUploadExternal', { files: [{ id: short.file_id }] })).toMatchObject({
      error: 'file_upload_size_mismatch',
    });
    expect(await api('files.completeUploadExternal', { files: [{ id: 'F404' }] })).toMatchObject({
      error: 'file_not_found',
    });
  });

  it('shows a completed file of the same workspace in an image block, and refuses any other', async () => {
    const id = await upload(Buffer.from('png bytes'));
    expect(await post([image(id)])).toMatchObject({ ok: true });
    expect(await post([image('F404')])).toMatchObject({ ok: false, error: 'invalid_blocks' });
    expect(await post([image(await upload(Buffer.from('x'), 'xoxb-t1', false))])).toMatchObject({
      error: 'invalid_blocks',
    });
    expect(await post([image(id)], 'xoxb-t2')).toMatchObject({ error: 'invalid_blocks' });
    expect(
      await post([{ type: 'image', slack_file: { id }, image_url: 'https://x.test/a.png', alt_text: 'a' }]),
    ).toMatchObject({
      error: 'invalid_blocks',
    });
    expect(await post([{ type: 'image', slack_file: { id } }])).toMatchObject({ error: 'invalid_blocks' });
  });

  it('refuses every slack_file image while told to', async () => {
    const id = await upload(Buffer.from('png bytes'));
    slack.refuseSlackFileBlocks = true;
    try {
      expect(await post([image(id)])).toMatchObject({ error: 'invalid_blocks' });
    } finally {
      slack.refuseSlackFileBlocks = false;
    }
    expect(await post([image(id)])).toMatchObject({ ok: true });
  });
});
