import { singleWorkspaceToken, type Config } from './config/config.js';
import { refusedSetting, SettingError, type SettingCheck } from './config/setting-error.js';
import { checkMembrane, type MembraneSelf } from './crm/membrane/credentials.js';
import { checkModel, OPENAI_DEFAULT_BASE_URL, type ModelEndpoint } from './llm/model-check.js';
import type { AppLogger } from './observability/logger.js';
import { BotToken } from './slack/bot-token.js';
import { checkAppToken, checkBotToken, type BotIdentity } from './slack/credentials.js';
import { leanFetch } from './slack/lean-fetch.js';
import { openStore, type Store } from './store/store.js';
import { startApp, type RunningApp } from './app.js';

/** Each check gets this long: a service that has not answered by then is "unavailable", and the start goes on. */
const CHECK_TIMEOUT_MS = 5000;

type Skipped = { outcome: 'skipped'; reason: string };

/** What the start-up checks found, service by service. */
interface Findings {
  /** auth.test with SLACK_BOT_TOKEN (one workspace). */
  bot?: SettingCheck<BotIdentity>;
  /** apps.connections.open with SLACK_APP_TOKEN (Socket Mode). */
  appToken?: SettingCheck<true>;
  /** OAuth: workspaces installed so far. */
  installations: number;
  membrane: SettingCheck<MembraneSelf> | Skipped;
  model: SettingCheck<ModelEndpoint> | Skipped;
}

/**
 * `npm start` after the config: opens the store (migrations included), checks what can be checked
 * cheaply and at once (Slack's tokens, Membrane's credentials, the model endpoint), starts the
 * app, and logs one summary line. A setting a service refuses stops the start with a SettingError
 * naming it; a service that cannot be reached does not: the summary says so, and for Slack the
 * readiness probe fails until a re-check gets through.
 */
export async function startChecked(config: Config, logger: AppLogger): Promise<RunningApp> {
  const store = await openStore(config.databaseUrl, { poolSize: config.databasePoolSize, logger });
  try {
    const found = await check(config, store);
    const refused = [found.bot, found.appToken, found.membrane, found.model].filter(isRefused);
    if (refused.length === 1) throw refusedSetting(refused[0]!);
    if (refused.length > 1) {
      throw new SettingError(
        'credential_refused',
        refused.flatMap((checked) => checked.variables),
        `${refused.length} settings were refused:\n${refused.map((checked) => `  - ${checked.message}`).join('\n')}`,
      );
    }
    const token = singleWorkspaceToken(config);
    const botToken =
      token && found.bot
        ? new BotToken({
            token,
            slackApiUrl: config.slack.apiUrl,
            logger,
            startedWith:
              found.bot.outcome === 'ok'
                ? { identity: found.bot.value }
                : { unreachable: found.bot.outcome === 'unreachable' ? found.bot.reason : 'not checked' },
          })
        : undefined;
    if (found.appToken?.outcome === 'unreachable') {
      logger.warn(
        { slack: { appToken: found.appToken.reason } },
        `Socket Mode cannot reach Slack yet (${found.appToken.reason}): it keeps trying, and the start completes when Slack answers`,
      );
    }
    const app = await startApp(config, { logger, store, botToken }).catch((error: unknown) => {
      throw listenFailure(error, config);
    });
    const summary = summarize(config, store, found, app);
    logger[summary.clean ? 'info' : 'warn']({ checks: summary.fields }, summary.text);
    return app;
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}

function isRefused(
  checked: SettingCheck<unknown> | Skipped | undefined,
): checked is Extract<SettingCheck<unknown>, { outcome: 'refused' }> {
  return checked?.outcome === 'refused';
}

/** The checks, side by side: Membrane waits only for what tells it which tenant to act as. */
async function check(config: Config, store: Store): Promise<Findings> {
  const transport = { fetch: leanFetch, ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}) };
  const token = singleWorkspaceToken(config);
  const inventory = store.inventory();
  const bot = token ? checkBotToken(transport, token, CHECK_TIMEOUT_MS) : undefined;
  const appToken = config.slack.appToken
    ? checkAppToken(transport, config.slack.appToken, CHECK_TIMEOUT_MS)
    : undefined;
  const model = config.openai
    ? checkModel({ ...config.openai, timeoutMs: CHECK_TIMEOUT_MS })
    : ({ outcome: 'skipped', reason: 'no OPENAI_API_KEY' } as const);
  const membrane = (async (): Promise<SettingCheck<MembraneSelf> | Skipped> => {
    const tenant = await membraneTenant(config, (await inventory).recentTenant, bot);
    if (tenant === undefined)
      return { outcome: 'skipped', reason: 'no workspace has used the bot yet; the first command checks it' };
    return checkMembrane(
      { apiUri: config.membrane.apiUri, credentials: config.membrane.credentials, timeoutMs: CHECK_TIMEOUT_MS },
      tenant,
    );
  })();
  const found = await Promise.all([bot, appToken, inventory, membrane, model]);
  return {
    bot: found[0],
    appToken: found[1],
    installations: found[2].installations,
    membrane: found[3],
    model: found[4],
  };
}

/**
 * Who the Membrane check acts as. Membrane adds a customer for every tenant a token names, so the
 * check names one the bot serves anyway: the one customer of a fixed token; else a tenant with a
 * cached connection; else, for one workspace in workspace scope, that workspace (the customer its
 * first command creates). Otherwise there is none to ask as yet.
 */
async function membraneTenant(
  config: Config,
  recentTenant: string | undefined,
  bot: Promise<SettingCheck<BotIdentity>> | undefined,
): Promise<string | undefined> {
  if (config.membrane.credentials.kind === 'token') return '';
  if (recentTenant) return recentTenant;
  if (config.connectionScope !== 'workspace' || !bot) return undefined;
  const found = await bot;
  return found.outcome === 'ok' ? found.value.teamId : undefined;
}

/** The HTTP server could not listen: which setting to change. */
function listenFailure(error: unknown, config: Config): unknown {
  const { port, host } = config.slack;
  switch ((error as { code?: unknown })?.code) {
    case 'EADDRINUSE':
      return new SettingError(
        'address_in_use',
        ['PORT', 'HOST'],
        `PORT ${port} is already in use on HOST ${host}: stop what listens there, or set PORT to a free port`,
        { cause: error },
      );
    case 'EACCES':
      return new SettingError(
        'address_unavailable',
        ['PORT'],
        `PORT ${port} needs privileges this user does not have (ports below 1024): use a higher PORT, e.g. 3000, behind your proxy`,
        { cause: error },
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new SettingError(
        'address_unavailable',
        ['HOST'],
        `HOST ${host} is not an address of this machine: use 0.0.0.0 (every interface), 127.0.0.1, or one of its own addresses`,
        { cause: error },
      );
    default:
      return error;
  }
}

/**
 * One line for people and machines alike: `msg` reads as a sentence ("ready: Slack workspace Acme
 * as @espo (HTTP mode) · Membrane ok · …"), the fields carry the same, structured.
 */
function summarize(
  config: Config,
  store: Store,
  found: Findings,
  app: RunningApp,
): { clean: boolean; text: string; fields: Record<string, unknown> } {
  const mode = config.slack.appToken ? 'Socket Mode' : `HTTP mode, ${app.url}/slack/events`;
  const parts: { text: string; ok: boolean }[] = [];
  const fields: Record<string, unknown> = {};

  if (config.slack.oauth) {
    parts.push({
      text: `Slack: ${found.installations} workspace${found.installations === 1 ? '' : 's'} installed (OAuth, ${mode})`,
      ok: true,
    });
    fields.slack = { mode: config.slack.appToken ? 'socket' : 'http', oauth: true, installations: found.installations };
  } else if (found.bot?.outcome === 'ok') {
    const bot = found.bot.value;
    parts.push({ text: `Slack workspace ${bot.team} as @${bot.botName} (${mode})`, ok: true });
    fields.slack = {
      mode: config.slack.appToken ? 'socket' : 'http',
      team: bot.team,
      teamId: bot.teamId,
      bot: bot.botName,
      botUserId: bot.botUserId,
    };
  } else {
    const reason = found.bot?.outcome === 'unreachable' ? found.bot.reason : 'not checked';
    parts.push({
      text: `Slack unavailable (${reason}; ${config.slack.appToken ? 'checking again' : '/readyz says not ready until it answers'})`,
      ok: false,
    });
    fields.slack = { mode: config.slack.appToken ? 'socket' : 'http', state: 'unreachable', reason };
  }
  if (found.appToken) {
    (fields.slack as Record<string, unknown>).appToken =
      found.appToken.outcome === 'ok' ? 'ok' : found.appToken.outcome;
  }

  const membrane = found.membrane;
  if (membrane.outcome === 'ok') parts.push({ text: 'Membrane ok', ok: true });
  else if (membrane.outcome === 'skipped') parts.push({ text: `Membrane not checked (${membrane.reason})`, ok: true });
  else if (membrane.outcome === 'unreachable')
    parts.push({ text: `Membrane unavailable (${membrane.reason})`, ok: false });
  fields.membrane = {
    apiUri: config.membrane.apiUri,
    state: membrane.outcome,
    ...('reason' in membrane ? { reason: membrane.reason } : {}),
  };

  const model = found.model;
  if (!config.openai || model.outcome === 'skipped') {
    parts.push({ text: 'model off (no OPENAI_API_KEY: commands and the fast path)', ok: true });
    fields.model = { state: 'off' };
  } else {
    const where = `${config.openai.model} at ${config.openai.baseUrl ?? OPENAI_DEFAULT_BASE_URL}`;
    const problem =
      model.outcome === 'unreachable'
        ? `unavailable: ${model.reason}`
        : model.outcome === 'ok'
          ? model.value.warning
          : undefined;
    // Whoever must show that no CRM record text leaves for the model can point at this line.
    const withheld = config.openai.seesCrmData ? '' : ', sent no record text (MODEL_SEES_CRM_DATA=false)';
    parts.push({ text: `model ${where}${withheld}${problem ? ` (${problem})` : ''}`, ok: !problem });
    fields.model = {
      model: config.openai.model,
      baseUrl: config.openai.baseUrl ?? OPENAI_DEFAULT_BASE_URL,
      seesCrmData: config.openai.seesCrmData,
      state: model.outcome,
      ...(problem ? { problem } : {}),
    };
  }

  parts.push({ text: `store ${store.location}`, ok: true });
  fields.store = { dialect: store.dialect, location: store.location };

  const clean = parts.every((part) => part.ok);
  return {
    clean,
    text: `${clean ? 'ready' : 'started, with problems'}: ${parts.map((part) => part.text).join(' · ')}`,
    fields,
  };
}
