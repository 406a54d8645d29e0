import { z } from 'zod';
import { modelParams, type ModelParams } from './model-params.js';

/**
 * Every setting the bot reads, validated once at start. Nothing else in src/ reads process.env:
 * a bad deployment fails here, with one message naming each bad variable, not later at request time.
 */
const emptyAsUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());
// `.optional()` and `.default()` go inside the preprocess: outside it they see the raw '' (not
// undefined), pass it on, and the empty value .env.example leaves is then "not a URL".
const urlSchema = (hint: string) => z.url({ message: `must be a URL, ${hint}` });
const optionalUrl = (hint: string) => z.preprocess(emptyAsUndefined, urlSchema(hint).optional());
const urlOrDefault = (hint: string, fallback: string) =>
  z.preprocess(emptyAsUndefined, urlSchema(hint).default(fallback));

/**
 * What the Membrane SDK takes as a fixed token (its `decodeToken`, dist/index.node.mjs): a personal
 * access token (pat-...) or a JWT whose payload decodes to JSON. Anything else fails in the SDK at
 * the first call, far from the variable.
 */
function isMembraneToken(value: string): boolean {
  if (value.startsWith('pat-')) return true;
  try {
    JSON.parse(Buffer.from(value.split('.')[1] ?? '', 'base64').toString());
    return true;
  } catch {
    return false;
  }
}

const envSchema = z.object({
  // Required unless the app installs through OAuth (checked in loadConfig, beside the schema).
  SLACK_BOT_TOKEN: z.preprocess(
    emptyAsUndefined,
    z.string().startsWith('xox', { message: 'must be a Slack token starting with xoxb-' }).optional(),
  ),
  SLACK_SIGNING_SECRET: z.preprocess(
    emptyAsUndefined,
    z.string({ message: 'is required: copy it from your Slack app\'s "Basic Information" page' }).min(8, {
      message: 'looks too short to be a Slack signing secret',
    }),
  ),
  SLACK_APP_TOKEN: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .startsWith('xapp-', {
        message: 'must be an app-level token starting with xapp- (or leave it empty for HTTP mode)',
      })
      .optional(),
  ),
  SLACK_API_URL: optionalUrl('e.g. https://slack.com/api/'),
  SLACK_CLIENT_ID: optionalString,
  SLACK_CLIENT_SECRET: optionalString,
  SLACK_STATE_SECRET: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .min(16, {
        message: 'is too short: use a long random string (e.g. openssl rand -hex 32); it signs the OAuth state',
      })
      .optional(),
  ),
  PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65535).default(3000)),
  HOST: z.preprocess(emptyAsUndefined, z.string().default('0.0.0.0')),
  MAX_CONCURRENT_WORK: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(1000).default(8)),

  MEMBRANE_WORKSPACE_KEY: optionalString,
  MEMBRANE_WORKSPACE_SECRET: optionalString,
  MEMBRANE_TOKEN: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .refine(isMembraneToken, {
        message:
          'is not a Membrane access token (a JWT, or a personal access token pat-...): copy one from the Membrane console',
      })
      .optional(),
  ),
  MEMBRANE_API_URI: urlOrDefault('e.g. https://api.getmembrane.com', 'https://api.getmembrane.com'),
  MEMBRANE_TIMEOUT_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(100).max(120_000).default(10_000)),
  ESPOCRM_APP_URL: urlOrDefault(
    'the EspoCRM app URL Membrane knows, usually https://www.espocrm.com/',
    'https://www.espocrm.com/',
  ),
  ESPOCRM_URL: optionalUrl('your EspoCRM instance, e.g. https://crm.example.com'),
  CONNECTION_SCOPE: z.preprocess(
    emptyAsUndefined,
    z
      .enum(['workspace', 'user'], {
        message: 'must be "workspace" (one connection per Slack workspace) or "user" (one per person)',
      })
      .default('workspace'),
  ),

  DATABASE_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .default('sqlite:./data/espo-slack.db')
      .refine((value) => /^(sqlite:|postgres:\/\/|postgresql:\/\/)/.test(value), {
        message: 'must start with sqlite: (e.g. sqlite:./data/espo-slack.db) or postgres://',
      }),
  ),
  // Connections each instance keeps to PostgreSQL; N instances need N × this on the server.
  DATABASE_POOL_SIZE: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(100).default(10)),
  LOG_LEVEL: z.preprocess(
    emptyAsUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  CONFIRMATION_TTL_MINUTES: z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(15),
  ),

  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl('e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1 for Ollama'),
  OPENAI_MODEL: z.preprocess(emptyAsUndefined, z.string().default('gpt-4.1-mini')),
  // What the model is sent; empty: the model family's default (src/config/model-params.ts), `omit`: never sent.
  OPENAI_TEMPERATURE: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .refine((value) => value === 'omit' || (/^\d+(\.\d+)?$/.test(value) && Number(value) <= 2), {
        message: 'must be a number from 0 to 2, or omit',
      })
      .optional(),
  ),
  OPENAI_TOOL_CHOICE: z.preprocess(
    emptyAsUndefined,
    z.enum(['required', 'auto', 'omit'], { message: 'must be required, auto or omit' }).optional(),
  ),
  OPENAI_PARALLEL_TOOL_CALLS: z.preprocess(
    emptyAsUndefined,
    z.enum(['false', 'true', 'omit'], { message: 'must be false, true or omit' }).optional(),
  ),
  // Someone is waiting in Slack: a model that has not answered in this long gets "busy, try again".
  OPENAI_TIMEOUT_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(500).max(120_000).default(15_000)),
  // For teams whose policy keeps CRM records from any model: false sends only schemas, field names, ids and the
  // person's own words (src/llm/prompt.ts).
  MODEL_SEES_CRM_DATA: z.preprocess(
    emptyAsUndefined,
    z.enum(['true', 'false'], { message: 'must be true or false' }).default('true'),
  ),
  CONVERSATION_TURNS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(2).max(50).default(10)),
  CONVERSATION_MAX_AGE_HOURS: z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 30)
      .default(24),
  ),
  // Alerts: the bot's public base URL (EspoCRM's webhooks reach it there) and the polling interval used without it.
  PUBLIC_URL: optionalUrl('the public https:// address of this bot, e.g. https://espo-slack.example.com'),
  ALERT_POLL_SECONDS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(10).max(3600).default(60)),
  // How often each instance looks for due digests (the store's lease sends each once across instances).
  DIGEST_TICK_SECONDS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(3600).default(30)),
  // SIGTERM: how long acknowledged work may take to finish before the process exits anyway.
  SHUTDOWN_GRACE_SECONDS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(600).default(20)),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  slack: {
    /** The one workspace's token; absent when workspaces install through OAuth (`oauth`). */
    botToken?: string;
    signingSecret: string;
    /** Multi-workspace mode: serves /slack/install and /slack/oauth_redirect, tokens per workspace from the store. */
    oauth?: { clientId: string; clientSecret: string; stateSecret: string };
    appToken?: string;
    apiUrl?: string;
    port: number;
    host: string;
    maxConcurrentWork: number;
  };
  membrane: {
    apiUri: string;
    timeoutMs: number;
    credentials:
      { kind: 'workspace'; workspaceKey: string; workspaceSecret: string } | { kind: 'token'; token: string };
  };
  espocrm: { appUrl: string; siteUrl?: string };
  connectionScope: 'workspace' | 'user';
  databaseUrl: string;
  /** PostgreSQL only: connections in each instance's pool. */
  databasePoolSize: number;
  logLevel: Env['LOG_LEVEL'];
  confirmationTtlMs: number;
  /** Absent without OPENAI_API_KEY: plain language then gets the fast path only. */
  /** `seesCrmData` false: no record text (names, field values) is sent to the model, only schemas and ids. */
  openai?: {
    apiKey: string;
    baseUrl?: string;
    model: string;
    timeoutMs: number;
    params: ModelParams;
    seesCrmData: boolean;
  };
  conversation: { turns: number; maxAgeMs: number };
  /** `publicUrl`: without it EspoCRM cannot send webhooks, so tenants with alerts poll every `pollSeconds`. */
  alerts: { publicUrl?: string; pollSeconds: number };
  digestTickSeconds: number;
  shutdownGraceMs: number;
}

/** SLACK_BOT_TOKEN when it is the one workspace's token: with OAuth it is not used. */
export function singleWorkspaceToken(config: Config): string | undefined {
  return config.slack.oauth ? undefined : config.slack.botToken;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `The bot cannot start: ${problems.length} setting${problems.length === 1 ? '' : 's'} need${problems.length === 1 ? 's' : ''} fixing.\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        '\nSet them in .env (see .env.example) or the environment, then start again.',
    );
    this.name = 'ConfigError';
  }
}

/** Membrane needs workspace credentials or a token; checked beside the schema so every problem is reported at once. */
function membraneCredentialProblems(source: Record<string, string | undefined>): string[] {
  const key = source.MEMBRANE_WORKSPACE_KEY?.trim();
  const secret = source.MEMBRANE_WORKSPACE_SECRET?.trim();
  if (key || secret) {
    if (key && secret) return [];
    return [
      `${key ? 'MEMBRANE_WORKSPACE_SECRET' : 'MEMBRANE_WORKSPACE_KEY'} is required together with the other MEMBRANE_WORKSPACE_* setting`,
    ];
  }
  if (source.MEMBRANE_TOKEN?.trim()) return [];
  return [
    'MEMBRANE_WORKSPACE_KEY is required: set MEMBRANE_WORKSPACE_KEY and MEMBRANE_WORKSPACE_SECRET (Membrane console, Settings), or a fixed MEMBRANE_TOKEN',
  ];
}

const OAUTH_VARIABLES = ['SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET'] as const;

/**
 * OAuth install needs all three of its settings, and without them the one workspace's token is
 * required. Checked beside the schema so every problem is reported at once.
 */
function slackCredentialProblems(source: Record<string, string | undefined>): string[] {
  const present = OAUTH_VARIABLES.filter((name) => source[name]?.trim());
  if (present.length > 0 && present.length < OAUTH_VARIABLES.length) {
    const missing = OAUTH_VARIABLES.filter((name) => !present.includes(name));
    return [
      `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} required together with ${present.join(', ')}: installing to many workspaces through OAuth needs SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (your Slack app's "Basic Information" page) and SLACK_STATE_SECRET (any long random string); or set none of them and use SLACK_BOT_TOKEN for one workspace`,
    ];
  }
  if (present.length === 0 && !source.SLACK_BOT_TOKEN?.trim()) {
    return [
      'SLACK_BOT_TOKEN is required: the Bot User OAuth Token (xoxb-...) from your Slack app\'s "OAuth & Permissions" page (or set SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET to install to many workspaces)',
    ];
  }
  return [];
}

/**
 * The values .env.example ships with. They have a token's shape, so only their being left as they
 * are says they were never filled in; a signing secret is never sent anywhere at start, so nothing
 * later would notice it (every request from Slack would just be refused).
 */
const PLACEHOLDERS: Record<string, { value: string; where: string }> = {
  SLACK_BOT_TOKEN: {
    value: 'xoxb-your-bot-token',
    where: 'the Bot User OAuth Token (xoxb-...) from your Slack app\'s "OAuth & Permissions" page',
  },
  SLACK_SIGNING_SECRET: {
    value: 'your-signing-secret',
    where: 'the Signing Secret from your Slack app\'s "Basic Information" page',
  },
};

function placeholderProblems(source: Record<string, string | undefined>): string[] {
  // With OAuth the bot token is not used, so its placeholder may stay.
  const oauth = OAUTH_VARIABLES.every((name) => source[name]?.trim());
  return Object.entries(PLACEHOLDERS)
    .filter(
      ([name, placeholder]) => source[name]?.trim() === placeholder.value && !(oauth && name === 'SLACK_BOT_TOKEN'),
    )
    .map(
      ([name, placeholder]) => `${name} still holds the placeholder from .env.example: set it to ${placeholder.where}`,
    );
}

/** Parses the environment into a Config, or throws one ConfigError listing every problem. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(source);
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'} ${issue.message}`)),
    ...slackCredentialProblems(source),
    ...placeholderProblems(source),
    ...membraneCredentialProblems(source),
  ];
  if (
    parsed.success &&
    parsed.data.CONNECTION_SCOPE === 'user' &&
    !(source.MEMBRANE_WORKSPACE_KEY?.trim() && source.MEMBRANE_WORKSPACE_SECRET?.trim())
  ) {
    // A fixed token is one Membrane customer: everyone would share one EspoCRM login.
    problems.push(
      'CONNECTION_SCOPE=user needs MEMBRANE_WORKSPACE_KEY and MEMBRANE_WORKSPACE_SECRET (a fixed MEMBRANE_TOKEN is one customer for everyone)',
    );
  }
  if (
    parsed.success &&
    OAUTH_VARIABLES.every((name) => source[name]?.trim()) &&
    parsed.data.MEMBRANE_TOKEN &&
    !(parsed.data.MEMBRANE_WORKSPACE_KEY && parsed.data.MEMBRANE_WORKSPACE_SECRET)
  ) {
    // The same for workspaces: every installed one would read and write one EspoCRM.
    problems.push(
      'MEMBRANE_TOKEN cannot serve OAuth install (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET): a fixed token is one Membrane customer, so every installed workspace would read and write the same EspoCRM. Set MEMBRANE_WORKSPACE_KEY and MEMBRANE_WORKSPACE_SECRET instead (each workspace then gets its own connection), or leave the SLACK_CLIENT_* settings empty and serve one workspace with SLACK_BOT_TOKEN',
    );
  }
  if (!parsed.success || problems.length) throw new ConfigError([...new Set(problems)]);
  const env = parsed.data;
  return {
    slack: {
      botToken: env.SLACK_BOT_TOKEN,
      signingSecret: env.SLACK_SIGNING_SECRET,
      oauth:
        env.SLACK_CLIENT_ID && env.SLACK_CLIENT_SECRET && env.SLACK_STATE_SECRET
          ? {
              clientId: env.SLACK_CLIENT_ID,
              clientSecret: env.SLACK_CLIENT_SECRET,
              stateSecret: env.SLACK_STATE_SECRET,
            }
          : undefined,
      appToken: env.SLACK_APP_TOKEN,
      apiUrl: env.SLACK_API_URL && (env.SLACK_API_URL.endsWith('/') ? env.SLACK_API_URL : `${env.SLACK_API_URL}/`),
      port: env.PORT,
      host: env.HOST,
      maxConcurrentWork: env.MAX_CONCURRENT_WORK,
    },
    membrane: {
      apiUri: env.MEMBRANE_API_URI.replace(/\/+$/, ''),
      timeoutMs: env.MEMBRANE_TIMEOUT_MS,
      credentials:
        env.MEMBRANE_WORKSPACE_KEY && env.MEMBRANE_WORKSPACE_SECRET
          ? {
              kind: 'workspace',
              workspaceKey: env.MEMBRANE_WORKSPACE_KEY,
              workspaceSecret: env.MEMBRANE_WORKSPACE_SECRET,
            }
          : { kind: 'token', token: env.MEMBRANE_TOKEN ?? '' },
    },
    espocrm: { appUrl: env.ESPOCRM_APP_URL, siteUrl: env.ESPOCRM_URL?.replace(/\/+$/, '') },
    connectionScope: env.CONNECTION_SCOPE,
    databaseUrl: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    logLevel: env.LOG_LEVEL,
    confirmationTtlMs: env.CONFIRMATION_TTL_MINUTES * 60_000,
    openai: env.OPENAI_API_KEY
      ? {
          apiKey: env.OPENAI_API_KEY,
          baseUrl: env.OPENAI_BASE_URL?.replace(/\/+$/, ''),
          model: env.OPENAI_MODEL,
          timeoutMs: env.OPENAI_TIMEOUT_MS,
          seesCrmData: env.MODEL_SEES_CRM_DATA === 'true',
          params: modelParams(env.OPENAI_MODEL, env.OPENAI_BASE_URL, {
            temperature:
              env.OPENAI_TEMPERATURE === undefined || env.OPENAI_TEMPERATURE === 'omit'
                ? env.OPENAI_TEMPERATURE
                : Number(env.OPENAI_TEMPERATURE),
            toolChoice: env.OPENAI_TOOL_CHOICE,
            parallelToolCalls:
              env.OPENAI_PARALLEL_TOOL_CALLS === undefined || env.OPENAI_PARALLEL_TOOL_CALLS === 'omit'
                ? env.OPENAI_PARALLEL_TOOL_CALLS
                : env.OPENAI_PARALLEL_TOOL_CALLS === 'true',
          }),
        }
      : undefined,
    conversation: { turns: env.CONVERSATION_TURNS, maxAgeMs: env.CONVERSATION_MAX_AGE_HOURS * 60 * 60_000 },
    alerts: { publicUrl: env.PUBLIC_URL?.replace(/\/+$/, ''), pollSeconds: env.ALERT_POLL_SECONDS },
    digestTickSeconds: env.DIGEST_TICK_SECONDS,
    shutdownGraceMs: env.SHUTDOWN_GRACE_SECONDS * 1000,
  };
}
