import { describe, expect, it } from 'vitest';
import { newRecord } from '../../../../src/slack/listeners/actions/new-record.js';
import { HOME_ACTION_IDS } from '../../../../src/slack/render/home.js';
import { click, entity, expectAckedBefore, fakeDeps } from '../fakes.js';

function creating(name: string) {
  const fakes = fakeDeps();
  fakes.forms.open.mockResolvedValue({ operation: 'create', entity: entity(name), fields: [], hiddenFields: 0 });
  return fakes;
}

describe('New … buttons', () => {
  it('"New lead" beside a list opens the create form for the entity its value names', async () => {
    const fakes = creating('Lead');
    const { args, ack, client } = click({ action_id: 'espo_new', value: 'Lead' });

    await newRecord(fakes.deps)(args);

    expectAckedBefore(ack, client.views.open);
    expect(fakes.forms.open).toHaveBeenCalledWith(expect.objectContaining({ userId: 'U1' }), {
      operation: 'create',
      entity: 'Lead',
    });
    expect(client.views.update).toHaveBeenCalledWith(expect.objectContaining({ view_id: 'V1' }));
  });

  it('App Home’s quick button carries its entity in its action id', async () => {
    const fakes = creating('Task');
    const { args } = click({ action_id: HOME_ACTION_IDS.newTask });

    await newRecord(fakes.deps)(args);

    expect(fakes.forms.open).toHaveBeenCalledWith(expect.anything(), { operation: 'create', entity: 'Task' });
  });

  it('opens nothing for a value that is not an entity name', async () => {
    const fakes = creating('Lead');
    const { args, ack, client } = click({ action_id: 'espo_new', value: 'Lead/../User' });

    await newRecord(fakes.deps)(args);

    expect(ack).toHaveBeenCalledTimes(1);
    expect(client.views.open).not.toHaveBeenCalled();
  });
});
