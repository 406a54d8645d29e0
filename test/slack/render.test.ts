import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import type { Assignee, CrmRecord, WritePlan } from '../../src/core/ports.js';
import { EspoEntityDirectory } from '../../src/crm/espo/entities.js';
import { message, section } from '../../src/slack/render/blocks.js';
import { escape, link, truncate } from '../../src/slack/render/mrkdwn.js';
import { renderError } from '../../src/slack/render/error.js';
import { formatValue } from '../../src/slack/render/fields.js';
import { renderReply } from '../../src/slack/render/reply.js';

const entities = new EspoEntityDirectory();
const lead = entities.resolve('lead');

describe('mrkdwn escaping', () => {
  it('neutralises mentions, broadcasts and links', () => {
    expect(escape('<!channel> & <@U123> <https://evil|click>')).toBe(
      '&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;https://evil|click&gt;',
    );
  });
  it('escapes link labels and keeps our URL', () => {
    expect(link('https://crm.example.com/#Lead/view/1', '<!here> Bob|x')).toBe(
      '<https://crm.example.com/#Lead/view/1|&lt;!here&gt; Bob¦x>',
    );
  });
  it('truncates visibly without splitting an entity', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('ab &amp; cd', 6)).toBe('ab …');
  });
});

describe('formatValue', () => {
  const record: CrmRecord = { id: '1', fields: { amount: 12500, amountCurrency: 'EUR' } };
  it.each([
    [12500, 'currency', '€12,500'],
    ['2026-12-01', 'date', 'Dec 1, 2026'],
    ['bob@acme.com', 'email', '<mailto:bob@acme.com|bob@acme.com>'],
    ['bob@<acme>.com', 'email', 'bob@&lt;acme&gt;.com'],
    ['https://acme.com', 'url', '<https://acme.com|https://acme.com>'],
    ['javascript:alert(1)', 'url', 'javascript:alert(1)'],
    [true, 'bool', 'Yes'],
    [null, 'text', '—'],
    ['<!everyone>', 'enum', '&lt;!everyone&gt;'],
  ] as const)('%s as %s', (value, format, expected) => {
    expect(formatValue(value, format, record, 'amount')).toBe(expected);
  });
  it('shows EspoCRM UTC datetimes in the reader’s zone with a fallback', () => {
    expect(formatValue('2026-12-01 17:30:00', 'datetime')).toBe(
      `<!date^${Date.UTC(2026, 11, 1, 17, 30) / 1000}^{date_short_pretty} {time}|2026-12-01 17:30:00 UTC>`,
    );
  });
});

describe('renderReply', () => {
  const hostile: CrmRecord = {
    id: 'h1',
    name: '<!channel> *bold* <http://evil|click>',
    fields: { status: 'New', emailAddress: 'x@y.z', accountName: '<@U999> Corp' },
  };

  it('renders a list page with counts, links, paging and share buttons, escaping CRM text everywhere', () => {
    const rendered = renderReply(
      {
        kind: 'records',
        entity: lead,
        query: { entity: 'Lead', filters: [{ field: 'status', op: 'equals', value: 'New' }], limit: 1, offset: 0 },
        page: { records: [hostile], total: 57, hasMore: true },
      },
      { siteUrl: 'https://crm.example.com' },
    );
    const json = JSON.stringify(rendered);
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<@U999>');
    expect(json).not.toContain('<http://evil');
    expect(json).toContain('Showing 1–1 of 57');
    expect(json).toContain(
      '<https://crm.example.com/#Lead/view/h1|&lt;!channel&gt; *bold* &lt;http://evil|click&gt;>'.replace(
        'evil|click',
        'evil¦click',
      ),
    );
    expect(json).toContain('espo_page:next');
    expect(json).toContain('Share in channel');
    expect(rendered.text).not.toContain('<');
  });

  it('says so when the next page cannot fit in a button, instead of dropping Next silently', () => {
    const rendered = renderReply({
      kind: 'records',
      entity: lead,
      query: { entity: 'Lead', filters: [], limit: 1, offset: 0 },
      page: { records: [{ id: '1', name: 'A', fields: {} }], hasMore: true, nextCursor: 'c'.repeat(2500) },
    });
    const text = JSON.stringify(rendered);
    expect(text).not.toContain('espo_page:next');
    expect(text).toContain('too long to page through here');
  });

  it('renders an empty state', () => {
    const rendered = renderReply({
      kind: 'records',
      entity: lead,
      query: { entity: 'Lead', filters: [], limit: 10, offset: 0 },
      page: { records: [], hasMore: false },
    });
    expect(JSON.stringify(rendered)).toContain('There are no leads yet');
  });

  it('never exceeds 50 blocks, keeping the action row', () => {
    const many = Array.from({ length: 80 }, (_, i) => section(`row ${i}`));
    const built = message('x', [...many, { type: 'actions', elements: [] }]);
    expect(built.blocks).toHaveLength(50);
    expect(built.blocks.at(-1)?.type).toBe('actions');
  });

  it('caps section text at 3,000 characters', () => {
    const rendered = renderReply({
      kind: 'record',
      entity: lead,
      record: { id: '1', name: 'x'.repeat(10), fields: { description: 'y'.repeat(10_000) } },
    });
    for (const block of rendered.blocks as { text?: { text: string } }[])
      expect((block.text?.text ?? '').length).toBeLessThanOrEqual(3000);
  });

  it('renders a write preview with old → new and requester-only buttons', () => {
    const rendered = renderReply({
      kind: 'confirm',
      pendingId: 'p1',
      plan: { kind: 'update', entity: 'Lead', id: 'l1', fields: { status: 'In Process' }, before: { status: 'New' } },
      entity: lead,
      expiresAt: new Date('2026-11-25T15:15:00Z'),
    });
    const json = JSON.stringify(rendered);
    expect(json).toContain('New → In Process');
    const buttons = (rendered.blocks.at(-1) as { elements: { action_id: string; value: string }[] }).elements;
    expect(buttons.map((b) => [b.action_id, b.value])).toEqual([
      ['espo_confirm', 'p1'],
      ['espo_cancel', 'p1'],
    ]);
  });

  it('says whom a new record is assigned to: "you", or the user named, escaped', () => {
    const preview = (assignee: Assignee) =>
      JSON.stringify(
        renderReply({
          kind: 'confirm',
          pendingId: 'p',
          plan: { kind: 'create', entity: 'Task', fields: { name: 'Call Bob', assignedUserId: assignee.id } },
          entity: lead,
          expiresAt: new Date(),
          assignee,
        }),
      );
    expect(preview({ id: 'u1', isRequester: true })).toContain('*Assigned to:* you');
    expect(preview({ id: 'u2', name: '<!here> Marco', isRequester: false })).toContain(
      '*Assigned to:* &lt;!here&gt; Marco',
    );
    const run = renderReply({
      kind: 'confirm',
      pendingId: 'p',
      plan: {
        kind: 'proxy',
        request: { method: 'POST', path: '/Call', body: { name: 'Intro', assignedUserId: 'u1' } },
      },
      expiresAt: new Date(),
      assignee: { id: 'u1', isRequester: true },
    });
    expect(JSON.stringify(run)).toContain('*Assigned to:* you');
  });

  it('shows every field of a large create in the preview, across sections', () => {
    const fields = Object.fromEntries(Array.from({ length: 23 }, (_, i) => [`field${i}`, `value ${i}`]));
    const rendered = renderReply({
      kind: 'confirm',
      pendingId: 'p',
      plan: { kind: 'create', entity: 'Lead', fields },
      entity: lead,
      expiresAt: new Date(),
    });
    const text = JSON.stringify(rendered);
    for (let i = 0; i < 23; i++) expect(text).toContain(`value ${i}`);
    expect(
      rendered.blocks
        .filter((b) => (b as { fields?: unknown[] }).fields)
        .map((b) => (b as { fields: unknown[] }).fields.length),
    ).toEqual([10, 10, 3]);
  });

  it('offers no Confirm for a change too large to show in full', () => {
    const huge = renderReply({
      kind: 'confirm',
      pendingId: 'p',
      plan: { kind: 'create', entity: 'Lead', fields: { description: 'x'.repeat(5000) } },
      entity: lead,
      expiresAt: new Date(),
    });
    expect(JSON.stringify(huge)).toContain('too large to show in full');
    expect(JSON.stringify(huge)).not.toContain('espo_confirm');
    const bigJson = renderReply({
      kind: 'confirm',
      pendingId: 'p',
      plan: { kind: 'run', key: 'k', name: 'K', input: { a: 'y'.repeat(4000) } },
      expiresAt: new Date(),
    });
    expect(JSON.stringify(bigJson)).not.toContain('espo_confirm');
  });

  it('escapes what the model said in the notification text as in the blocks', () => {
    const said = renderReply({ kind: 'say', text: 'Ping <!channel> & <@U123>, see <https://evil|this>' });
    const escaped = 'Ping &lt;!channel&gt; &amp; &lt;@U123&gt;, see &lt;https://evil|this&gt;';
    expect(said.text).toBe(escaped);
    expect(said.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: escaped } }]);
  });

  it('renders errors politely, with the connect link when a connection is needed', () => {
    const connect = renderError(
      new AppError('connection_required', 'EspoCRM is not connected yet.', {
        details: { connectUrl: 'https://connect.example/x' },
      }),
    );
    expect(JSON.stringify(connect)).toContain('https://connect.example/x');
    const usage = renderError(new AppError('bad_input', 'Usage: `/espo list <entity>`'));
    expect(JSON.stringify(usage)).toContain('&lt;entity&gt;');
  });
});

describe('the connection check', () => {
  it('gives each check a line, escapes what EspoCRM said, and names the problems in the notification', () => {
    const checks = [
      { name: 'REST proxy', status: 'ok' as const, detail: 'answers' },
      { name: 'EspoCRM version', status: 'adapted' as const, detail: 'EspoCRM <!channel> 9' },
      { name: 'Record links', status: 'problem' as const, detail: 'No address.' },
    ];
    const report = renderReply({ kind: 'doctor', checks, automatic: false });
    const json = JSON.stringify(report);
    expect(report.text).toBe('EspoCRM connection check: 1 problem');
    expect(json).toContain(':white_check_mark: *REST proxy*: answers');
    expect(json).toContain('EspoCRM &lt;!channel&gt; 9');
    expect(json).toContain(':warning: *Record links*');
    const notice = renderReply({ kind: 'doctor', checks: checks.slice(2), automatic: true });
    expect(notice.text).toBe('The new EspoCRM connection needs attention: 1 problem');
    expect(JSON.stringify(notice)).toContain('`/espo doctor` shows every check');
  });
});

describe('write previews of actions and REST calls', () => {
  const expiresAt = new Date(Date.now() + 15 * 60_000);
  const preview = (plan: WritePlan) =>
    JSON.stringify(renderReply({ kind: 'confirm', pendingId: 'p1', plan, expiresAt }).blocks);

  it('shows a flat input, or Membrane-style {id, fields}, as field lines with every value escaped', () => {
    const shown = preview({
      kind: 'run',
      key: 'update-task',
      name: 'Update Task',
      input: { id: 't1', fields: { name: 'Call <Bob>', priority: 'High', done: false } },
    });
    expect(shown).toContain('*id*\\nt1');
    expect(shown).toContain('*name*\\nCall &lt;Bob&gt;');
    expect(shown).toContain('*done*\\nfalse');
    expect(shown).not.toContain('```');
  });

  it('shows nested or list input as JSON, so nothing is hidden', () => {
    const shown = preview({
      kind: 'proxy',
      request: { method: 'POST', path: '/Call', body: { name: 'x', usersIds: ['u1', 'u2'] } },
    });
    expect(shown).toContain('```');
    expect(shown).toContain('usersIds');
  });
});
