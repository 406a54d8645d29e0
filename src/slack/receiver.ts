import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { defaultBodyLimit, HTTPModuleFunctions, HTTPReceiver, isRawBodyError, type HTTPReceiverOptions, type ReceiverProcessEventErrorHandlerArgs } from '@slack/bolt';
import type { AppLogger } from '../observability/logger.js';

/**
 * Bolt's HTTPReceiver with a screen in front of its Slack endpoint and our answer to what it
 * cannot process. Bolt reads `body.ssl_check` from whatever the body parses to, so a request whose
 * JSON is `null` throws where nothing catches it: an unhandled rejection, and a request never
 * answered. The screen reads the body and verifies its signature and timestamp with Bolt's own
 * function, refuses what is not signed (401), answers 400 to a signed body that is not a JSON
 * object, and hands the rest, already buffered and verified, to Bolt (which then skips its own
 * verification: one HMAC per request, not two).
 */
export class ScreenedHTTPReceiver extends HTTPReceiver {
  private closingConnections = false;
  /** Responses not yet sent, so shutdown can make each end its connection. */
  private readonly pending = new Set<ServerResponse>();

  constructor(options: HTTPReceiverOptions & { endpoints: string }, logger: AppLogger) {
    super({ ...options, signatureVerification: false, processEventErrorHandler: processEventErrorHandler(logger) });
    const bolt = this.requestListener;
    const endpoint = options.endpoints;
    const { signingSecret } = options;
    this.requestListener = (req, res) => {
      // Shutting down: a keep-alive connection ends with the response it is carrying, instead of
      // staying open (and taking more requests) until its idle timeout.
      if (this.closingConnections) res.shouldKeepAlive = false;
      else {
        this.pending.add(res);
        res.once('close', () => this.pending.delete(res));
      }
      if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://localhost').pathname !== endpoint) return bolt(req, res);
      screen(req, res, bolt, logger, signingSecret).catch((error: unknown) => {
        logger.error({ err: error }, 'a Slack request could not be read');
        if (!res.headersSent) res.writeHead(500).end();
      });
    };
  }

  /** From now on every response closes its connection (shutdown: no connection outlives its request). */
  closeConnectionsAfterResponses(): void {
    this.closingConnections = true;
    for (const res of this.pending) if (!res.headersSent) res.shouldKeepAlive = false;
    this.pending.clear();
  }
}

async function screen(req: IncomingMessage, res: ServerResponse, bolt: RequestListener, logger: AppLogger, signingSecret: string): Promise<void> {
  let buffered: IncomingMessage & { rawBody: Buffer };
  try {
    // Bolt's own body limit (the app sets none of its own).
    buffered = await HTTPModuleFunctions.parseAndVerifyHTTPRequest({ signingSecret, bodyLimit: defaultBodyLimit }, req);
  } catch (error) {
    if (isRawBodyError(error)) {
      logger.warn({ err: error }, 'a Slack request body could not be read');
      return void res.writeHead((error as { statusCode?: number }).statusCode === 413 ? 413 : 400).end();
    }
    logger.warn({ reason: (error as Error).message }, 'a request to the Slack endpoint is not signed by Slack (or is stale): answered 401');
    return void res.writeHead(401).end();
  }
  const problem = unreadableByBolt(buffered);
  if (problem) {
    logger.warn({ contentType: req.headers['content-type'], problem }, 'a signed request is not shaped like anything Slack sends: answered 400');
    return void res.writeHead(400).end();
  }
  bolt(buffered, res);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Why Bolt could not read the body, parsed as Bolt will parse it: not an object, or an envelope
 * part Bolt reads without checking (found by fuzzing: `event`, `actions`, `view`) of the wrong
 * shape. Undefined when Bolt can take it, or when it does not parse (Bolt answers that itself).
 */
function unreadableByBolt(req: IncomingMessage & { rawBody: Buffer }): string | undefined {
  let body: unknown;
  try {
    body = HTTPModuleFunctions.parseHTTPRequestBody(req);
  } catch {
    return undefined;
  }
  if (!isObject(body)) return 'not a JSON object';
  if ((body.type === 'event_callback' || 'event' in body) && !isObject(body.event)) return 'event is not an object';
  if ('actions' in body && !(Array.isArray(body.actions) && body.actions.every(isObject))) return 'actions is not a list of objects';
  if ('view' in body && !isObject(body.view)) return 'view is not an object';
  return undefined;
}

/**
 * What the HTTP receiver answers when Bolt fails on a request before it is acknowledged: our
 * failure (the screen has already turned away what Bolt cannot read; a workspace without an
 * installation is acknowledged and dropped by app.ts, while an installation store that does not
 * answer reaches here): a 500, so Slack retries an event later, and a person sees at once that a
 * command or a click failed.
 */
function processEventErrorHandler(logger: AppLogger) {
  return async ({ error, response }: ReceiverProcessEventErrorHandlerArgs): Promise<boolean> => {
    if (response.headersSent) {
      logger.error({ err: error }, 'a Slack request failed after it was acknowledged');
      return false;
    }
    logger.error({ err: error }, 'a Slack request failed before its acknowledgement: answered 500, so Slack retries it');
    response.writeHead(500).end();
    return true;
  };
}
