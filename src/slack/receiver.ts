import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { defaultBodyLimit, ErrorCode, HTTPModuleFunctions, HTTPReceiver, isRawBodyError, type HTTPReceiverOptions, type ReceiverProcessEventErrorHandlerArgs } from '@slack/bolt';
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
  constructor(options: HTTPReceiverOptions & { endpoints: string }, logger: AppLogger) {
    super({ ...options, signatureVerification: false, processEventErrorHandler: processEventErrorHandler(logger) });
    const bolt = this.requestListener;
    const endpoint = options.endpoints;
    const { signingSecret } = options;
    this.requestListener = (req, res) => {
      if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://localhost').pathname !== endpoint) return bolt(req, res);
      screen(req, res, bolt, logger, signingSecret).catch((error: unknown) => {
        logger.error({ err: error }, 'a Slack request could not be read');
        if (!res.headersSent) res.writeHead(500).end();
      });
    };
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
  if (!isObjectBody(buffered)) {
    logger.warn({ contentType: req.headers['content-type'] }, 'a request to the Slack endpoint is not a JSON object: answered 400');
    return void res.writeHead(400).end();
  }
  bolt(buffered, res);
}

/** Whether the body parses, as Bolt will parse it, to an object (anything else Bolt cannot handle). */
function isObjectBody(req: IncomingMessage & { rawBody: Buffer }): boolean {
  try {
    const body: unknown = HTTPModuleFunctions.parseHTTPRequestBody(req);
    return typeof body === 'object' && body !== null && !Array.isArray(body);
  } catch {
    // Bolt answers an unparseable body itself, after checking the signature.
    return true;
  }
}

/**
 * What the HTTP receiver answers when Bolt fails on a request before it is acknowledged. A
 * payload Bolt cannot read (signed, yet not shaped like anything Slack sends) is a 400: Slack must
 * not retry it. A workspace without an installation is a 401, as in Bolt. Anything else is our
 * failure, a 500, so Slack retries it later.
 */
function processEventErrorHandler(logger: AppLogger) {
  return async ({ error, response }: ReceiverProcessEventErrorHandlerArgs): Promise<boolean> => {
    if (response.headersSent) {
      logger.error({ err: error }, 'a Slack request failed after it was acknowledged');
      return false;
    }
    if ((error as { code?: unknown }).code === ErrorCode.AuthorizationError) {
      response.writeHead(401).end();
      return true;
    }
    if (error instanceof TypeError) {
      logger.warn({ err: error }, 'a signed Slack request is not shaped like anything Slack sends: answered 400');
      response.writeHead(400).end();
      return true;
    }
    logger.error({ err: error }, 'a Slack request failed before its acknowledgement: answered 500, so Slack retries it');
    response.writeHead(500).end();
    return true;
  };
}
