import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from './config/config.js';
import { closeLog, createLogger } from './observability/logger.js';
import { startApp } from './app.js';

// `npm start` reads .env when there is one; real deployments set the environment directly.
if (existsSync('.env')) process.loadEnvFile('.env');

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const app = await startApp(config, { logger });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
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
      await closeLog(logger);
      process.exit(code);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
}

main().catch((error: unknown) => {
  process.stderr.write(`espo-slack failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
