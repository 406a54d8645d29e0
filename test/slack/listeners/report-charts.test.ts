import { describe, expect, it, vi } from 'vitest';
import type { Reply } from '../../../src/core/replies.js';
import { chartBlock } from '../../../src/slack/charts.js';
import { shareInChannel } from '../../../src/slack/listeners/actions/share.js';
import { espoCommand } from '../../../src/slack/listeners/commands/espo.js';
import { directMessage } from '../../../src/slack/listeners/events/direct-message.js';
import { pipelineReport } from '../../support/reports.js';
import { click, conversed, eventArgs, fakeClient, fakeDeps, onlyReply } from './fakes.js';

// The upload itself is tested against the fake Slack (test/slack/charts.test.ts, edge.test.ts);
// here: every listener that can answer with a report hands the edge its own client for the chart.
vi.mock('../../../src/slack/charts.js', () => ({
  chartBlock: vi.fn(async () => ({ type: 'image', slack_file: { id: 'F1' }, alt_text: 'Bar chart' })),
}));

const pipeline = pipelineReport();
const report: Reply = { kind: 'report', report: pipeline };
const imageOf = (message: Record<string, unknown>) =>
  (message.blocks as { type: string }[]).find((block) => block.type === 'image');

describe('listeners that answer with a report', () => {
  it('/espo uploads the chart with the command’s client', async () => {
    const fakes = fakeDeps();
    fakes.service.handle.mockResolvedValueOnce(report);
    const respond = vi.fn(async (_message: Record<string, unknown>) => undefined);
    const client = fakeClient();
    const command = { command: '/espo', text: 'pipeline', team_id: 'T1', user_id: 'U1', channel_id: 'C1' };

    await espoCommand(fakes.deps)({ ack: vi.fn(), respond, client, command, body: command } as never);

    expect(chartBlock).toHaveBeenLastCalledWith(client, pipeline, expect.anything());
    expect(imageOf(onlyReply(respond))).toMatchObject({ slack_file: { id: 'F1' } });
  });

  it('a DM (a conversation) uploads it with the event’s client', async () => {
    const fakes = fakeDeps();
    fakes.conversation.handleMessage.mockResolvedValueOnce(conversed(report));
    const { args, client } = eventArgs({
      type: 'message',
      channel_type: 'im',
      user: 'U1',
      channel: 'D1',
      ts: '1.1',
      text: 'pipeline',
    });

    await directMessage(fakes.deps)(args);

    expect(vi.mocked(chartBlock).mock.lastCall![0]).toBe(client);
    expect(imageOf(client.chat.postMessage.mock.calls[0]![0])).toBeDefined();
  });

  it('Share in channel uploads it with the click’s client', async () => {
    const fakes = fakeDeps();
    fakes.service.list.mockResolvedValueOnce(report);
    const query = { entity: 'Lead', filters: [], limit: 10, offset: 0 };
    const { args, respond, client } = click({
      action_id: 'espo_share',
      value: JSON.stringify({ t: 'list', q: query }),
    });

    await shareInChannel(fakes.deps)(args);

    expect(vi.mocked(chartBlock).mock.lastCall![0]).toBe(client);
    expect(imageOf(onlyReply(respond))).toBeDefined();
  });
});
