/**
 * The bench's load generator, run in a worker thread so that timing an ack never waits behind
 * the fakes' work on the main thread. It sends signed requests over keep-alive sockets and reports
 * when each was sent and acknowledged: a burst of N `/espo` commands at the same moment, or one
 * request at a time (the soak's steady stream).
 */
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { slackSignature } from '../fakes/slack/signing.js';

export interface BurstRequest {
  endpoint: string;
  team: string;
  text: string;
  responseUrls: string[];
}

export interface SentCommand {
  responseUrl: string;
  sentAt: number;
  ackedAt: number;
  status: number;
}

/** One signed request: a form (commands, clicks) or JSON (events). */
export interface PostRequest {
  id: number;
  endpoint: string;
  contentType: 'application/x-www-form-urlencoded' | 'application/json';
  body: string;
}

export interface Posted {
  id: number;
  sentAt: number;
  ackedAt: number;
  status: number;
}

const { signingSecret } = workerData as { signingSecret: string };
// fetch() costs so much client CPU that a burst of 50 measured ~120 ms p99 against a do-nothing server.
const agent = new Agent({ keepAlive: true, maxSockets: 100 });
const now = () => performance.timeOrigin + performance.now();

function send(
  endpoint: string,
  contentType: PostRequest['contentType'],
  body: string,
): Promise<{ sentAt: number; ackedAt: number; status: number }> {
  const timestamp = Math.floor(Date.now() / 1000);
  const sentAt = now();
  return new Promise((resolve, reject) => {
    const req = request(
      endpoint,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': contentType,
          'content-length': Buffer.byteLength(body),
          'x-slack-request-timestamp': String(timestamp),
          'x-slack-signature': slackSignature(signingSecret, timestamp, body),
        },
      },
      (res) => {
        const ackedAt = now();
        res.resume();
        res.on('end', () => resolve({ sentAt, ackedAt, status: res.statusCode ?? 0 }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

parentPort!.on('message', async (message: BurstRequest | PostRequest) => {
  if ('responseUrls' in message) {
    const sent = await Promise.all(
      message.responseUrls.map(async (responseUrl, index) => {
        const form = {
          command: '/espo',
          text: message.text,
          team_id: message.team,
          user_id: `U${index % 25}`,
          channel_id: 'C1',
          response_url: responseUrl,
          trigger_id: `t${index}`,
        };
        return {
          responseUrl,
          ...(await send(message.endpoint, 'application/x-www-form-urlencoded', new URLSearchParams(form).toString())),
        };
      }),
    );
    parentPort!.postMessage(sent);
    return;
  }
  // A refused connection is an answer too (status 0): the soak counts it as an error.
  const posted = await send(message.endpoint, message.contentType, message.body).catch(() => ({
    sentAt: now(),
    ackedAt: now(),
    status: 0,
  }));
  parentPort!.postMessage({ id: message.id, ...posted } satisfies Posted);
});
