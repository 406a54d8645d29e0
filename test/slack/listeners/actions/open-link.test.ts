import { describe, expect, it } from 'vitest';
import { acknowledgeLinkClick } from '../../../../src/slack/listeners/actions/open-link.js';
import { click } from '../fakes.js';

describe('a link button (Open in EspoCRM, Connect)', () => {
  it('only acknowledges the click: the browser opens the link, nothing is answered', async () => {
    const { args, ack, respond, client } = click({ action_id: 'espo_open_record' });

    await acknowledgeLinkClick()(args);

    expect(ack).toHaveBeenCalledTimes(1);
    expect(respond).not.toHaveBeenCalled();
    expect(client.chat.postMessage).not.toHaveBeenCalled();
  });
});
