import { describe, expect, it } from 'vitest';
import { homeSearch } from '../../../../src/slack/listeners/actions/home-search.js';
import { click, fakeDeps } from '../fakes.js';

describe('App Home’s Search button', () => {
  it('acks and opens the search form, offering the related kinds and tasks', async () => {
    const fakes = fakeDeps();
    const { args, ack, client } = click({ action_id: 'espo_home_search' });

    await homeSearch(fakes.deps)(args);

    expect(ack).toHaveBeenCalledTimes(1);
    expect(fakes.forms.entityOf.mock.calls.map(([name]) => name)).toEqual([
      'Account',
      'Contact',
      'Lead',
      'Opportunity',
      'Task',
    ]);
    const [opened] = client.views.open.mock.calls[0]!;
    expect(opened).toMatchObject({ trigger_id: 'trigger-1', view: { callback_id: 'espo_search' } });
    // Each kind as core's entity names it: its plural shown, its name the value.
    expect(JSON.stringify(opened.view)).toContain(
      '{"text":{"type":"plain_text","text":"Tasks","emoji":true},"value":"Task"}',
    );
  });

  it('logs, and throws nothing back into Bolt, when Slack will not open the form', async () => {
    const fakes = fakeDeps();
    const { args, client } = click({ action_id: 'espo_home_search' });
    client.views.open.mockRejectedValueOnce(new Error('expired_trigger_id'));

    await homeSearch(fakes.deps)(args);

    expect(fakes.logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ err: expect.any(Error) }),
      'could not open the search form',
    );
  });
});
