import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

/** The repository's .env.example, read as `npm start` reads a .env copied from it. */
const envExample = parseEnv(readFileSync(join(import.meta.dirname, '..', '..', '.env.example'), 'utf8')) as Record<
  string,
  string
>;

/** A JWT as the Membrane console issues one (the SDK reads only its payload). */
const MEMBRANE_JWT = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from('{"id":"t1"}').toString('base64url')}.sig`;

const valid = {
  SLACK_BOT_TOKEN: 'xoxb-1',
  SLACK_SIGNING_SECRET: 'abcdefgh12345678',
  MEMBRANE_WORKSPACE_KEY: 'k',
  MEMBRANE_WORKSPACE_SECRET: 's',
};

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const config = loadConfig(valid);
    expect(config.slack.port).toBe(3000);
    expect(config.membrane.apiUri).toBe('https://api.getmembrane.com');
    expect(config.espocrm.appUrl).toBe('https://www.espocrm.com/');
    expect(config.connectionScope).toBe('workspace');
    expect(config.databaseUrl).toBe('sqlite:./data/espo-slack.db');
    expect(config.confirmationTtlMs).toBe(15 * 60_000);
    expect(config.membrane.credentials).toEqual({ kind: 'workspace', workspaceKey: 'k', workspaceSecret: 's' });
  });

  it('accepts a fixed Membrane token instead of workspace credentials', () => {
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 'abcdefgh12345678',
      MEMBRANE_TOKEN: MEMBRANE_JWT,
    });
    expect(config.membrane.credentials).toEqual({ kind: 'token', token: MEMBRANE_JWT });
    expect(loadConfig({ ...valid, MEMBRANE_TOKEN: 'pat-123' }).membrane.credentials).toEqual({
      kind: 'workspace',
      workspaceKey: 'k',
      workspaceSecret: 's',
    });
  });

  it('refuses a fixed Membrane token the SDK could not use', () => {
    expect(() =>
      loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'abcdefgh12345678', MEMBRANE_TOKEN: 'tok' }),
    ).toThrow(/MEMBRANE_TOKEN is not a Membrane access token/);
    expect(
      loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'abcdefgh12345678', MEMBRANE_TOKEN: 'pat-123' })
        .membrane.credentials,
    ).toEqual({ kind: 'token', token: 'pat-123' });
  });

  it('names every bad variable in one readable error', () => {
    let error: unknown;
    try {
      loadConfig({
        SLACK_BOT_TOKEN: 'nope',
        PORT: 'eighty',
        CONNECTION_SCOPE: 'team',
        DATABASE_URL: 'mysql://x',
        ESPOCRM_URL: 'not a url',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).message;
    for (const name of [
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'PORT',
      'CONNECTION_SCOPE',
      'DATABASE_URL',
      'ESPOCRM_URL',
      'MEMBRANE_WORKSPACE_KEY',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).toContain('.env.example');
  });

  it('refuses per-person connections on one fixed Membrane token', () => {
    expect(() =>
      loadConfig({
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 'abcdefgh12345678',
        MEMBRANE_TOKEN: MEMBRANE_JWT,
        CONNECTION_SCOPE: 'user',
      }),
    ).toThrow(/CONNECTION_SCOPE=user needs/);
  });

  it('refuses OAuth install on one fixed Membrane token, naming the variables and the way out', () => {
    const oauth = {
      SLACK_CLIENT_ID: '1111.2222',
      SLACK_CLIENT_SECRET: 'client-secret',
      SLACK_STATE_SECRET: 'a-long-random-state-secret',
    };
    const base = { SLACK_SIGNING_SECRET: 'abcdefgh12345678', MEMBRANE_TOKEN: MEMBRANE_JWT };
    let error: unknown;
    try {
      loadConfig({ ...base, ...oauth });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const [problem] = (error as ConfigError).problems;
    expect(problem).toMatch(
      /^MEMBRANE_TOKEN cannot serve OAuth install \(SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET\)/,
    );
    expect(problem).toContain('the same EspoCRM');
    expect(problem).toContain('MEMBRANE_WORKSPACE_KEY and MEMBRANE_WORKSPACE_SECRET');
    // Workspace credentials beside the token win (each workspace its own customer); one workspace on the token is fine.
    expect(
      loadConfig({ ...base, ...oauth, MEMBRANE_WORKSPACE_KEY: 'k', MEMBRANE_WORKSPACE_SECRET: 's' }).membrane
        .credentials.kind,
    ).toBe('workspace');
    expect(loadConfig({ ...base, SLACK_BOT_TOKEN: 'xoxb-1' }).membrane.credentials.kind).toBe('token');
  });

  it('requires both halves of the workspace credentials', () => {
    expect(() => loadConfig({ ...valid, MEMBRANE_WORKSPACE_SECRET: '' })).toThrow(/MEMBRANE_WORKSPACE_SECRET/);
  });

  describe('Slack credentials', () => {
    const oauth = {
      SLACK_CLIENT_ID: '1111.2222',
      SLACK_CLIENT_SECRET: 'client-secret',
      SLACK_STATE_SECRET: 'a-long-random-state-secret',
    };
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
      }
      return [];
    };

    it('runs for one workspace on SLACK_BOT_TOKEN, with no OAuth', () => {
      const config = loadConfig(valid);
      expect(config.slack.botToken).toBe('xoxb-1');
      expect(config.slack.oauth).toBeUndefined();
    });

    it('installs through OAuth with all three settings, and then needs no bot token', () => {
      const { SLACK_BOT_TOKEN: _unused, ...withoutToken } = valid;
      const config = loadConfig({ ...withoutToken, ...oauth });
      expect(config.slack.oauth).toEqual({
        clientId: '1111.2222',
        clientSecret: 'client-secret',
        stateSecret: 'a-long-random-state-secret',
      });
      expect(config.slack.botToken).toBeUndefined();
      // Empty values count as unset, as everywhere.
      expect(loadConfig({ ...withoutToken, ...oauth, SLACK_BOT_TOKEN: '' }).slack.oauth).toBeDefined();
    });

    it('requires a bot token without OAuth, and says the alternative', () => {
      const { SLACK_BOT_TOKEN: _unused, ...withoutToken } = valid;
      const found = problems(withoutToken);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(/^SLACK_BOT_TOKEN is required/);
      expect(found[0]).toContain('SLACK_CLIENT_ID');
    });

    it('wants all three OAuth settings or none, naming the missing ones beside every other problem', () => {
      const { SLACK_BOT_TOKEN: _unused, ...withoutToken } = valid;
      const found = problems({ ...withoutToken, SLACK_CLIENT_ID: '1111.2222', PORT: 'eighty' });
      expect(
        found.some((p) =>
          p.startsWith('SLACK_CLIENT_SECRET, SLACK_STATE_SECRET are required together with SLACK_CLIENT_ID'),
        ),
      ).toBe(true);
      expect(found.some((p) => p.startsWith('PORT'))).toBe(true);
      // Partial OAuth is wrong even beside a bot token: the operator meant one or the other.
      expect(problems({ ...valid, SLACK_CLIENT_SECRET: 's', SLACK_STATE_SECRET: oauth.SLACK_STATE_SECRET })).toEqual([
        expect.stringMatching(/^SLACK_CLIENT_ID is required together with SLACK_CLIENT_SECRET, SLACK_STATE_SECRET/),
      ]);
    });

    it('refuses a state secret too short to sign anything', () => {
      expect(problems({ ...valid, ...oauth, SLACK_STATE_SECRET: 'short' })).toEqual([
        expect.stringMatching(/^SLACK_STATE_SECRET is too short/),
      ]);
    });

    it('still checks the shape of a bot token given beside OAuth', () => {
      expect(problems({ ...valid, ...oauth, SLACK_BOT_TOKEN: 'nope' })).toEqual([
        expect.stringMatching(/^SLACK_BOT_TOKEN must be a Slack token/),
      ]);
    });
  });

  describe('.env.example', () => {
    // What README's step 3 asks a new user to fill in.
    const readmeStep3 = {
      SLACK_BOT_TOKEN: 'xoxb-1234-5678-abcdefghijkl',
      SLACK_SIGNING_SECRET: '8f742231b10e8888abcd99yyyzzz85a5',
      MEMBRANE_WORKSPACE_KEY: 'a0b1c2d3-workspace-key',
      MEMBRANE_WORKSPACE_SECRET: 'f00dfeed-workspace-secret',
      ESPOCRM_URL: 'https://crm.example.com',
    };

    it('lists every variable the config reads, and nothing else', () => {
      const source = readFileSync(join(import.meta.dirname, '..', '..', 'src', 'config', 'config.ts'), 'utf8');
      // The environment schema's own keys: from `const envSchema` to the end of its object.
      const schema = source.slice(
        source.indexOf('const envSchema'),
        source.indexOf('\n});', source.indexOf('const envSchema')),
      );
      const read = [...schema.matchAll(/^\s{2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!).sort();
      expect(Object.keys(envExample).sort()).toEqual(read);
    });

    it('starts in Socket Mode when filled in as README says', () => {
      const config = loadConfig({ ...envExample, ...readmeStep3, SLACK_APP_TOKEN: 'xapp-1-A111-222-abc' });
      expect(config.slack.appToken).toBe('xapp-1-A111-222-abc');
      expect(config.slack.apiUrl).toBeUndefined();
      expect(config.openai).toBeUndefined();
      expect(config.alerts.publicUrl).toBeUndefined();
      expect(config.espocrm).toEqual({ appUrl: 'https://www.espocrm.com/', siteUrl: 'https://crm.example.com' });
      expect(config.databaseUrl).toBe('sqlite:./data/espo-slack.db');
    });

    it('starts in HTTP mode when filled in without an app token', () => {
      const config = loadConfig({ ...envExample, ...readmeStep3 });
      expect(config.slack.appToken).toBeUndefined();
      expect(config.slack.port).toBe(3000);
      expect(config.slack.host).toBe('0.0.0.0');
      expect(config.membrane.credentials).toEqual({
        kind: 'workspace',
        workspaceKey: 'a0b1c2d3-workspace-key',
        workspaceSecret: 'f00dfeed-workspace-secret',
      });
      expect(config.slack.oauth).toBeUndefined();
    });

    it('turns plain language on with the key, and an empty base URL means OpenAI', () => {
      const config = loadConfig({ ...envExample, ...readmeStep3, OPENAI_API_KEY: 'sk-1' });
      expect(config.openai).toMatchObject({
        apiKey: 'sk-1',
        baseUrl: undefined,
        model: 'gpt-4.1-mini',
        timeoutMs: 15_000,
      });
    });

    it('copied as it is, says what to fill in, and nothing else', () => {
      let error: unknown;
      try {
        loadConfig(envExample);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const found = (error as ConfigError).problems;
      expect(found).toEqual([
        expect.stringMatching(
          /^SLACK_BOT_TOKEN still holds the placeholder from \.env\.example: .*OAuth & Permissions/,
        ),
        expect.stringMatching(
          /^SLACK_SIGNING_SECRET still holds the placeholder from \.env\.example: .*Basic Information/,
        ),
        expect.stringMatching(/^MEMBRANE_WORKSPACE_KEY is required/),
      ]);
    });

    it('keeps the bot token placeholder out of the way when workspaces install through OAuth', () => {
      const oauth = {
        SLACK_CLIENT_ID: '1111.2222',
        SLACK_CLIENT_SECRET: 'client-secret',
        SLACK_STATE_SECRET: 'a-long-random-state-secret',
      };
      const { SLACK_BOT_TOKEN: _placeholder, ...filled } = readmeStep3;
      expect(loadConfig({ ...envExample, ...filled, ...oauth }).slack.oauth).toBeDefined();
    });
  });

  it('treats an empty or blank optional variable as unset, every one of them', () => {
    const optional = Object.keys(envExample).filter(
      (name) =>
        !['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'MEMBRANE_WORKSPACE_KEY', 'MEMBRANE_WORKSPACE_SECRET'].includes(
          name,
        ),
    );
    const defaults = loadConfig(valid);
    for (const blank of ['', '  ']) {
      const config = loadConfig({ ...valid, ...Object.fromEntries(optional.map((name) => [name, blank])) });
      expect(config).toEqual(defaults);
    }
  });
});

describe('model parameters', () => {
  const params = (env: Record<string, string>) =>
    loadConfig({ ...valid, OPENAI_API_KEY: 'sk-1', ...env }).openai?.params;

  it('sends temperature 0, tool_choice required and no parallel calls by default', () => {
    expect(params({})).toEqual({ temperature: 0, toolChoice: 'required', parallelToolCalls: false });
    expect(params({ OPENAI_MODEL: 'gpt-4o' })).toEqual({
      temperature: 0,
      toolChoice: 'required',
      parallelToolCalls: false,
    });
  });

  it('knows the families that refuse some of them', () => {
    // Reasoning models take only the default temperature; the o-series no parallel_tool_calls.
    expect(params({ OPENAI_MODEL: 'gpt-5-mini' })).toEqual({ toolChoice: 'required', parallelToolCalls: false });
    expect(params({ OPENAI_MODEL: 'openai/gpt-5.1' })).toEqual({ toolChoice: 'required', parallelToolCalls: false });
    expect(params({ OPENAI_MODEL: 'o4-mini' })).toEqual({ toolChoice: 'required' });
    expect(params({ OPENAI_MODEL: 'O3' })).toEqual({ toolChoice: 'required' });
    // Ollama has no tool_choice or parallel_tool_calls; temperature it takes.
    expect(params({ OPENAI_MODEL: 'llama3.1:8b', OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' })).toEqual({
      temperature: 0,
    });
    expect(params({ OPENAI_MODEL: 'qwen3', OPENAI_BASE_URL: 'http://ollama:8080/v1' })).toEqual({ temperature: 0 });
    // An Ollama name's tag is not read as a family: these are not reasoning models by their names.
    for (const model of ['qwen2.5:7b', 'gpt-oss:20b', 'mistral-nemo:latest'])
      expect(params({ OPENAI_MODEL: model, OPENAI_BASE_URL: 'http://localhost:11434/v1' })).toEqual({ temperature: 0 });
  });

  it('lets each be set, or never sent', () => {
    expect(
      params({
        OPENAI_MODEL: 'gpt-5',
        OPENAI_TEMPERATURE: '1',
        OPENAI_TOOL_CHOICE: 'auto',
        OPENAI_PARALLEL_TOOL_CALLS: 'omit',
      }),
    ).toEqual({ temperature: 1, toolChoice: 'auto' });
    expect(
      params({ OPENAI_TEMPERATURE: 'omit', OPENAI_TOOL_CHOICE: 'omit', OPENAI_PARALLEL_TOOL_CALLS: 'true' }),
    ).toEqual({ parallelToolCalls: true });
    expect(
      params({
        OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1',
        OPENAI_TOOL_CHOICE: 'required',
        OPENAI_TEMPERATURE: '0.3',
      }),
    ).toEqual({ temperature: 0.3, toolChoice: 'required' });
  });

  it('names a bad setting', () => {
    expect(() =>
      params({ OPENAI_TEMPERATURE: 'hot', OPENAI_TOOL_CHOICE: 'always', OPENAI_PARALLEL_TOOL_CALLS: 'no' }),
    ).toThrow(
      /OPENAI_TEMPERATURE must be a number from 0 to 2, or omit[\s\S]*OPENAI_TOOL_CHOICE must be required, auto or omit[\s\S]*OPENAI_PARALLEL_TOOL_CALLS must be false, true or omit/,
    );
    expect(() => params({ OPENAI_TEMPERATURE: '3' })).toThrow(/OPENAI_TEMPERATURE/);
  });
});

describe('MODEL_SEES_CRM_DATA', () => {
  const sees = (env: Record<string, string>) =>
    loadConfig({ ...valid, OPENAI_API_KEY: 'sk-1', ...env }).openai?.seesCrmData;

  it('lets the model see record names unless it is false', () => {
    expect(sees({})).toBe(true);
    expect(sees({ MODEL_SEES_CRM_DATA: '' })).toBe(true);
    expect(sees({ MODEL_SEES_CRM_DATA: 'true' })).toBe(true);
    expect(sees({ MODEL_SEES_CRM_DATA: 'false' })).toBe(false);
    expect(() => sees({ MODEL_SEES_CRM_DATA: 'no' })).toThrow(/MODEL_SEES_CRM_DATA must be true or false/);
  });
});
