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
});
