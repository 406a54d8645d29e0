import { existsSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, workspaceOptions, type Sandbox } from '../../sandbox/sandbox.js';

/**
 * The sandbox without a browser: what it starts, how the bot is configured, its JSON API, and the
 * CRM admin view's changes reaching the bot as EspoCRM webhooks. The browser test
 * (browser.test.ts) plays the page itself.
 */
describe('the sandbox', () => {
  let sandbox: Sandbox;
  const api = async (path: string, body?: unknown, method = 'POST') => {
    const response = await fetch(
      `${sandbox.url}${path}`,
      body === undefined ? {} : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    );
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const state = async (user = 'UJANE') =>
    (await api(`/api/state?user=${user}`)).body as {
      messages: { text: string; blocks?: unknown[]; ephemeralTo?: string; ts: string }[];
      home?: unknown;
    };
  const until = async <T>(read: () => Promise<T | undefined>, what: string): Promise<T> => {
    for (let waited = 0; waited < 5000; waited += 50) {
      const value = await read();
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  /** A GET with the path sent exactly as written (fetch and URL would normalize `..`). */
  const rawGet = (path: string) =>
    new Promise<string>((resolve, reject) => {
      const { hostname, port } = new URL(sandbox.url);
      get({ hostname, port, path }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve(text));
      }).on('error', reject);
    });

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
  }, 30_000);
  afterAll(() => sandbox?.stop());

  it('declares the app as manifest.yml does', () => {
    const manifest = readFileSync(join(import.meta.dirname, '..', '..', 'manifest.yml'), 'utf8');
    const app = workspaceOptions('crm.test', 'http://page.test', 'UTC');
    expect(manifest).toContain(`display_name: ${app.bot.name}`);
    expect(manifest).toContain(`- command: ${app.command}`);
    for (const shortcut of app.shortcuts)
      expect(manifest).toMatch(
        new RegExp(`- name: ${shortcut.name}\\n\\s+type: ${shortcut.type}\\n\\s+callback_id: ${shortcut.callbackId}`),
      );
  });

  it('runs the bot on loopback, configured by URLs, with a fresh database and the connection known', async () => {
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.botUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(existsSync(join(dirname(sandbox.logFile), 'sandbox.db'))).toBe(true);
    expect(await fetch(`${sandbox.botUrl}/readyz`).then((r) => r.text())).toBe('ready');
    // The bot reaches the fakes only through their URLs: Membrane's API, and Slack's Web API.
    expect(sandbox.membrane.calls.some((call) => call.path === '/connections' && call.tenant === 'T1')).toBe(true);
    expect(sandbox.slack.calls.some((call) => call.method === 'views.publish')).toBe(true);
    const log = readFileSync(sandbox.logFile, 'utf8');
    expect(log).toContain('OPENAI_API_KEY is not set');
    expect(log).not.toMatch(/"level":50/);
  });

  it('serves the page with a strict content security policy, and its TypeScript compiled', async () => {
    const page = await fetch(sandbox.url);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('/web/app.js');
    const script = await fetch(`${sandbox.url}/web/mrkdwn.js`);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect(await script.text()).toMatch(/export \{[^}]*parseMrkdwn/);
    // Only the page's own folder is served, however the path is spelled.
    for (const path of ['/web/../sandbox.ts', '/web/..%2fsandbox.ts', '/web/%2e%2e/crm-admin.ts'])
      expect(await rawGet(path)).not.toContain('import ');
    expect((await fetch(`${sandbox.url}/crm`)).status).toBe(200);
  });

  it('answers only at its own address, and takes changes as JSON only, from the people it knows', async () => {
    const { port } = new URL(sandbox.url);
    const rebound = await new Promise<number>((resolve, reject) =>
      get(
        { hostname: '127.0.0.1', port, path: '/api/state?user=UJANE', headers: { host: `evil.example:${port}` } },
        (r) => (r.resume(), resolve(r.statusCode ?? 0)),
      ).on('error', reject),
    );
    expect(rebound).toBe(421);
    const form = await fetch(`${sandbox.url}/api/say`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'user=UJANE&channel=CSALES&text=hi',
    });
    expect(form.status).toBe(415);
    expect((await api('/api/say', { user: 'UNOBODY', channel: 'CSALES', text: 'hi' })).status).toBe(400);
    expect(
      (await api('/api/act', { user: 'UJANE', source: { channel: 'CSALES', ts: '1.1' }, blockId: 'b', actionId: 'a' }))
        .status,
    ).toBe(400);
  });

  it('runs a slash command through the bot and shows its reply to that person only', async () => {
    expect((await api('/api/command', { user: 'UMARCO', channel: 'CSALES', text: 'list tasks limit=3' })).status).toBe(
      200,
    );
    const reply = await until(
      async () => (await state('UMARCO')).messages.find((m) => m.text.startsWith('Tasks')),
      'the reply',
    );
    expect(reply.ephemeralTo).toBe('UMARCO');
    expect((await state('UJANE')).messages.some((m) => m.ts === reply.ts)).toBe(false);
  });

  it('shows the images the bot uploaded (a report’s chart) from its own address, PNG only', async () => {
    const upload = async (bytes: Buffer) => {
      const call = async (method: string, body: unknown) =>
        (await (
          await fetch(`${sandbox.slack.apiUrl}${method}`, {
            method: 'POST',
            headers: { authorization: 'Bearer xoxb-sandbox', 'content-type': 'application/json' },
            body: JSON.stringify(body),
          })
        ).json()) as { upload_url: string; file_id: string };
      const target = await call('files.getUploadURLExternal', { filename: 'chart.png', length: bytes.length });
      await fetch(target.upload_url, { method: 'POST', body: new Uint8Array(bytes) });
      await call('files.completeUploadExternal', { files: [{ id: target.file_id }] });
      return target.file_id;
    };
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.from('rest of the image')]);
    const image = await fetch(`${sandbox.url}/api/files/${await upload(png)}`);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer()).equals(png)).toBe(true);
    expect((await fetch(`${sandbox.url}/api/files/${await upload(Buffer.from('<svg/>'))}`)).status).toBe(404);
    expect((await fetch(`${sandbox.url}/api/files/F404`)).status).toBe(404);
  });

  it('edits the sample CRM through EspoCRM’s API, and its webhooks reach the bot', async () => {
    await api('/api/command', { user: 'UJANE', channel: 'CSALES', text: 'subscribe lead created' });
    const preview = await until(
      async () => (await state()).messages.find((m) => m.text.startsWith('Subscribe')),
      'the preview',
    );
    const blocks = preview.blocks as { block_id: string; elements?: { action_id: string }[] }[];
    const confirm = blocks.find((block) =>
      block.elements?.some((element) => element.action_id === 'espo_confirm'),
    )!.block_id;
    await api('/api/act', {
      user: 'UJANE',
      source: { channel: 'CSALES', ts: preview.ts },
      blockId: confirm,
      actionId: 'espo_confirm',
    });
    await until(
      async () => ((await state()).messages.some((m) => m.text.startsWith('Subscribed')) ? true : undefined),
      'the subscription',
    );

    const created = await api('/api/crm/Lead', {
      fields: { firstName: 'Walk', lastName: 'In', status: 'New', source: 'Web Site' },
    });
    expect(created.body).toMatchObject({ status: 200, webhooks: [200], record: { name: 'Walk In' } });
    const alert = await until(
      async () => (await state('UMARCO')).messages.find((m) => JSON.stringify(m.blocks ?? []).includes('Walk In')),
      'the alert',
    );
    expect(alert.ephemeralTo).toBeUndefined();

    const list = (await api('/api/crm/Lead')).body as {
      records: { id: string; name: string }[];
      fields: { name: string }[];
    };
    expect(list.records[0]!.name).toBe('Walk In');
    expect(list.fields.map((f) => f.name)).toEqual(
      expect.arrayContaining(['firstName', 'lastName', 'status', 'assignedUserId']),
    );
    const refused = await api(`/api/crm/Lead/${list.records[0]!.id}`, { fields: { status: 'Not a status' } }, 'PUT');
    expect(refused.body).toMatchObject({ status: 400 });
    expect((await api(`/api/crm/Lead/${list.records[0]!.id}`, {}, 'DELETE')).body).toMatchObject({ status: 200 });
    expect((await api('/api/crm/Nope')).status).toBe(404);
  });

  it('stops everything and removes its temporary folder', async () => {
    const other = await startSandbox({ port: 0 });
    const folder = dirname(other.logFile);
    await other.stop();
    expect(existsSync(folder)).toBe(false);
    await expect(fetch(other.url)).rejects.toThrow();
    await expect(fetch(`${other.botUrl}/healthz`)).rejects.toThrow();
  }, 30_000);
});
