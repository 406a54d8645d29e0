/**
 * How the evaluation reads the bot's reply and judges it. The reply is read from what Slack was
 * sent (chat.postMessage's text and blocks) and the kind of reply the bot logged; the expected
 * answer is computed from the fake EspoCRM's data by the request's predicate. CI trusts these
 * verdicts, so test/eval/judge.test.ts feeds them replies rendered by the bot's own renderers.
 */
import type { EspoRecord } from '../fakes/espocrm/model.js';
import type { Clock } from './time.js';

export interface EvalContext extends Clock {
  /** The asking rep's EspoCRM user id. */
  me: string;
  /** EspoCRM user ids by first name (Jane, Marco, Priya, Bo). */
  user(firstName: string): string;
}

export type Where = (record: EspoRecord, ctx: EvalContext) => boolean;

export type Expectation =
  /** The records the predicate selects; with `order`, sorted so; with `limit`, only the first ones. */
  | { kind: 'list'; entity: string; where: Where; order?: { by: string; desc?: boolean }; limit?: number }
  /** How many records the predicate selects. */
  | { kind: 'count'; entity: string; where: Where }
  /** The selected records' `field` added up ("how much pipeline"): one currency in the data set. */
  | { kind: 'sum'; entity: string; where: Where; field: string }
  /** The selected records counted per value of `by` (a user id is read as the user's name; none as "None"). */
  | { kind: 'breakdown'; entity: string; where: Where; by: string }
  /** The one record the predicate selects (a lookup by name); `shows` is the field asked about. */
  | { kind: 'record'; entity: string; where: Where; shows?: string }
  /** A greeting or a question about the bot: its help. */
  | { kind: 'help' }
  /**
   * Only a model should answer (writes, vague or multi-step requests): without one, a hand-over. `or`
   * is a read that may stand for it without a model ("tell me about Globex": the Globex account).
   */
  | { kind: 'model'; or?: ReadExpectation };

export type ReadExpectation = Extract<Expectation, { entity: string }>;

/** What a reply said, as far as the evaluation can tell. */
export type Answer =
  /** `total` when the reply gives one ("of 23"); `more` when it says only that there are more. */
  | { type: 'records'; entities: string[]; ids: string[]; total?: number; more: boolean; text: string }
  | { type: 'record'; entity: string; id: string; text: string }
  | { type: 'count'; count: number }
  /** A total or a breakdown: the total's count and amount (when it has one), and each group's count by label. */
  | { type: 'report'; count: number; amount?: number; groups: Map<string, number> }
  /** A write waiting for the person's Confirm. */
  | { type: 'preview' }
  /** No data asserted: help, a notice ("ask the model", "say it another way"), a question back. */
  | { type: 'handover'; kind: string }
  | { type: 'error'; text: string };

export type Outcome = 'correct' | 'wrong' | 'handed over' | 'error' | 'unjudged';

export interface Verdict {
  outcome: Outcome;
  /** Why, in a few words, when it is not simply correct. */
  detail?: string;
}

export interface SlackMessage {
  text?: string;
  blocks?: unknown[];
}

/** Reply kinds that assert no CRM data (core/replies.ts), and a choice list, should the bot add one. */
const HANDOVER_KINDS = /^(help|notice|say|actions|connect|status|choices?|clarify.*|understood)$/;
const RECORD_ADDRESS = /#([A-Za-z]\w*)\/view\/([\w-]+)/g;

/** Every string under a `text` key, the fallback text first. */
export function textOf(message: SlackMessage): string {
  const parts: string[] = [message.text ?? ''];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object')
      for (const [key, value] of Object.entries(node)) {
        if (key === 'text' && typeof value === 'string') parts.push(value);
        else walk(value);
      }
  };
  walk(message.blocks);
  return parts.join('\n');
}

/**
 * Each record a list shows, in order: the section that starts with a record's title link
 * (`*<…#Opportunity/view/<id>|Name>*`, as record-list.ts writes it). Other lines, like one saying how
 * the request was understood, may link to records too; they are not the list.
 */
function listedRecords(message: SlackMessage): { entity: string; id: string }[] {
  const found: { entity: string; id: string }[] = [];
  for (const block of (message.blocks ?? []) as { type?: string; text?: { text?: string } }[]) {
    if (block.type !== 'section' || typeof block.text?.text !== 'string') continue;
    const title = /^\*?<[^|>]*#([A-Za-z]\w*)\/view\/([\w-]+)\|/.exec(block.text.text);
    if (title && !found.some((r) => r.id === title[2])) found.push({ entity: title[1]!, id: title[2]! });
  }
  return found;
}

/** The record a card shows: its "Open in EspoCRM" address, else the first address anywhere. */
function cardRecord(message: SlackMessage): { entity: string; id: string } | undefined {
  const [first] = JSON.stringify(message.blocks ?? []).matchAll(RECORD_ADDRESS);
  return first ? { entity: first[1]!, id: first[2]! } : undefined;
}

/** Words before a number that make it part of the request as understood ("over 10000", "last 7 days"), not the count. */
const CONDITION_WORD = /(?:over|above|under|below|between|and|than|top|first|last|next|in|within|limit)\s*[$€£]?$/i;

/**
 * The number a count reply gives: the first whole number in its fallback text, else in its blocks
 * ("12 open deals", "*12* opportunities"), passing over numbers that belong to the request as
 * understood ("amount over 10000", "in the last 7 days"). Thousands separators are allowed.
 */
export function countIn(message: SlackMessage): number | undefined {
  for (const text of [message.text ?? '', textOf({ blocks: message.blocks })]) {
    for (const match of text.matchAll(/(?:^|[\s*_(:])(\d{1,3}(?:,\d{3})+|\d+)(?=$|[\s*_).,:])/g)) {
      const before = text.slice(0, match.index + match[0].length - match[1]!.length);
      const after = text.slice(match.index + match[0].length);
      if (!CONDITION_WORD.test(before.trimEnd()) && !/^\s*(?:k|m|days?|weeks?|months?)\b/i.test(after))
        return Number(match[1]!.replace(/,/g, ''));
    }
  }
  return undefined;
}

const number = (digits: string) => Number(digits.replace(/,/g, ''));

/**
 * A report as src/slack/render/report.ts writes it: "*Total:* 12 opportunities · $340,000 · weighted
 * …", then a line a group, "• Prospecting: 4 opportunities · $120,000". An amount in several
 * currencies ("$1 + €2") is no one amount.
 */
export function reportIn(text: string): Extract<Answer, { type: 'report' }> | undefined {
  const total = /\*Total:\* ([\d,]+) [^·\n]*(?:· ([^·\n]+))?/.exec(text);
  if (!total) return undefined;
  const amount = total[2] && !total[2].includes('+') ? /[\d,]+(?:\.\d+)?/.exec(total[2]) : undefined;
  const groups = new Map<string, number>();
  for (const [, label, count] of text.matchAll(/^• (.+): ([\d,]+) \S+/gm)) groups.set(label!, number(count!));
  return { type: 'report', count: number(total[1]!), ...(amount ? { amount: number(amount[0]) } : {}), groups };
}

/** "Showing 1–10 of 23": the total a records reply gives. */
function totalIn(text: string): number | undefined {
  const match = /Showing \d+[–-]\d+ of (\d+)/i.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** "Showing 1–10 (more available)", "There are more": a page of a list whose total is not known. */
const saysMore = (text: string) => /\(more available\)|There are more/i.test(text);

/**
 * What a reply answered. `kind` is the reply kind the bot logged for it ("records", "record",
 * "notice", "error"…; a kind it does not know yet, like a count, is read by its content).
 */
export function readAnswer(message: SlackMessage, kind: string | undefined): Answer {
  const text = textOf(message);
  if (kind === 'error') return { type: 'error', text: text.slice(0, 200) };
  if (kind === 'confirm') return { type: 'preview' };
  if (kind && HANDOVER_KINDS.test(kind)) return { type: 'handover', kind };
  if (kind === 'report') {
    const report = reportIn(text);
    if (report) return report;
  }
  if (kind === 'record') {
    const record = cardRecord(message);
    if (record) return { type: 'record', ...record, text };
  }
  const listed = listedRecords(message);
  const total = totalIn(text);
  const more = saysMore(text);
  const records = (): Answer => ({
    type: 'records',
    entities: [...new Set(listed.map((r) => r.entity))],
    ids: listed.map((r) => r.id),
    ...(total !== undefined ? { total } : more ? {} : { total: listed.length }),
    more: more || (total ?? 0) > listed.length,
    text,
  });
  if (kind === 'records' || total !== undefined || more || /^No [\w ]+ found/m.test(text)) return records();
  const count = countIn(message);
  if (count !== undefined) return { type: 'count', count };
  return listed.length ? records() : { type: 'handover', kind: kind ?? 'unknown' };
}

const compareValues = (a: unknown, b: unknown) =>
  typeof a === 'number' && typeof b === 'number' ? a - b : String(a ?? '').localeCompare(String(b ?? ''));

/** Every record of the entity the expectation selects, in its order (the limit not applied). */
function selectedRecords(expectation: ReadExpectation, records: EspoRecord[], ctx: EvalContext): EspoRecord[] {
  const selected = records.filter((record) => expectation.where(record, ctx));
  if (expectation.kind !== 'list' || !expectation.order) return selected;
  const { by, desc } = expectation.order;
  return selected.sort((a, b) => (desc ? -1 : 1) * compareValues(a[by], b[by]));
}

/** The records of `entity` the expectation selects, in its order and within its limit. */
export function expectedRecords(expectation: ReadExpectation, records: EspoRecord[], ctx: EvalContext): EspoRecord[] {
  const selected = selectedRecords(expectation, records, ctx);
  return expectation.kind === 'list' && expectation.limit ? selected.slice(0, expectation.limit) : selected;
}

/** The names of some records, for a verdict's detail: the first three, and how many more. */
function names(ids: string[], records: EspoRecord[]): string {
  const shown = ids.slice(0, 3).map((id) => String(records.find((r) => r.id === id)?.name ?? id));
  return `${shown.join(', ')}${ids.length > 3 ? ` and ${ids.length - 3} more` : ''}`;
}

/**
 * A list against the selected records: the same set, or (paged) the first page of it and the same
 * total. In order, position by position; records tied on the order's field may swap places.
 */
function judgeList(
  expectation: Extract<Expectation, { kind: 'list' }>,
  answer: Extract<Answer, { type: 'records' }>,
  selected: EspoRecord[],
  all: EspoRecord[],
): Verdict {
  const expected = expectation.limit ? selected.slice(0, expectation.limit) : selected;
  const expectedIds = expected.map((r) => String(r.id));
  const strangers = answer.ids.filter((id) => !selected.some((r) => r.id === id));
  if (strangers.length) return { outcome: 'wrong', detail: `listed ${names(strangers, all)}, which do not match` };
  const { order } = expectation;
  if (order) {
    const valueOf = (id: string) => all.find((r) => r.id === id)?.[order.by];
    if (answer.ids.some((id, i) => i >= expected.length || compareValues(valueOf(id), expected[i]![order.by]) !== 0))
      return { outcome: 'wrong', detail: `not the first ones by ${order.by}` };
  }
  // "Top 5": exactly those (the total may count every match, of which they are the top).
  if (expectation.limit)
    return answer.ids.length === expectedIds.length
      ? { outcome: 'correct' }
      : { outcome: 'wrong', detail: `listed ${answer.ids.length}, expected ${expectedIds.length}` };
  // Else the whole set, or its first page with the right total (or "more available").
  if (answer.total !== undefined && answer.total !== expectedIds.length)
    return {
      outcome: 'wrong',
      detail: `total ${answer.total}, expected ${expectedIds.length}${answer.total === 0 ? ' (said nothing matches)' : ''}`,
    };
  if (answer.total === undefined && !answer.more && answer.ids.length !== expectedIds.length)
    return { outcome: 'wrong', detail: `listed ${answer.ids.length} of ${expectedIds.length} as if that were all` };
  if (answer.ids.length === 0 && expectedIds.length > 0) return { outcome: 'wrong', detail: 'showed none of them' };
  return { outcome: 'correct' };
}

/**
 * Judges one answer against what the request expects, given the fake EspoCRM's records by entity.
 * A write preview answering a request for the model waits for the person's Confirm, which shows
 * exactly what would be written: it counts as handed over (to them), its fields unchecked.
 */
export function judge(
  expectation: Expectation,
  answer: Answer,
  recordsOf: (entity: string) => EspoRecord[],
  ctx: EvalContext,
): Verdict {
  if (answer.type === 'error') return { outcome: 'error', detail: answer.text.split('\n').find(Boolean) };
  if (expectation.kind === 'model') {
    if (answer.type === 'handover') return { outcome: 'handed over', detail: answer.kind };
    if (answer.type === 'preview') return { outcome: 'handed over', detail: 'a preview to Confirm' };
    if (expectation.or) return judge(expectation.or, answer, recordsOf, ctx);
    return { outcome: 'wrong', detail: `answered (${answer.type}) what only a model should` };
  }
  if (expectation.kind === 'help') {
    if (answer.type === 'handover')
      return answer.kind === 'help' ? { outcome: 'correct' } : { outcome: 'handed over', detail: answer.kind };
    return { outcome: 'wrong', detail: `answered with ${answer.type}` };
  }
  if (answer.type === 'handover') return { outcome: 'handed over', detail: answer.kind };
  if (answer.type === 'preview') return { outcome: 'wrong', detail: 'proposed a write for a read' };

  const records = recordsOf(expectation.entity);
  const expected = expectedRecords(expectation, records, ctx);
  const entityOk = (entities: string[]) => entities.every((entity) => entity === expectation.entity);
  switch (expectation.kind) {
    case 'count': {
      const said =
        answer.type === 'count' || answer.type === 'report'
          ? answer.count
          : answer.type === 'records'
            ? answer.total
            : undefined;
      if (answer.type === 'records' && !entityOk(answer.entities))
        return { outcome: 'wrong', detail: `listed ${answer.entities.join(', ')}` };
      if (said === expected.length) return { outcome: 'correct' };
      return { outcome: 'wrong', detail: `said ${said ?? 'no number'}, expected ${expected.length}` };
    }
    case 'record': {
      const [only] = expected;
      if (expected.length !== 1 || !only) throw new Error(`a record request selects ${expected.length} records`);
      // The right record, though perhaps not showing the field asked about: noted, not wrong.
      const shown = (text: string): Verdict => {
        const value = expectation.shows ? only[expectation.shows] : undefined;
        return typeof value === 'string' && !text.includes(value)
          ? { outcome: 'correct', detail: `without its ${expectation.shows}` }
          : { outcome: 'correct' };
      };
      if (answer.type === 'record')
        return answer.id === only.id && answer.entity === expectation.entity
          ? shown(answer.text)
          : { outcome: 'wrong', detail: `showed ${answer.entity} ${names([answer.id], records)}` };
      if (answer.type === 'records' && answer.ids.includes(String(only.id)) && entityOk(answer.entities))
        return answer.ids.length === 1
          ? shown(answer.text)
          : { outcome: 'handed over', detail: `a choice of ${answer.ids.length}` };
      return { outcome: 'wrong', detail: `did not show ${String(only.name)}` };
    }
    case 'sum': {
      if (answer.type !== 'report') return { outcome: 'wrong', detail: `answered a total with ${answer.type}` };
      const sum = expected.reduce((total, record) => total + Number(record[expectation.field] ?? 0), 0);
      // The reply rounds to whole units.
      if (answer.amount !== undefined && Math.abs(answer.amount - sum) <= 1 && answer.count === expected.length)
        return { outcome: 'correct' };
      return {
        outcome: 'wrong',
        detail: `said ${answer.count} for ${answer.amount ?? 'no amount'}, expected ${expected.length} for ${Math.round(sum)}`,
      };
    }
    case 'breakdown': {
      if (answer.type !== 'report') return { outcome: 'wrong', detail: `answered a breakdown with ${answer.type}` };
      const users = new Map(recordsOf('User').map((user) => [user.id, String(user.name)]));
      const want = new Map<string, number>();
      for (const record of expected) {
        const value = record[expectation.by];
        const label =
          value === null || value === undefined || value === ''
            ? 'None'
            : expectation.by === 'assignedUserId'
              ? (users.get(String(value)) ?? String(value))
              : String(value);
        want.set(label, (want.get(label) ?? 0) + 1);
      }
      const same = want.size === answer.groups.size && [...want].every(([label, n]) => answer.groups.get(label) === n);
      return same && answer.count === expected.length
        ? { outcome: 'correct' }
        : {
            outcome: 'wrong',
            detail: `said ${JSON.stringify(Object.fromEntries(answer.groups))}, expected ${JSON.stringify(Object.fromEntries(want))}`,
          };
    }
    case 'list': {
      if (answer.type === 'count' || answer.type === 'report')
        return { outcome: 'wrong', detail: 'gave a number for a list' };
      if (answer.type === 'record') {
        return expected.length === 1 && expected[0]!.id === answer.id
          ? { outcome: 'correct' }
          : { outcome: 'wrong', detail: `showed only ${names([answer.id], records)}` };
      }
      if (!entityOk(answer.entities)) return { outcome: 'wrong', detail: `listed ${answer.entities.join(', ')}` };
      return judgeList(expectation, answer, selectedRecords(expectation, records, ctx), records);
    }
  }
}
