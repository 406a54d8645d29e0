import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * What the bot counts, served at `/metrics` in Prometheus' text format. One registry per running
 * app (tests and the bench start several in one process). Label values are bounded sets: request
 * kinds, reply kinds and error codes, Membrane operations without record ids.
 */
export interface MetricsOptions {
  /** Work waiting for and holding a WorkLimiter slot, read when Prometheus scrapes. */
  workQueue?: () => { queued: number; active: number };
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'kind' | 'outcome' | 'code'>;
  private readonly requestSeconds: Histogram<'kind'>;
  private readonly membraneCalls: Counter<'operation' | 'outcome'>;
  private readonly membraneSeconds: Histogram<'operation'>;
  private readonly modelCalls: Counter<'outcome'>;
  private readonly modelSeconds: Histogram;
  private readonly modelTokens: Counter<'type'>;
  private readonly webhookBatches: Counter<'outcome'>;
  private readonly slackPosts: Counter<'purpose' | 'outcome'>;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'espo_slack_' });
    this.requests = new Counter({
      name: 'espo_slack_requests_total',
      help: 'Slack requests worked on, by kind (command, confirm, mention, ...), outcome (the reply kind, or error) and error code',
      labelNames: ['kind', 'outcome', 'code'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'espo_slack_request_duration_seconds',
      help: "Time from the start of a request's work (after its ack) to its reply, by kind",
      labelNames: ['kind'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.membraneCalls = new Counter({
      name: 'espo_slack_membrane_calls_total',
      help: 'Calls to Membrane (each attempt), by operation and outcome: ok, transient (a read failed in a passing way: tried again while its deadline allows), error',
      labelNames: ['operation', 'outcome'],
      registers,
    });
    this.membraneSeconds = new Histogram({
      name: 'espo_slack_membrane_call_duration_seconds',
      help: 'Duration of one call to Membrane (one attempt), by operation',
      labelNames: ['operation'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.modelCalls = new Counter({
      name: 'espo_slack_model_calls_total',
      help: 'Calls to the language model, by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.modelSeconds = new Histogram({
      name: 'espo_slack_model_call_duration_seconds',
      help: 'Duration of one call to the language model',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.modelTokens = new Counter({
      name: 'espo_slack_model_tokens_total',
      help: 'Tokens the language model reported, by type (prompt, completion)',
      labelNames: ['type'],
      registers,
    });
    this.webhookBatches = new Counter({
      name: 'espo_slack_webhook_batches_total',
      help: 'EspoCRM webhook batches received, by outcome (accepted, gone, unauthorized, malformed, too_large)',
      labelNames: ['outcome'],
      registers,
    });
    this.slackPosts = new Counter({
      name: 'espo_slack_messages_posted_total',
      help: 'Messages the bot posted on its own (alerts, digests), by purpose and outcome',
      labelNames: ['purpose', 'outcome'],
      registers,
    });
    const { workQueue } = options;
    if (workQueue) {
      new Gauge({
        name: 'espo_slack_work_queue',
        help: 'Requests acknowledged and waiting for a work slot (state=queued) or being worked on (state=active)',
        labelNames: ['state'],
        registers,
        collect() {
          const { queued, active } = workQueue();
          this.set({ state: 'queued' }, queued);
          this.set({ state: 'active' }, active);
        },
      });
    }
  }

  request(kind: string, outcome: string, code: string | undefined, seconds: number): void {
    this.requests.inc({ kind, outcome, code: code ?? '' });
    this.requestSeconds.observe({ kind }, seconds);
  }

  /** One Membrane call: `operation` is the gateway's name for it (`action.run:list-leads` counts as `action.run`). */
  membraneCall(operation: string, outcome: 'ok' | 'transient' | 'error', seconds: number): void {
    const name = operation.startsWith('action.run:') ? 'action.run' : operation;
    this.membraneCalls.inc({ operation: name, outcome });
    this.membraneSeconds.observe({ operation: name }, seconds);
  }

  modelCall(outcome: 'ok' | 'error', seconds: number, tokens: { prompt: number; completion: number }): void {
    this.modelCalls.inc({ outcome });
    this.modelSeconds.observe(seconds);
    if (tokens.prompt) this.modelTokens.inc({ type: 'prompt' }, tokens.prompt);
    if (tokens.completion) this.modelTokens.inc({ type: 'completion' }, tokens.completion);
  }

  webhookBatch(outcome: 'accepted' | 'gone' | 'unauthorized' | 'malformed' | 'too_large'): void {
    this.webhookBatches.inc({ outcome });
  }

  posted(purpose: 'alert' | 'digest', outcome: 'ok' | 'error'): void {
    this.slackPosts.inc({ purpose, outcome });
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
