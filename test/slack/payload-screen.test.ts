import { App, type Logger, LogLevel, type Receiver, type ReceiverEvent } from '@slack/bolt';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { ScreenedApp, screenPayload, UnreadablePayloadError } from '../../src/slack/payload-screen.js';
import { anyBrokenPayload, payloadKinds, slackPayloads } from '../support/slack-payloads.js';

const quiet: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};
const noReceiver: Receiver = { init() {}, start: async () => undefined, stop: async () => undefined };

/**
 * Bolt itself, as the oracle: an App with no screen, listeners registered as the bot registers
 * them (pattern constraints included: Bolt's middleware calls `.match()` on them), and an error
 * handler that throws on, so whatever Bolt fails on before a listener surfaces as a rejection.
 */
function bareBolt(): App {
  const app = new App({
    receiver: noReceiver,
    logger: quiet,
    convoStore: false,
    authorize: async () => ({ botToken: 'xoxb-1', botId: 'B1', botUserId: 'UBOT' }),
  });
  const listener = async ({ ack }: { ack?: () => Promise<void> }) => void (await ack?.());
  app.command('/espo', listener);
  app.action(/^espo_page:/, listener);
  app.action({ block_id: /^b/ }, listener);
  app.view('espo_search', listener);
  app.view({ callback_id: /^espo_/, type: 'view_closed' }, listener);
  app.shortcut(/^espo_/, listener);
  app.options('espo_related', listener);
  app.event('app_home_opened', listener);
  app.message(listener);
  app.error(async (error) => {
    throw error;
  });
  return app;
}

const delivered = (app: App, body: unknown): Promise<void> =>
  app.processEvent({ body: body as ReceiverEvent['body'], ack: async () => undefined });

describe('the screen in front of Bolt', () => {
  const bolt = bareBolt();

  it('lets every kind of payload Slack sends through, and Bolt takes each', async () => {
    for (const kind of payloadKinds) {
      const body = slackPayloads[kind]();
      expect(screenPayload(body), kind).toBeUndefined();
      await expect(delivered(bolt, body), kind).resolves.toBeUndefined();
    }
  });

  it('turns away what Bolt would fail on: the payloads of issue 12, item 13', async () => {
    const broken: [string, unknown, 'acknowledge' | 'refuse'][] = [
      ['a click with user null', { ...slackPayloads.block_actions(), user: null }, 'refuse'],
      ['a bare view_submission', { type: 'view_submission' }, 'refuse'],
      ['a bare shortcut', { type: 'shortcut' }, 'refuse'],
      [
        'app_home_opened with user null',
        { type: 'event_callback', team_id: 'T1', event: { type: 'app_home_opened', user: null } },
        'acknowledge',
      ],
      [
        'an event whose channel is null',
        { type: 'event_callback', event: { type: 'message', channel: null } },
        'acknowledge',
      ],
      [
        'an event with a null authorization',
        { type: 'event_callback', authorizations: [null], event: { type: 'message' } },
        'acknowledge',
      ],
      [
        'a team id Bolt takes for its client pool',
        { ...slackPayloads.block_actions(), team: { id: 'constructor' } },
        'refuse',
      ],
      ['a command from workspace __proto__', { ...slackPayloads.command(), team_id: '__proto__' }, 'refuse'],
      [
        'a click whose action_id is a number',
        { ...slackPayloads.block_actions(), actions: [{ action_id: 7, block_id: 'b1' }] },
        'refuse',
      ],
      [
        'a view submission whose response_urls is null',
        { ...slackPayloads.view_submission(), response_urls: null },
        'refuse',
      ],
    ];
    for (const [what, body, answer] of broken) {
      await expect(delivered(bolt, body), what).rejects.toThrow();
      expect(screenPayload(body), what).toMatchObject({ answer });
    }
    // Bolt takes these, but the command listener keys its work by the team and the person.
    expect(screenPayload({ command: '/espo', text: 'help' })).toEqual({
      answer: 'refuse',
      problem: 'a command without its team_id or user_id',
    });
    expect(screenPayload({ ...slackPayloads.command(), team_id: ['T1', 'T2'] })).toEqual({
      answer: 'refuse',
      problem: 'the command\'s field "team_id" is a list, not text',
    });
    // A body that is not an object at all, and a kind Bolt cannot dispatch (it would wait 3 s and answer 404).
    expect(screenPayload(null)).toEqual({ answer: 'refuse', problem: 'the body is null, not an object' });
    expect(screenPayload({ type: 'dialog_cancellation', user: { id: 'U1' } })).toMatchObject({
      answer: 'refuse',
      problem: 'type "dialog_cancellation" is not a kind of request Slack sends here',
    });
  });

  it('whatever it lets through, Bolt processes without failing', async () => {
    await fc.assert(
      fc.asyncProperty(anyBrokenPayload(), async ({ body }) => {
        if (screenPayload(body) === undefined) await delivered(bolt, body);
      }),
      { numRuns: 3000 },
    );
  });

  it('in Socket Mode as over HTTP: what it refuses is thrown before Bolt, an unreadable event is acknowledged', async () => {
    const logs: Record<string, unknown>[] = [];
    const logger = createLogger('warn', { write: (line: string) => void logs.push(JSON.parse(line)) } as never);
    const app = new ScreenedApp(
      { receiver: noReceiver, logger: quiet, convoStore: false, authorize: async () => ({ botToken: 'xoxb-1' }) },
      logger,
    );
    const acks: unknown[] = [];
    const event = (body: unknown) =>
      app.processEvent({
        body: body as ReceiverEvent['body'],
        ack: async (response) => void acks.push(response ?? 'ack'),
      });

    await expect(event({ type: 'view_submission' })).rejects.toThrow(UnreadablePayloadError);
    expect(acks).toEqual([]);
    await event({ type: 'event_callback', event: { type: 'app_home_opened', user: null } });
    await event({ type: 'app_rate_limited', team_id: 'T1', minute_rate_limited: 1518467820, api_app_id: 'A1' });
    expect(acks).toEqual(['ack', 'ack']);
    expect(logs.map((line) => [line.msg, line.problem])).toEqual([
      ['a Slack request is not shaped like anything Slack sends: refused', 'user is undefined'],
      [
        'a Slack event is not shaped like anything Slack sends: acknowledged and dropped',
        'event.user is null, neither an id nor an object',
      ],
      ['Slack is rate-limiting the events it sends the app from this workspace', undefined],
    ]);
  });
});
