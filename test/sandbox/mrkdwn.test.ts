import { describe, expect, it } from 'vitest';
import { emojify, formatSlackDate, parseMrkdwn, safeHref, type MrkdwnNode } from '../../sandbox/web/mrkdwn.js';

/** The page's mrkdwn parser (docs.slack.dev/messaging/formatting-message-text), as a tree. */
const parse = parseMrkdwn;
const text = (t: string): MrkdwnNode => ({ t: 'text', text: t });

describe('parseMrkdwn', () => {
  it('styles bold, italic and strike at word boundaries, nested', () => {
    expect(parse('*bold* and _italic_ and ~gone~')).toEqual([
      { t: 'bold', children: [text('bold')] },
      text(' and '),
      { t: 'italic', children: [text('italic')] },
      text(' and '),
      { t: 'strike', children: [text('gone')] },
    ]);
    expect(parse('*a _b_ c*')).toEqual([
      { t: 'bold', children: [text('a '), { t: 'italic', children: [text('b')] }, text(' c')] },
    ]);
    // A link or code span is whole: markers inside it close nothing outside.
    expect(parse('*<https://x.test|a *b* c>* and _`x_y`_')).toEqual([
      { t: 'bold', children: [{ t: 'link', url: 'https://x.test', label: 'a *b* c' }] },
      text(' and '),
      { t: 'italic', children: [{ t: 'code', text: 'x_y' }] },
    ]);
    // Not inside words, not around spaces, not unclosed.
    expect(parse('snake_case_name 2*3*4 * loose * *open')).toEqual([text('snake_case_name 2*3*4 * loose * *open')]);
  });

  it('keeps code and preformatted text literal, entities decoded', () => {
    expect(parse('run `a *b* &lt;c&gt;` now')).toEqual([text('run '), { t: 'code', text: 'a *b* <c>' }, text(' now')]);
    expect(parse('before\n```line 1\n*not bold*```\nafter')).toEqual([
      text('before'),
      { t: 'pre', text: 'line 1\n*not bold*' },
      text('after'),
    ]);
    expect(parse('an ``` unclosed fence')).toEqual([text('an ``` unclosed fence')]);
  });

  it('quotes lines that start with >, but not an escaped &gt;', () => {
    expect(parse('> quoted\n> twice\nplain\n&gt; not a quote')).toEqual([
      { t: 'quote', children: [text('quoted'), { t: 'br' }, text('twice')] },
      text('plain'),
      { t: 'br' },
      text('> not a quote'),
    ]);
  });

  it('reads links, people, channels, broadcasts and dates', () => {
    expect(parse('<https://crm.example.com/#Lead/view/1|Ada &amp; Co> <mailto:a@b.c|a@b.c> <https://x.test>')).toEqual([
      { t: 'link', url: 'https://crm.example.com/#Lead/view/1', label: 'Ada & Co' },
      text(' '),
      { t: 'link', url: 'mailto:a@b.c', label: 'a@b.c' },
      text(' '),
      { t: 'link', url: 'https://x.test', label: 'https://x.test' },
    ]);
    expect(parse('<@U1> <#C1|sales> <!here> <!channel> <!date^1700000000^{date_short} at {time}|Nov 14>')).toEqual([
      { t: 'user', id: 'U1' },
      text(' '),
      { t: 'channel', id: 'C1', label: 'sales' },
      text(' '),
      { t: 'broadcast', name: 'here' },
      text(' '),
      { t: 'broadcast', name: 'channel' },
      text(' '),
      { t: 'date', seconds: 1700000000, format: '{date_short} at {time}', fallback: 'Nov 14' },
    ]);
  });

  it('turns line breaks into breaks and known emoji into characters', () => {
    expect(parse(':white_check_mark: Done\nnext :not_an_emoji:')).toEqual([
      { t: 'emoji', name: 'white_check_mark', char: '✅' },
      text(' Done'),
      { t: 'br' },
      text('next :not_an_emoji:'),
    ]);
    expect(emojify(':warning: careful :nope:')).toBe('⚠️ careful :nope:');
  });

  it('leaves escaped data inert: an escaped ping, link or script is text', () => {
    const hostile =
      '&lt;!channel&gt; *&lt;http://evil|click&gt;* Evil &amp; Co &lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;';
    const nodes = parse(hostile);
    expect(nodes).toEqual([
      text('<!channel> '),
      { t: 'bold', children: [text('<http://evil|click>')] },
      text(' Evil & Co <script>alert(1)</script> <img src=x onerror=alert(1)>'),
    ]);
    expect(JSON.stringify(nodes)).not.toMatch(/"t":"(link|broadcast)"/);
  });
});

describe('safeHref', () => {
  it('opens web and mail addresses only', () => {
    expect(safeHref('https://crm.example.com/#Lead/view/1')).toBe('https://crm.example.com/#Lead/view/1');
    expect(safeHref('mailto:a@b.c')).toBe('mailto:a@b.c');
    for (const bad of [
      'javascript:alert(1)',
      ' JavaScript:alert(1)',
      'data:text/html,<b>',
      'vbscript:x',
      '//evil.test',
      'file:///etc/passwd',
    ])
      expect(safeHref(bad)).toBeUndefined();
  });
});

describe('formatSlackDate', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  const at = (iso: string) => Date.parse(iso) / 1000;

  it('formats the documented tokens in the reader’s time zone', () => {
    const when = at('2026-11-25T15:30:00Z');
    expect(formatSlackDate(when, '{date_num} {time}', now, 'Europe/Berlin')).toBe('2026-11-25 4:30 PM');
    expect(formatSlackDate(when, '{date}', now, 'UTC')).toBe('November 25th, 2026');
    expect(formatSlackDate(when, '{date_short}', now, 'UTC')).toBe('Nov 25, 2026');
    expect(formatSlackDate(when, '{date_long}', now, 'UTC')).toBe('Wednesday, November 25th, 2026');
    expect(formatSlackDate(when, '{time_secs}', now, 'UTC')).toBe('3:30:00 PM');
  });

  it('says today, yesterday and tomorrow in the _pretty forms, and how long ago', () => {
    expect(formatSlackDate(at('2026-11-25T08:00:00Z'), 'Updated {date_short_pretty} at {time}', now, 'UTC')).toBe(
      'Updated today at 8:00 AM',
    );
    expect(formatSlackDate(at('2026-11-24T08:00:00Z'), '{date_pretty}', now, 'UTC')).toBe('yesterday');
    expect(formatSlackDate(at('2026-11-26T08:00:00Z'), '{date_long_pretty}', now, 'UTC')).toBe('tomorrow');
    expect(formatSlackDate(at('2026-11-20T08:00:00Z'), '{date_short_pretty}', now, 'UTC')).toBe('Nov 20, 2026');
    expect(formatSlackDate(at('2026-11-25T09:00:00Z'), '{ago}', now, 'UTC')).toBe('3 hours ago');
    // Midnight in New York is still the 24th: the reader's zone decides the day.
    expect(formatSlackDate(at('2026-11-25T03:00:00Z'), '{date_pretty}', now, 'America/New_York')).toBe('yesterday');
    expect(formatSlackDate(at('2026-11-25T03:00:00Z'), '{unknown} stays', now, 'UTC')).toBe('{unknown} stays');
  });
});
