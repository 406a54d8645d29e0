import { describe, expect, it } from 'vitest';
import { messageText } from '../../src/slack/converse.js';

describe('messageText', () => {
  it('removes every mention of the bot', () => {
    expect(messageText('<@UBOT> list leads <@UBOT>', 'UBOT')).toBe('list leads');
  });

  it('keeps mentions of the bot when it does not know its own id', () => {
    expect(messageText('<@UBOT> list leads')).toBe('UBOT list leads');
  });

  it('turns a link into its URL, whatever its label', () => {
    expect(messageText('show <https://crm.example.com/#Lead/view/5f3a1b2c3d4e5f607|crm.example.com/#Lead/…>')).toBe(
      'show https://crm.example.com/#Lead/view/5f3a1b2c3d4e5f607',
    );
    expect(messageText('see <http://x.y>')).toBe('see http://x.y');
  });

  it('turns a mailto link into the address', () => {
    expect(messageText('create lead emailAddress=<mailto:a@b.c|a@b.c>')).toBe('create lead emailAddress=a@b.c');
  });

  it('turns other mentions into their label, else their id', () => {
    expect(messageText('<@UBOT> ask <@U123|bob> in <#C42|sales> or <#C43> <!here> <!subteam^S1|@reps>', 'UBOT')).toBe(
      'ask bob in sales or C43 here @reps',
    );
  });

  it('undoes Slack’s escaping once, after the links', () => {
    expect(messageText('Q&amp;A &lt;b&gt; &amp;lt;')).toBe('Q&A <b> &lt;');
    expect(messageText('<https://x.y/?a=1&amp;b=2|x>')).toBe('https://x.y/?a=1&b=2');
  });

  it('does not turn escaped brackets into mentions', () => {
    expect(messageText('&lt;@UBOT&gt; hi', 'UBOT')).toBe('<@UBOT> hi');
  });

  it('collapses whitespace and trims', () => {
    expect(messageText('  <@UBOT>\n\tfind   contacts \n Acme  ', 'UBOT')).toBe('find contacts Acme');
    expect(messageText('<@UBOT>', 'UBOT')).toBe('');
  });
});
