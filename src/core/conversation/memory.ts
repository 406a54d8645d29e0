import type { RecordRef } from '../ports.js';
import type { Reply } from '../replies.js';
import { describePlan } from '../writes/describe.js';

const MAX_REMEMBERED_RECORDS = 10;
const MAX_ASSISTANT_TEXT = 500;

/**
 * What the bot did, in its own words, for the model to read on the next turn. CRM text (record
 * names) goes only into `records`, which the prompt wraps as data.
 */
export function summarize(reply: Reply): { text: string; records?: RecordRef[] } {
  const refs = (entity: string, records: { id: string; name?: string }[]) =>
    records
      .slice(0, MAX_REMEMBERED_RECORDS)
      .map((record) => ({ entity, id: record.id, ...(record.name ? { name: record.name } : {}) }));
  const bounded = (text: string) => text.slice(0, MAX_ASSISTANT_TEXT);
  switch (reply.kind) {
    case 'records': {
      const { page, entity } = reply;
      const first = (reply.query?.offset ?? reply.offset ?? 0) + 1;
      const range = page.records.length ? `${first}–${first + page.records.length - 1}` : 'none';
      const count = `${range}${page.total !== undefined ? ` of ${page.total}` : page.hasMore ? ', more exist' : ''}`;
      return {
        text: bounded(`Showed ${entity.plural.toLowerCase()} ${count}${reply.via ? ` via ${reply.via}` : ''}.`),
        records: refs(entity.name, page.records),
      };
    }
    case 'record':
      return {
        text: `Showed this ${reply.entity.label.toLowerCase()}.`,
        records: refs(reply.entity.name, [reply.record]),
      };
    case 'confirm':
      return {
        text: bounded(
          `Proposed: ${describePlan(reply.plan)} ${JSON.stringify(planInput(reply.plan))}. Waiting for the person to confirm.`,
        ),
      };
    case 'done':
      return {
        text: bounded(`Done: ${describePlan(reply.plan)}.`),
        records: reply.record && reply.entity ? refs(reply.entity.name, [reply.record]) : undefined,
      };
    case 'say':
      return { text: bounded(reply.text) };
    case 'notice':
      return { text: bounded(reply.text) };
    case 'data':
      return { text: bounded(`Showed the result of ${reply.title}.`) };
    default:
      return { text: `Answered with ${reply.kind}.` };
  }
}

function planInput(plan: Extract<Reply, { kind: 'confirm' }>['plan']): unknown {
  switch (plan.kind) {
    case 'create':
    case 'update':
      return plan.fields;
    case 'run':
      return plan.input;
    case 'proxy':
      return plan.request.body ?? null;
    default:
      return null;
  }
}
