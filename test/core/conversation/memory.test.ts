import { describe, expect, it } from 'vitest';
import type { CrmRecord, EntityInfo } from '../../../src/core/ports.js';
import type { Reply } from '../../../src/core/replies.js';
import { summarize } from '../../../src/core/conversation/memory.js';

const account: EntityInfo = {
  name: 'Account',
  label: 'Account',
  plural: 'Accounts',
  keyFields: [],
  fieldType: () => undefined,
};
const NAME = 'ZZQ-Secret-Corp';
const VALUE = 'zzq-secret.example';
const record: CrmRecord = { id: 'A1', name: NAME, fields: { name: NAME, website: VALUE } };

/**
 * The prompt withholds CRM text by keeping record names out of `records` (src/llm/prompt.ts,
 * MODEL_SEES_CRM_DATA=false). That holds only while the bot's own words never quote a record: this pins it.
 */
describe('summarize', () => {
  const replies: Reply[] = [
    {
      kind: 'records',
      entity: account,
      page: { records: [record], total: 1, hasMore: false },
      via: 'list-accounts {}',
    },
    { kind: 'record', entity: account, record },
    {
      kind: 'confirm',
      pendingId: 'P1',
      plan: {
        kind: 'update',
        entity: 'Account',
        id: 'A1',
        fields: { website: 'new.example' },
        before: { website: VALUE },
      },
      entity: account,
      expiresAt: new Date(),
    },
    {
      kind: 'confirm',
      pendingId: 'P2',
      plan: {
        kind: 'run',
        key: 'update-account',
        name: 'Update account',
        input: { id: 'A1' },
        target: { entity: 'Account', id: 'A1', name: NAME },
      },
      expiresAt: new Date(),
    },
    {
      kind: 'confirm',
      pendingId: 'P3',
      plan: { kind: 'delete', entity: 'Account', id: 'A1', name: NAME },
      expiresAt: new Date(),
    },
    { kind: 'done', plan: { kind: 'update', entity: 'Account', id: 'A1', fields: {} }, entity: account, record },
    { kind: 'data', title: 'Get account', data: record },
  ];

  it.each(replies.map((reply) => [reply.kind, reply] as const))(
    'keeps record text out of its words for %s, names only in records',
    (_kind, reply) => {
      const summary = summarize(reply);
      expect(summary.text).not.toContain(NAME);
      expect(summary.text).not.toContain(VALUE);
      for (const ref of summary.records ?? []) expect(ref).toEqual({ entity: 'Account', id: 'A1', name: NAME });
    },
  );
});
