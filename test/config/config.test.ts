import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

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
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'abcdefgh12345678', MEMBRANE_TOKEN: 'tok' });
    expect(config.membrane.credentials).toEqual({ kind: 'token', token: 'tok' });
  });

  it('names every bad variable in one readable error', () => {
    let error: unknown;
    try {
      loadConfig({ SLACK_BOT_TOKEN: 'nope', PORT: 'eighty', CONNECTION_SCOPE: 'team', DATABASE_URL: 'mysql://x', ESPOCRM_URL: 'not a url' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).message;
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'PORT', 'CONNECTION_SCOPE', 'DATABASE_URL', 'ESPOCRM_URL', 'MEMBRANE_WORKSPACE_KEY']) {
      expect(text).toContain(name);
    }
    expect(text).toContain('.env.example');
  });

  it('refuses per-person connections on one fixed Membrane token', () => {
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'abcdefgh12345678', MEMBRANE_TOKEN: 'tok', CONNECTION_SCOPE: 'user' })).toThrow(
      /CONNECTION_SCOPE=user needs/,
    );
  });

  it('requires both halves of the workspace credentials', () => {
    expect(() => loadConfig({ ...valid, MEMBRANE_WORKSPACE_SECRET: '' })).toThrow(/MEMBRANE_WORKSPACE_SECRET/);
  });

  describe('Slack credentials', () => {
    const oauth = { SLACK_CLIENT_ID: '1111.2222', SLACK_CLIENT_SECRET: 'client-secret', SLACK_STATE_SECRET: 'a-long-random-state-secret' };
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
      expect(config.slack.oauth).toEqual({ clientId: '1111.2222', clientSecret: 'client-secret', stateSecret: 'a-long-random-state-secret' });
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
      expect(found.some((p) => p.startsWith('SLACK_CLIENT_SECRET, SLACK_STATE_SECRET are required together with SLACK_CLIENT_ID'))).toBe(true);
      expect(found.some((p) => p.startsWith('PORT'))).toBe(true);
      // Partial OAuth is wrong even beside a bot token: the operator meant one or the other.
      expect(problems({ ...valid, SLACK_CLIENT_SECRET: 's', SLACK_STATE_SECRET: oauth.SLACK_STATE_SECRET })).toEqual([
        expect.stringMatching(/^SLACK_CLIENT_ID is required together with SLACK_CLIENT_SECRET, SLACK_STATE_SECRET/),
      ]);
    });

    it('refuses a state secret too short to sign anything', () => {
      expect(problems({ ...valid, ...oauth, SLACK_STATE_SECRET: 'short' })).toEqual([expect.stringMatching(/^SLACK_STATE_SECRET is too short/)]);
    });

    it('still checks the shape of a bot token given beside OAuth', () => {
      expect(problems({ ...valid, ...oauth, SLACK_BOT_TOKEN: 'nope' })).toEqual([expect.stringMatching(/^SLACK_BOT_TOKEN must be a Slack token/)]);
    });
  });
});

describe('model parameters', () => {
  const params = (env: Record<string, string>) => loadConfig({ ...valid, OPENAI_API_KEY: 'sk-1', ...env }).openai?.params;

  it('sends temperature 0, tool_choice required and no parallel calls by default', () => {
    expect(params({})).toEqual({ temperature: 0, toolChoice: 'required', parallelToolCalls: false });
    expect(params({ OPENAI_MODEL: 'gpt-4o' })).toEqual({ temperature: 0, toolChoice: 'required', parallelToolCalls: false });
  });

  it('knows the families that refuse some of them', () => {
    // Reasoning models take only the default temperature; the o-series no parallel_tool_calls.
    expect(params({ OPENAI_MODEL: 'gpt-5-mini' })).toEqual({ toolChoice: 'required', parallelToolCalls: false });
    expect(params({ OPENAI_MODEL: 'openai/gpt-5.1' })).toEqual({ toolChoice: 'required', parallelToolCalls: false });
    expect(params({ OPENAI_MODEL: 'o4-mini' })).toEqual({ toolChoice: 'required' });
    expect(params({ OPENAI_MODEL: 'O3' })).toEqual({ toolChoice: 'required' });
    // Ollama has no tool_choice or parallel_tool_calls; temperature it takes.
    expect(params({ OPENAI_MODEL: 'llama3.1:8b', OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' })).toEqual({ temperature: 0 });
    expect(params({ OPENAI_MODEL: 'qwen3', OPENAI_BASE_URL: 'http://ollama:8080/v1' })).toEqual({ temperature: 0 });
  });

  it('lets each be set, or never sent', () => {
    expect(params({ OPENAI_MODEL: 'gpt-5', OPENAI_TEMPERATURE: '1', OPENAI_TOOL_CHOICE: 'auto', OPENAI_PARALLEL_TOOL_CALLS: 'omit' })).toEqual({ temperature: 1, toolChoice: 'auto' });
    expect(params({ OPENAI_TEMPERATURE: 'omit', OPENAI_TOOL_CHOICE: 'omit', OPENAI_PARALLEL_TOOL_CALLS: 'true' })).toEqual({ parallelToolCalls: true });
    expect(params({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1', OPENAI_TOOL_CHOICE: 'required', OPENAI_TEMPERATURE: '0.3' })).toEqual({ temperature: 0.3, toolChoice: 'required' });
  });

  it('names a bad setting', () => {
    expect(() => params({ OPENAI_TEMPERATURE: 'hot', OPENAI_TOOL_CHOICE: 'always', OPENAI_PARALLEL_TOOL_CALLS: 'no' })).toThrow(
      /OPENAI_TEMPERATURE must be a number from 0 to 2, or omit[\s\S]*OPENAI_TOOL_CHOICE must be required, auto or omit[\s\S]*OPENAI_PARALLEL_TOOL_CALLS must be false, true or omit/,
    );
    expect(() => params({ OPENAI_TEMPERATURE: '3' })).toThrow(/OPENAI_TEMPERATURE/);
  });
});
