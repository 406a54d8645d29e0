import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Subscription } from '../../src/core/alerts/types.js';
import type { CrmRecord } from '../../src/core/ports.js';
import { EspoEntityDirectory } from '../../src/crm/espo/entities.js';
import { renderAlertMessage } from '../../src/slack/render/alert.js';
import { renderReply } from '../../src/slack/render/reply.js';
import { renderUnfurl } from '../../src/slack/render/unfurl.js';
import { messageProblems, unsafeMarkup } from '../../fakes/slack/block-kit.js';

/**
 * Property: whatever a CRM record holds (100 KB fields, mrkdwn, mentions, links, odd Unicode),
 * what the bot renders from it is a message Slack accepts, and pings, mentions and links in the
 * data stay text.
 */
const SITE = 'https://crm.example.com';
const entities = new EspoEntityDirectory();

const hostile = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.constantFrom(
    '<!channel>',
    '<!here|here>',
    '<!everyone>',
    '<@U0123ABC>',
    '<#C01|general>',
    '<https://evil.example|Open in EspoCRM>',
    '*bold*',
    '_x_',
    '~x~',
    '`x`',
    '```',
    '&amp;',
    '&lt;!channel&gt;',
    '> quote',
    '\u202e',
    '|',
    '',
  ),
  fc
    .tuple(fc.constantFrom('<!channel> ', '*', 'é', '🧨', '<@U1>'), fc.integer({ min: 5_000, max: 25_000 }))
    .map(([chunk, times]) => chunk.repeat(times)),
);
/** What a JSON answer from EspoCRM can hold in a field. */
const fieldValue = fc.oneof(
  hostile,
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostile, { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 10 }), hostile, { maxKeys: 3, noNullPrototype: true }),
);
const recordOf = (fieldNames: string[]) =>
  fc.record({
    id: fc.oneof(
      fc.stringMatching(/^[0-9a-f]{17}$/),
      hostile.filter((s) => s.length > 0 && s.length < 200),
    ),
    name: fc.option(hostile, { nil: undefined }),
    fields: fc.record(Object.fromEntries(fieldNames.map((name) => [name, fieldValue])), {
      requiredKeys: [],
      noNullPrototype: true,
    }),
  }) as fc.Arbitrary<CrmRecord>;

function check(rendered: { text?: string; blocks?: unknown[] }) {
  expect(messageProblems(rendered as Record<string, unknown>)).toEqual([]);
  expect(unsafeMarkup(rendered, SITE)).toEqual([]);
}

const ENTITY_NAMES = ['Lead', 'Contact', 'Account', 'Opportunity', 'Task', 'Case', 'Meeting', 'Call', 'CCustomThing'];

describe('rendering hostile CRM records, fuzzed', () => {
  const entity = fc.constantFrom(...ENTITY_NAMES).map((name) => entities.resolve(name));
  const withRecords = entity.chain((info) => {
    const names = [
      'name',
      'description',
      'status',
      'emailAddress',
      'amount',
      'accountName',
      'assignedUserName',
      ...info.keyFields.map((field) => field.field),
    ];
    return fc.tuple(fc.constant(info), fc.array(recordOf(names), { minLength: 1, maxLength: 20 }));
  });

  it('a record card, a list, a link preview and an alert are all messages Slack takes, with the data inert', () => {
    fc.assert(
      fc.property(withRecords, ([info, records]) => {
        const [record] = records as [CrmRecord];
        check(renderReply({ kind: 'record', entity: info, record }, { siteUrl: SITE }));
        check(
          renderReply(
            {
              kind: 'records',
              entity: info,
              page: { records, total: records.length + 100, hasMore: true },
              query: { entity: info.name, filters: [], limit: 20, offset: 0 },
              offset: 0,
            },
            { siteUrl: SITE },
          ),
        );
        check(renderUnfurl(info, record, SITE));
        const subscription: Subscription = {
          id: 'sub1',
          tenantKey: 'T1',
          teamId: 'T1',
          userId: 'U1',
          channelId: 'C1',
          dm: false,
          entity: info.name,
          event: 'updated',
          filters: [],
          createdAt: new Date(0),
        };
        const changes = Object.entries(record.fields)
          .slice(0, 8)
          .map(([field, after]) => ({ field, after, before: { value: record.name } }));
        check(
          renderAlertMessage(
            {
              kind: 'alert',
              subscription,
              alert: { entity: info, kind: 'updated', record, changes, actor: record.name, source: 'webhook' },
            },
            SITE,
          ),
        );
        check(
          renderAlertMessage(
            {
              kind: 'summary',
              subscription,
              alerts: records.map((r) => ({
                entity: info,
                kind: 'created' as const,
                record: r,
                changes: [],
                source: 'webhook' as const,
              })),
            },
            SITE,
          ),
        );
      }),
      { numRuns: 150 },
    );
  });
});
