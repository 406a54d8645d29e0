import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signWorkspaceToken, startFakeMembrane, type FakeMembrane } from '../fakes/membrane/server.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai/server.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack/server.js';
import type { RunningApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/observability/logger.js';
import { startChecked } from '../src/startup.js';
import { openStore } from '../src/store/store.js';
import { appEnv, freePort, OPENAI_KEY, WORKSPACE_KEY, WORKSPACE_SECRET } from './support/harness.js';

/** The start-up checks and their summary, in process: what each kind of deployment is told. */
describe('startChecked', () => {
  let slack: FakeSlack;
  let membrane: FakeMembrane;
  let openai: FakeOpenAI;
  let dir: string;
  let app: RunningApp | undefined;
  let databases = 0;

  beforeAll(async () => {
    slack = await startFakeSlack();
    membrane = await startFakeMembrane({ workspaceKey: WORKSPACE_KEY, workspaceSecret: WORKSPACE_SECRET });
    openai = await startFakeOpenAI({ apiKey: OPENAI_KEY });
    dir = mkdtempSync(join(tmpdir(), 'espo-slack-checks-'));
  });
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });
  afterAll(async () => {
    await Promise.all([slack.close(), membrane.close(), openai.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts with `overrides` on a fresh database (or `databaseUrl`) and returns the summary line. */
  async function summary(
    overrides: Record<string, string> = {},
    parts: { oauth?: boolean; openai?: boolean; databaseUrl?: string } = {},
  ) {
    const logs: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, callback) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
        callback();
      },
    });
    const databaseUrl = parts.databaseUrl ?? `sqlite:${join(dir, `bot-${++databases}.db`)}`;
    const config = loadConfig(
      appEnv(
        {
          slack,
          membrane,
          openai: parts.openai === false ? undefined : openai,
          databaseUrl,
          port: 0,
          oauth: parts.oauth,
        },
        overrides,
      ),
    );
    app = await startChecked(config, createLogger('info', sink));
    return logs.find((line) => typeof line.checks === 'object')!;
  }

  it('many workspaces: says how many are installed, and checks Membrane once one has used the bot', async () => {
    const line = await summary({}, { oauth: true, openai: false });
    expect(line.level).toBe(30);
    expect(line.msg).toMatch(
      /^ready: Slack: 0 workspaces installed \(OAuth, HTTP mode, http:\/\/127\.0\.0\.1:\d+\/slack\/events\) · Membrane not checked \(no workspace has used the bot yet; the first command checks it\) · model off \(no OPENAI_API_KEY: commands and the fast path\) · store sqlite:/,
    );
    expect(line.checks).toMatchObject({
      slack: { oauth: true, installations: 0 },
      membrane: { state: 'skipped' },
      model: { state: 'off' },
    });
  });

  it('acts as a tenant the bot has served, so no customer is made up (per-person connections)', async () => {
    const databaseUrl = `sqlite:${join(dir, 'served.db')}`;
    const store = await openStore(databaseUrl);
    await store.connections.put('T1:U7', { connectionId: 'conn_x', state: 'READY' });
    await store.close();
    membrane.resetCalls();
    const line = await summary({ CONNECTION_SCOPE: 'user' }, { databaseUrl });
    expect(membrane.calls.map((call) => `${call.path} ${call.tenant}`)).toEqual(['/self T1:U7']);
    expect(line.msg).toContain(' · Membrane ok · ');
  });

  it('per-person connections with no one served yet: Membrane is left unchecked rather than a customer made up', async () => {
    membrane.resetCalls();
    const line = await summary({ CONNECTION_SCOPE: 'user' });
    expect(membrane.calls).toEqual([]);
    expect(line.msg).toContain(
      ' · Membrane not checked (no workspace has used the bot yet; the first command checks it) · ',
    );
  });

  it('a fixed Membrane token is checked as its own customer', async () => {
    const token = signWorkspaceToken({ id: 'the-one', iss: WORKSPACE_KEY }, WORKSPACE_SECRET);
    membrane.resetCalls();
    const line = await summary({ MEMBRANE_WORKSPACE_KEY: '', MEMBRANE_WORKSPACE_SECRET: '', MEMBRANE_TOKEN: token });
    expect(membrane.calls.map((call) => `${call.path} ${call.tenant}`)).toEqual(['/self the-one']);
    expect(line.msg).toContain(' · Membrane ok · ');
  });

  it('says what is wrong without stopping: a model the endpoint does not list, a Membrane that is down', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const line = await summary({ OPENAI_MODEL: 'gpt-typo', MEMBRANE_API_URI: nowhere });
    expect(line.level).toBe(40);
    expect(line.msg).toMatch(
      new RegExp(
        `^started, with problems: Slack workspace Test as @espo \\(HTTP mode, .*\\) · Membrane unavailable \\(ECONNREFUSED at ${nowhere}\\) · model gpt-typo at ${openai.url} \\(OPENAI_MODEL gpt-typo is not among the 1 models ${openai.url} lists\\) · store sqlite:`,
      ),
    );
    expect(line.checks).toMatchObject({
      membrane: { state: 'unreachable', reason: `ECONNREFUSED at ${nowhere}` },
      model: { state: 'ok', problem: expect.stringContaining('gpt-typo') },
    });
    expect(app?.url).toBeDefined();
  });

  it('a local model on Ollama: found by its name without a tag, and the line says no record text is sent', async () => {
    const ollama = await startFakeOpenAI({ flavor: 'ollama', models: ['llama3.1:latest'] });
    try {
      const line = await summary({
        OPENAI_BASE_URL: ollama.url,
        OPENAI_API_KEY: 'ollama',
        OPENAI_MODEL: 'llama3.1',
        MODEL_SEES_CRM_DATA: 'false',
      });
      expect(line.msg).toMatch(
        new RegExp(
          `^ready: .* · model llama3\\.1 at ${ollama.url}, sent no record text \\(MODEL_SEES_CRM_DATA=false\\) · store sqlite:`,
        ),
      );
      expect(line.checks).toMatchObject({ model: { state: 'ok', seesCrmData: false } });
      expect(line.checks).not.toMatchObject({ model: { problem: expect.anything() } });
    } finally {
      await ollama.close();
    }
  });
});
