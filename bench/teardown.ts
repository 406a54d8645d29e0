/**
 * Everything the bench starts (bot processes, fake servers, the load generator, a PostgreSQL schema,
 * temporary directories) says here how to stop it. What its owner does not stop itself is stopped,
 * newest first, when the run ends, throws, or is interrupted (SIGINT, SIGTERM): a failed or
 * interrupted bench leaves no bot running behind it.
 */
const pending = new Set<() => Promise<void>>();
let tearingDown: Promise<void> | undefined;

/**
 * Registers how to stop something just started. The returned function stops it now (its owner is
 * done with it); either way the step runs once.
 */
export function onTeardown(step: () => unknown): () => Promise<void> {
  let ran: Promise<void> | undefined;
  const run = () =>
    (ran ??= (async () => {
      pending.delete(run);
      await step();
    })());
  pending.add(run);
  return run;
}

/**
 * Stops everything still running, newest first; a step that fails is reported and the rest go on.
 * Called again (a failure while an interrupt is being handled), it returns the same teardown.
 */
export function teardown(): Promise<void> {
  tearingDown ??= (async () => {
    for (const run of [...pending].reverse()) {
      await run().catch((error: unknown) => console.error('teardown:', error));
    }
  })();
  return tearingDown;
}

/**
 * Runs the bench's `main` and then its teardown, also when `main` throws (exit code 1) or the bench
 * is interrupted (exit code 130 for SIGINT, 143 for SIGTERM).
 */
export function runBench(main: () => Promise<void>): void {
  let interrupted = false;
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      console.error(`\n${signal}: stopping everything the bench started`);
      void teardown().finally(() => process.exit(code));
    });
  }
  main().then(
    () => teardown(),
    async (error: unknown) => {
      // Interrupted: the bots stopping made the run fail; the signal's teardown ends the process.
      if (interrupted) return;
      console.error(error);
      await teardown();
      process.exit(1);
    },
  );
}
