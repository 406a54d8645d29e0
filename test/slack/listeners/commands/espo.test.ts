import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import { espoCommand } from '../../../../src/slack/listeners/commands/espo.js';
import { expectAckedBefore, fakeClient, fakeDeps, notice, onlyReply, PROFILE } from '../fakes.js';

function slash(text: string) {
  const ack = vi.fn(async () => undefined);
  const respond = vi.fn(async (_message: Record<string, unknown>) => undefined);
  const client = fakeClient();
  const command = { command: '/espo', text, team_id: 'T1', user_id: 'U1', channel_id: 'C1', trigger_id: 'trigger-9' };
  return { args: { ack, respond, client, command, body: command, payload: command } as never, ack, respond, client };
}

describe('/espo', () => {
  it('acks, hands core the text as typed (Slack’s escaping undone) with the person’s profile, and responds', async () => {
    const fakes = fakeDeps();
    fakes.service.handle.mockResolvedValueOnce(notice('3 deals'));
    const { args, ack, respond } = slash('list deals amount&gt;10k');

    await espoCommand(fakes.deps)(args);

    expectAckedBefore(ack, fakes.service.handle);
    expect(fakes.service.handle).toHaveBeenCalledWith(
      { teamId: 'T1', userId: 'U1', channelId: 'C1', ...PROFILE },
      'list deals amount>10k',
    );
    expect(onlyReply(respond)).toMatchObject({ text: '3 deals', response_type: 'ephemeral', replace_original: false });
    expect(fakes.logger.info).toHaveBeenCalledWith(
      expect.objectContaining({ kind: 'command', detail: 'list', outcome: 'notice', team: 'T1', user: 'U1' }),
      'request handled',
    );
  });

  it('opens a form for `create lead` without fields, and asks core for no reply', async () => {
    const fakes = fakeDeps();
    fakes.forms.requestOf.mockReturnValueOnce({ operation: 'create', entity: 'Lead' });
    fakes.forms.open.mockRejectedValueOnce(new AppError('crm_unavailable', 'EspoCRM is not answering.'));
    const { args, respond, client } = slash('create lead');

    await espoCommand(fakes.deps)(args);

    expect(fakes.forms.requestOf).toHaveBeenCalledWith('create lead');
    expect(client.views.open).toHaveBeenCalledWith(expect.objectContaining({ trigger_id: 'trigger-9' }));
    expect(fakes.service.handle).not.toHaveBeenCalled();
    expect(respond).not.toHaveBeenCalled();
  });

  it('answers an error in words, privately, and logs it with its code', async () => {
    const fakes = fakeDeps();
    fakes.service.handle.mockRejectedValueOnce(new AppError('unknown_entity', 'I don’t know “widgets”.'));
    const { args, respond } = slash('list widgets');

    await espoCommand(fakes.deps)(args);

    const reply = onlyReply(respond);
    expect(reply).toMatchObject({ text: 'I don’t know “widgets”.', response_type: 'ephemeral' });
    expect(JSON.stringify(reply.blocks)).toContain(':warning:');
    expect(fakes.logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'unknown_entity', kind: 'command' }),
      'I don’t know “widgets”.',
    );
  });

  it('calls an empty command help', async () => {
    const fakes = fakeDeps();
    const { args } = slash('   ');

    await espoCommand(fakes.deps)(args);

    expect(fakes.logger.info).toHaveBeenCalledWith(expect.objectContaining({ detail: 'help' }), 'request handled');
  });
});
