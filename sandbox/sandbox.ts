import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { RunningApp } from '../src/app.js';
import { startChecked } from '../src/startup.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/observability/logger.js';
import { seedSampleData } from '../fakes/espocrm/sample.js';
import type { FakeEspoCrm } from '../fakes/espocrm/model.js';
import { signWorkspaceToken, startFakeMembrane, type FakeMembrane } from '../fakes/membrane/server.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack/server.js';
import { signedTransport, SlackWorkspace, type WorkspaceOptions } from '../fakes/slack/workspace.js';
import { startWebServer, type WebServer } from './web-server.js';

/**
 * The sandbox: the real bot, unmodified and configured only through its environment as in
 * production, against the fake Membrane (with a sample EspoCRM) and a fake Slack workspace that a
 * web page plays. Everything listens on loopback; nothing leaves the machine unless OPENAI_* points
 * the bot at a model.
 */
export interface SandboxOptions {
  /** The page's port (0: any free one). */
  port?: number;
  host?: string;
  /** OPENAI_* for plain language through a model; without OPENAI_API_KEY the bot uses its fast path only. */
  openai?: Record<string, string | undefined>;
  /** The bot's log level (its JSON lines go to a file in the sandbox's temporary folder). */
  logLevel?: string;
}

export interface Sandbox {
  /** The page: a Slack workspace with the bot in it, and the sample CRM. */
  url: string;
  /** Where the bot listens (its /slack/events and /espocrm/webhooks). */
  botUrl: string;
  workspace: SlackWorkspace;
  crm: FakeEspoCrm;
  slack: FakeSlack;
  membrane: FakeMembrane;
  app: RunningApp;
  /** The bot's log file. */
  logFile: string;
  stop(): Promise<void>;
}

const TEAM = 'T1';

/**
 * The sandbox's Slack app, as manifest.yml declares it: the bot's name, `/espo`, and the "Log to
 * EspoCRM" message shortcut (test/sandbox/sandbox.test.ts checks these against the manifest). Its
 * unfurl domain is the sample CRM's host, as README tells a team to set theirs.
 */
export function workspaceOptions(crmHost: string, pageUrl: string, timeZone: string): WorkspaceOptions {
  return {
    team: { id: TEAM, name: 'Acme Sales', domain: 'acme-sales' },
    bot: { userId: 'UBOT', botId: 'BBOT', appId: 'ASANDBOX', name: 'EspoCRM' },
    // Mapped to the sample CRM's users by email, so "my deals" and "Assign to me" find them.
    people: [
      {
        id: 'UJANE',
        name: 'jane',
        realName: 'Jane Smith',
        email: 'jane.smith@example.com',
        title: 'Sales Director',
        timeZone,
        isAdmin: true,
      },
      {
        id: 'UMARCO',
        name: 'marco',
        realName: 'Marco Lopez',
        email: 'marco.lopez@example.com',
        title: 'Account Executive',
        timeZone,
      },
    ],
    channels: [{ id: 'CSALES', name: 'sales' }],
    command: '/espo',
    shortcuts: [{ callbackId: 'espo_log_message', name: 'Log to EspoCRM', type: 'message' }],
    unfurlDomains: [crmHost],
    permalinkBase: pageUrl,
  };
}

/** A free loopback port, so the bot's PUBLIC_URL can name its own address before it starts. */
async function freePort(host: string): Promise<number> {
  const server = createServer().listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'espo-sandbox-'));
  const stops: (() => Promise<unknown> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    const workspaceKey = 'sandbox-workspace';
    const workspaceSecret = randomBytes(24).toString('hex');
    const membrane = await startFakeMembrane({ workspaceKey, workspaceSecret });
    stops.push(() => membrane.close());
    // The bot's tenant is its Slack team; its EspoCRM is the sample one.
    const crm = membrane.tenant(TEAM).espo;
    seedSampleData(crm, new Date());

    // The page first: its address is the sample CRM's (record links open it) and the permalinks'.
    const web: WebServer = await startWebServer({ host, port: options.port ?? 0, crm });
    stops.push(() => web.close());
    const crmUrl = `${web.url}/crm`;
    const workspace = new SlackWorkspace(
      workspaceOptions(new URL(web.url).host, web.url, Intl.DateTimeFormat().resolvedOptions().timeZone),
    );
    const slack = await startFakeSlack({ workspace });
    stops.push(() => slack.close());

    const botPort = await freePort(host);
    const signingSecret = randomBytes(24).toString('hex');
    const env: Record<string, string> = {
      SLACK_BOT_TOKEN: `xoxb-sandbox-${randomBytes(8).toString('hex')}`,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(botPort),
      HOST: host,
      // EspoCRM's webhooks reach the bot here, as they would at its public address.
      PUBLIC_URL: `http://${host}:${botPort}`,
      MEMBRANE_WORKSPACE_KEY: workspaceKey,
      MEMBRANE_WORKSPACE_SECRET: workspaceSecret,
      MEMBRANE_API_URI: membrane.url,
      ESPOCRM_URL: crmUrl,
      DATABASE_URL: `sqlite:${join(dir, 'sandbox.db')}`,
      LOG_LEVEL: options.logLevel ?? 'info',
      SHUTDOWN_GRACE_SECONDS: '5',
      ...Object.fromEntries(
        Object.entries(options.openai ?? {}).filter(
          (entry): entry is [string, string] => /^OPENAI_/.test(entry[0]) && Boolean(entry[1]),
        ),
      ),
    };
    const logFile = join(dir, 'bot.log');
    const logStream = createWriteStream(logFile);
    stops.push(() => new Promise<void>((resolve) => logStream.end(resolve)));
    // The same start as `node dist/main.js`: its checks of Slack, Membrane and the model, and its summary line.
    const app = await startChecked(loadConfig(env), createLogger(env.LOG_LEVEL!, logStream));
    stops.push(() => app.stop());
    workspace.connect(signedTransport(`${app.url}/slack/events`, signingSecret));
    web.attach(workspace, slack.files);

    // As if an admin had connected EspoCRM in Membrane's console before anyone opened the page.
    const token = signWorkspaceToken(
      { iss: workspaceKey, id: TEAM, exp: Math.floor(Date.now() / 1000) + 60 },
      workspaceSecret,
    );
    const ensured = await fetch(`${membrane.url}/connections/ensure`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ appUrl: 'https://www.espocrm.com/' }),
    });
    if (!ensured.ok) throw new Error(`the fake Membrane did not connect the sample EspoCRM: ${ensured.status}`);
    // Someone has used the app before: the bot knows the connection (a pasted link unfurls, the
    // record search of "Log to EspoCRM" answers) once any request has seen it. Opening Home is one.
    const first = workspace.options.people[0]!.id;
    await workspace.openHome(first);
    for (let waited = 0; !workspace.snapshot(first).home && waited < 5000; waited += 50)
      await new Promise((resolve) => setTimeout(resolve, 50));

    return { url: web.url, botUrl: app.url!, workspace, crm, slack, membrane, app, logFile, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
