import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from './config/config.js';
import { SettingError } from './config/setting-error.js';
import { closeLog, createLogger, type AppLogger } from './observability/logger.js';
import type { RunningApp } from './app.js';
import { startChecked } from './startup.js';

/**
 * The bot could not start: one message on stderr that says why (naming the variable when a setting
 * is to blame), exit code 1. The stack is for whoever asks for it: the log, at debug level.
 */
async function cannotStart(error: unknown, logger?: AppLogger): Promise<never> {
  const message =
    error instanceof ConfigError
      ? error.message
      : error instanceof SettingError
        ? `The bot cannot start: ${error.message}`
        : `The bot cannot start: ${error instanceof Error ? error.message : String(error)}. LOG_LEVEL=debug logs the details.`;
  process.stderr.write(`${message}\n`);
  if (logger) {
    logger.debug({ err: error }, 'start-up failed');
    await closeLog(logger);
  }
  process.exit(1);
}

async function main(): Promise<void> {
  // `npm start` reads .env when there is one; real deployments set the environment directly.
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    return cannotStart(error);
  }
  const logger = createLogger(config.logLevel);
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));

  let app: RunningApp | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (!app) {
      // Still starting (Socket Mode waits for Slack): there is no work in hand to finish.
      logger.info({ signal }, 'stopped before the start completed');
      await closeLog(logger);
      process.exit(0);
    }
    logger.info({ signal, graceSeconds: config.shutdownGraceMs / 1000 }, 'shutting down: finishing the work in hand');
    // Should closing itself hang (a stuck socket), the process still ends a little after the grace period.
    setTimeout(() => {
      logger.error({}, 'shutdown took too long: exiting anyway');
      void closeLog(logger).finally(() => process.exit(1));
    }, config.shutdownGraceMs + 5_000).unref();
    let code = 0;
    try {
      await app.stop();
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      code = 1;
    } finally {
      // Not logger.flush(): with stdout's reader gone, pino's flush retries forever (closeLog).
      await closeLog(logger);
      process.exit(code);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  try {
    app = await startChecked(config, logger);
  } catch (error) {
    await cannotStart(error, logger);
  }
}

main().catch((error: unknown) => cannotStart(error));
