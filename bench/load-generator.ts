/**
 * The bench's load generator, run in a worker thread so that timing an ack never waits behind
 * the fakes' work on the main thread. It sends one burst at a time: N signed `/espo` commands at
 * the same moment over keep-alive sockets, and reports when each was sent and acknowledged.
 */
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { slackSignature } from '../test/support/signing.js';

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

const { signingSecret } = workerData as { signingSecret: string };
// fetch() costs so much client CPU that a burst of 50 measured ~120 ms p99 against a do-nothing server.
const agent = new Agent({ keepAlive: true, maxSockets: 100 });
const now = () => performance.timeOrigin + performance.now();

function send(endpoint: string, form: Record<string, string>): Promise<SentCommand> {
  const body = new URLSearchParams(form).toString();
  const timestamp = Math.floor(Date.now() / 1000);
  const sentAt = now();
  return new Promise((resolve, reject) => {
    const req = request(
      endpoint,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          'x-slack-request-timestamp': String(timestamp),
          'x-slack-signature': slackSignature(signingSecret, timestamp, body),
        },
      },
      (res) => {
        const ackedAt = now();
        res.resume();
        res.on('end', () => resolve({ responseUrl: form.response_url!, sentAt, ackedAt, status: res.statusCode ?? 0 }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

parentPort!.on('message', async (burst: BurstRequest) => {
  const sent = await Promise.all(
    burst.responseUrls.map((responseUrl, index) =>
      send(burst.endpoint, {
        command: '/espo',
        text: burst.text,
        team_id: burst.team,
        user_id: `U${index % 25}`,
        channel_id: 'C1',
        response_url: responseUrl,
        trigger_id: `t${index}`,
      }),
    ),
  );
  parentPort!.postMessage(sent);
});
