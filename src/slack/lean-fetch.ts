import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/**
 * A small fetch for Bolt's respond() and the Web API client (Bolt's `clientOptions.fetch`). Node's
 * built-in fetch (undici) was a large share of the bot's CPU per reply in the profile; these
 * requests are plain JSON or form posts, which node:http with keep-alive sockets does for less.
 * It covers what they use: method, headers, a string or URLSearchParams body, an abort signal.
 */
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/**
 * Sees every answer's request headers, status and body before the caller reads it, at no cost of
 * a copy (the body is the bytes the Response is made from).
 */
export type AnswerObserver = (request: Headers, status: number, body: Buffer) => void;

/**
 * `timeoutMs` bounds a request that comes without an abort signal: Bolt's respond() passes none,
 * and a Slack that never answers must not hold a work slot for ever.
 */
export const createLeanFetch =
  (timeoutMs: number, observe?: AnswerObserver): typeof fetch =>
  (input, init = {}) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const body =
      init.body === undefined || init.body === null
        ? undefined
        : init.body instanceof URLSearchParams
          ? init.body.toString()
          : init.body;
    if (body !== undefined && typeof body !== 'string') {
      // Anything else (streams, FormData for file uploads) goes to the full implementation.
      return fetch(input, init);
    }
    const headers = new Headers(init.headers);
    if (body !== undefined) {
      if (init.body instanceof URLSearchParams && !headers.has('content-type'))
        headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
      headers.set('content-length', String(Buffer.byteLength(body)));
    }
    const secure = url.protocol === 'https:';
    return new Promise<Response>((resolve, reject) => {
      const req = (secure ? httpsRequest : httpRequest)(
        url,
        {
          method: init.method ?? 'GET',
          headers: Object.fromEntries(headers),
          agent: secure ? agents.https : agents.http,
          signal: init.signal ?? undefined,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
            }
            const status = res.statusCode ?? 0;
            const payload = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            if (observe && payload) observe(headers, status, payload);
            resolve(new Response(payload, { status, statusText: res.statusMessage, headers: responseHeaders }));
          });
          res.on('error', reject);
        },
      );
      if (!init.signal) {
        req.setTimeout(timeoutMs, () =>
          req.destroy(Object.assign(new Error(`no answer from ${url.host} in ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
        );
      }
      req.on('error', reject);
      req.end(body);
    });
  };

export const leanFetch = createLeanFetch(10_000);
