import { startSandbox } from './sandbox.js';

/**
 * `npm run sandbox`: the real bot with no accounts. It reads only SANDBOX_PORT, SANDBOX_HOST and
 * OPENAI_* from its environment, never the developer's .env: the bot is configured by the sandbox.
 */
const port = Number(process.env.SANDBOX_PORT ?? 3100);
const host = process.env.SANDBOX_HOST ?? '127.0.0.1';
const print = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`SANDBOX_PORT must be a port number, not ${process.env.SANDBOX_PORT}`);
  const openai = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('OPENAI_')));
  const sandbox = await startSandbox({ port, host, openai });
  print(`EspoCRM for Slack, sandbox: open ${sandbox.url}`);
  print(`  the bot: ${sandbox.botUrl} (unmodified; its log: ${sandbox.logFile})`);
  print(
    `  plain language: ${openai.OPENAI_API_KEY ? `the model ${openai.OPENAI_MODEL ?? '(default)'}${openai.OPENAI_BASE_URL ? ` at ${openai.OPENAI_BASE_URL}` : ''}, after the fast path` : 'the fast path only (set OPENAI_API_KEY for a model)'}`,
  );
  print('  Ctrl-C stops everything.');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      print('Stopping at once.');
      process.exit(1);
    }
    stopping = true;
    print(`\n${signal}: stopping the sandbox…`);
    sandbox.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(
          `the sandbox did not stop cleanly: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`the sandbox could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
