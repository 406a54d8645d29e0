import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import {
  defaultBodyLimit,
  HTTPModuleFunctions,
  HTTPReceiver,
  isRawBodyError,
  type HTTPReceiverOptions,
  type ReceiverProcessEventErrorHandlerArgs,
} from '@slack/bolt';
import type { AppLogger } from '../observability/logger.js';
import { UnreadablePayloadError } from './payload-screen.js';

/**
 * Bolt's HTTPReceiver with a screen in front of its Slack endpoint and our answer to what it
 * cannot process. The screen reads the body and verifies its signature and timestamp with Bolt's
 * own function, refuses what is not signed (401) and what is too large (413, closing the
 * connection), answers 400 to a signed body that is not a JSON object (Bolt reads
 * `body.ssl_check` from whatever the body parses to, and a `null` would throw where nothing
 * catches it), and hands the rest, already buffered and verified, to Bolt (which then skips its
 * own verification: one HMAC per request, not two). What Bolt's App cannot read inside an object
 * is screened where every request enters it (payload-screen.ts).
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
      if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://localhost').pathname !== endpoint)
        return bolt(req, res);
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

async function screen(
  req: IncomingMessage,
  res: ServerResponse,
  bolt: RequestListener,
  logger: AppLogger,
  signingSecret: string,
): Promise<void> {
  let buffered: IncomingMessage & { rawBody: Buffer };
  try {
    // Bolt's own body limit (the app sets none of its own).
    buffered = await HTTPModuleFunctions.parseAndVerifyHTTPRequest({ signingSecret, bodyLimit: defaultBodyLimit }, req);
  } catch (error) {
    if (isRawBodyError(error)) {
      logger.warn({ err: error }, 'a Slack request body could not be read');
      // The body was left unread (raw-body pauses it): the connection cannot carry another
      // request, and kept open it would hold a graceful stop until its idle timeout.
      if ((error as { statusCode?: number }).statusCode === 413)
        return void res.writeHead(413, { connection: 'close' }).end();
      return void res.writeHead(400).end();
    }
    logger.warn(
      { reason: (error as Error).message },
      'a request to the Slack endpoint is not signed by Slack (or is stale): answered 401',
    );
    return void res.writeHead(401).end();
  }
  if (parsesToNonObject(buffered)) {
    logger.warn({ contentType: req.headers['content-type'] }, 'a signed request is not a JSON object: answered 400');
    return void res.writeHead(400).end();
  }
  bolt(buffered, res);
}

/**
 * Whether the body parses, as Bolt parses it, to something other than an object. One that does
 * not parse at all is Bolt's to answer (400).
 */
function parsesToNonObject(req: IncomingMessage & { rawBody: Buffer }): boolean {
  try {
    const body: unknown = HTTPModuleFunctions.parseHTTPRequestBody(req);
    return typeof body !== 'object' || body === null || Array.isArray(body);
  } catch {
    return false;
  }
}

/**
 * What the HTTP receiver answers when Bolt fails on a request before it is acknowledged. A payload
 * the screen refused is a 400. Anything else is our failure (an installation store that does not
 * answer, say): a 500, so Slack retries an event later, and a person sees at once that a command
 * or a click failed.
 */
function processEventErrorHandler(logger: AppLogger) {
  return async ({ error, response }: ReceiverProcessEventErrorHandlerArgs): Promise<boolean> => {
    if (response.headersSent) {
      logger.error({ err: error }, 'a Slack request failed after it was acknowledged');
      return false;
    }
    if (error instanceof UnreadablePayloadError) {
      response.writeHead(400).end();
      return true;
    }
    logger.error(
      { err: error },
      'a Slack request failed before its acknowledgement: answered 500, so Slack retries it',
    );
    response.writeHead(500).end();
    return true;
  };
}
