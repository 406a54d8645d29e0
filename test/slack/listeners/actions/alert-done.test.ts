import { describe, expect, it } from 'vitest';
import { markTaskDone } from '../../../../src/slack/listeners/actions/alert-done.js';
import { click, expectAckedBefore, fakeDeps, notice, onlyReply } from '../fakes.js';

describe('Mark done, on a task alert', () => {
  it('previews the task’s status becoming Completed, for the clicker to confirm', async () => {
    const fakes = fakeDeps();
    fakes.service.proposeUpdate.mockResolvedValueOnce(notice('Update this task?'));
    const { args, ack, respond } = click({
      action_id: 'espo_alert_done',
      value: JSON.stringify({ e: 'Task', id: 'task-1' }),
    });

    await markTaskDone(fakes.deps)(args);

    expectAckedBefore(ack, fakes.service.proposeUpdate);
    expect(fakes.service.proposeUpdate).toHaveBeenCalledWith(
      { teamId: 'T1', userId: 'U1', channelId: 'C1' },
      'Task',
      'task-1',
      { status: 'Completed' },
    );
    expect(onlyReply(respond)).toMatchObject({ text: 'Update this task?' });
  });

  it('refuses a button that names no record', async () => {
    const fakes = fakeDeps();
    const { args, respond } = click({ action_id: 'espo_alert_done', value: '{}' });

    await markTaskDone(fakes.deps)(args);

    expect(fakes.service.proposeUpdate).not.toHaveBeenCalled();
    expect(onlyReply(respond)).toMatchObject({ text: 'That button is no longer valid.' });
  });
});
