/**
 * Runs at most `limit` pieces of work at once, the rest in arrival order. Listeners ack first and
 * then queue their work here: with every in-flight command's render and reply competing for the
 * event loop, a burst of commands would otherwise delay the acks of the last ones to arrive
 * (Slack allows 3 seconds). It also keeps a burst from becoming a burst of Membrane calls.
 */
export class WorkLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) {
      // The finishing task hands its slot straight over, so no newcomer can slip in between.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else if (--this.active === 0) this.idleWaiters.splice(0).forEach((wake) => wake());
    }
  }

  get queued(): number {
    return this.waiting.length;
  }

  get running(): number {
    return this.active;
  }

  /** Resolves once nothing is running or waiting (at once when idle): shutdown finishes acked work first. */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
