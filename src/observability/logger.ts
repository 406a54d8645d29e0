import { pino, type Logger as PinoLogger } from 'pino';
import { currentRequestId } from './request-scope.js';

/**
 * Structured JSON logs. Tokens and secrets are redacted by path wherever they could appear
 * (config objects, Slack payloads, axios errors from the SDKs), so a log line can be shared safely.
 * A line written while a request is being worked on carries its `requestId`.
 */
export type AppLogger = PinoLogger;

export function createLogger(level: string, destination?: NodeJS.WritableStream): AppLogger {
  return pino(
    {
      level,
      base: { service: 'espo-slack' },
      mixin: () => {
        const requestId = currentRequestId();
        return requestId ? { requestId } : {};
      },
      redact: {
        paths: [
          '*.token',
          '*.botToken',
          '*.appToken',
          '*.signingSecret',
          '*.workspaceSecret',
          '*.apiKey',
          '*.headers.authorization',
          '*.headers.Authorization',
          '*.config.headers',
          'err.config',
          'err.request',
          'err.response.config',
          'err.response.request',
        ],
        censor: '[redacted]',
      },
      serializers: { err: pino.stdSerializers.err },
    },
    // Asynchronous writes (coalesced while one is in flight): synchronous writes into a pipe cost
    // ~0.3 ms a line under load. main.ts flushes on shutdown.
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/**
 * Before the process exits: ends the log, so the lines still queued are written, and resolves when
 * they are, or when stdout fails (its reader is gone). Exiting with lines queued would leave them to
 * pino's exit hook, whose synchronous flush (sonic-boom 4) retries a broken pipe (EPIPE) forever: the
 * process would never end, whatever signal asked it to. Should stdout not take the lines within
 * `timeoutMs` (its reader stalled, or gone with a write in flight), they are dropped.
 */
export function closeLog(logger: AppLogger, timeoutMs = 500): Promise<void> {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as {
    destroyed?: boolean;
    end?: () => void;
    destroy?: () => void;
    once?: (event: string, listener: () => void) => void;
  };
  // Once stdout has failed with EPIPE, pino replaces the stream's methods with no-ops of its own
  // (own properties): nothing more can be written, so nothing is waited for.
  const gone = stream.destroyed || Object.hasOwn(stream, 'end');
  if (gone || typeof stream.end !== 'function' || typeof stream.once !== 'function') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try {
        stream.destroy?.();
      } finally {
        resolve();
      }
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    stream.once!('close', done);
    stream.once!('error', done);
    stream.end!();
  });
}
