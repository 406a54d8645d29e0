import type { EntityTerms } from './ports.js';
import { timeAt } from './time.js';
import { amountOf, FILLERS, typoOf, type Word } from './words.js';

/** Any day: only whether words are a time phrase matters here. */
const ANY_DAY = '2000-01-03';

/** Phrases about amounts, ownership, order, limits and counts, read at a position in the words. */

export interface AmountMatch {
  op: 'greaterThan' | 'lessThan' | 'greaterThanOrEquals' | 'lessThanOrEquals' | 'between';
  values: number[];
  label: string;
  length: number;
}

const ABOVE = new Map([
  ['over', 'greaterThan'],
  ['above', 'greaterThan'],
  ['exceeding', 'greaterThan'],
  ['under', 'lessThan'],
  ['below', 'lessThan'],
] as const);
const COMPARATIVE = new Map([
  ['more', 'greaterThan'],
  ['greater', 'greaterThan'],
  ['bigger', 'greaterThan'],
  ['larger', 'greaterThan'],
  ['higher', 'greaterThan'],
  ['less', 'lessThan'],
  ['fewer', 'lessThan'],
  ['smaller', 'lessThan'],
  ['lower', 'lessThan'],
] as const);

// Maps, not object literals, for every word looked up: `constructor` or `__proto__` must find nothing.
const SCALES = new Map([
  ['k', 1_000],
  ['thousand', 1_000],
  ['grand', 1_000],
  ['m', 1_000_000],
  ['million', 1_000_000],
]);

/** "10k", "$50,000", "1 million", "5 grand": the amount and how many words it took. */
function amountAt(words: Word[], i: number): { value: number; length: number } | undefined {
  const value = amountOf(words[i]?.text ?? '');
  if (value === undefined) return undefined;
  const scale = SCALES.get(words[i + 1]?.text ?? '');
  return scale && /^\$?[\d,.]+$/.test(words[i]!.text) ? { value: value * scale, length: 2 } : { value, length: 1 };
}

const money = (value: number) => value.toLocaleString('en-US');

/** over 10k, above $50,000, more than 5k, at least 1m, under 1m, between 5k and 20k. */
export function amountPhraseAt(words: Word[], i: number): AmountMatch | undefined {
  const first = words[i]?.text ?? '';
  // "worth over 10k": the amount phrase after it; "what are they worth?" asks for a sum, which is no filter.
  if (first === 'worth' || first === 'valued') {
    const after = amountPhraseAt(words, i + 1);
    return after && { ...after, length: after.length + 1 };
  }
  if (first === 'between') {
    const low = amountAt(words, i + 1);
    const and = low && words[i + 1 + low.length]?.text;
    const high = low && (and === 'and' || and === 'to') ? amountAt(words, i + 2 + low.length) : undefined;
    if (!low || !high) return undefined;
    return {
      op: 'between',
      values: [low.value, high.value],
      label: `between ${money(low.value)} and ${money(high.value)}`,
      length: 2 + low.length + high.length,
    };
  }
  let op: AmountMatch['op'] | undefined = ABOVE.get(first as 'over');
  let lead = 1;
  const comparative = COMPARATIVE.get(first as 'more');
  if (comparative && words[i + 1]?.text === 'than') [op, lead] = [comparative, 2];
  if ((first === 'at' && words[i + 1]?.text === 'least') || first === 'min' || first === 'minimum')
    [op, lead] = ['greaterThanOrEquals', first === 'at' ? 2 : 1];
  if ((first === 'at' && words[i + 1]?.text === 'most') || first === 'max' || first === 'maximum')
    [op, lead] = ['lessThanOrEquals', first === 'at' ? 2 : 1];
  if (!op) return undefined;
  const amount = amountAt(words, i + lead);
  if (!amount) return undefined;
  const label = {
    greaterThan: 'over',
    lessThan: 'under',
    greaterThanOrEquals: 'at least',
    lessThanOrEquals: 'at most',
  }[op];
  return { op, values: [amount.value], label: `${label} ${money(amount.value)}`, length: lead + amount.length };
}

/** "my", "mine", "assigned to me", "owned by me", "I own": the person's own records. */
export function ownPhraseAt(words: Word[], i: number): number | undefined {
  const at = (k: number) => words[i + k]?.text;
  if (at(0) === 'my' || at(0) === 'mine') return 1;
  if (
    (at(0) === 'assigned' || at(0) === 'owned') &&
    (at(1) === 'to' || at(1) === 'by') &&
    (at(2) === 'me' || at(2) === 'myself')
  )
    return 3;
  if (at(0) === 'i' && (at(1) === 'own' || at(1) === 'have')) return 2;
  return undefined;
}

/** A colleague's name as typed: capitalized, not a filler ("assigned to Bo", not "assigned to the team"). */
const nameAt = (words: Word[], i: number) => {
  const word = words[i];
  // "for March", "for Friday": a time, not a person.
  const isTime = timeAt(words, i, ANY_DAY) !== undefined;
  return word && /^\p{Lu}/u.test(word.raw) && !FILLERS.has(word.text) && !word.possessive && !isTime ? word : undefined;
};

/**
 * After the record type: "assigned to Bo", "owned by Bo", "Bo owns", "for Bo". The name is looked
 * up among the CRM's users; a name that is no one's hands the request over. `maybe`: "for Globex"
 * may name a company as well as a person, so it is a person only once exactly one user has the name.
 */
export function colleaguePhraseAt(
  words: Word[],
  i: number,
): { name: string; length: number; maybe: boolean } | undefined {
  const at = (k: number) => words[i + k]?.text;
  if ((at(0) === 'assigned' || at(0) === 'owned') && (at(1) === 'to' || at(1) === 'by') && nameAt(words, i + 2))
    return { name: words[i + 2]!.raw, length: 3, maybe: false };
  if (at(0) === 'for' && nameAt(words, i + 1)) return { name: words[i + 1]!.raw, length: 2, maybe: true };
  if (nameAt(words, i) && (at(1) === 'owns' || at(1) === 'has'))
    return { name: words[i]!.raw, length: 2, maybe: false };
  return undefined;
}

/** "unassigned", "nobody owns", "no one owns", "not assigned", "without an owner": records with no owner. */
export function unownedPhraseAt(words: Word[], i: number): number | undefined {
  const at = (k: number) => words[i + k]?.text ?? '';
  // "unasigned" is a typo of it; "assigned" is two edits away too, and the opposite.
  const typo = at(0).startsWith('un') && typoOf(at(0), ['unassigned']) !== undefined;
  if (at(0) === 'unassigned' || at(0) === 'unowned' || typo) return 1;
  if (at(0) === 'nobody' && (at(1) === 'owns' || at(1) === 'has')) return 2;
  if (at(0) === 'no' && at(1) === 'one' && (at(2) === 'owns' || at(2) === 'has')) return 3;
  if (at(0) === 'not' && at(1) === 'assigned') return 2;
  if (at(0) === 'without' && (at(1) === 'an' || at(1) === 'any') && at(2) === 'owner') return 3;
  if ((at(0) === 'without' || at(0) === 'no') && at(1) === 'owner') return 2;
  return undefined;
}

/** "without a phone number", "no email", "missing email address": a contact field that is empty. */
export function missingFieldAt(
  words: Word[],
  i: number,
  fields: EntityTerms['contactFields'],
): { field: string; length: number } | undefined {
  const at = (k: number) => words[i + k]?.text ?? '';
  if (at(0) !== 'without' && at(0) !== 'no' && at(0) !== 'missing') return undefined;
  const start = ['a', 'an', 'any'].includes(at(1)) ? 2 : 1;
  const field = fields.find((candidate) => candidate.words.includes(at(start)));
  if (!field) return undefined;
  let end = start;
  while (field.words.includes(at(end))) end += 1;
  return { field: field.field, length: end };
}

/** "at Acme", "at Wayne Enterprises": the capitalized words of a company's name after "at". */
export function companyPhraseAt(words: Word[], i: number): { name: string; length: number } | undefined {
  if (words[i]?.text !== 'at') return undefined;
  let end = i + 1;
  while (nameAt(words, end)) end += 1;
  if (end === i + 1) return undefined;
  return {
    name: words
      .slice(i + 1, end)
      .map((word) => word.raw)
      .join(' '),
    length: end - i,
  };
}

export type Order = 'amountDesc' | 'amountAsc' | 'newest' | 'oldest' | 'soonest';
export interface OrderMatch {
  order?: Order;
  limit?: number;
  /** "the next 3": still to come, and still open. */
  upcoming?: boolean;
  length: number;
}

const ORDER_WORDS = new Map<string, Order>([
  ['biggest', 'amountDesc'],
  ['largest', 'amountDesc'],
  ['highest', 'amountDesc'],
  ['smallest', 'amountAsc'],
  ['lowest', 'amountAsc'],
  ['latest', 'newest'],
  ['newest', 'newest'],
  ['recent', 'newest'],
  ['oldest', 'oldest'],
  ['earliest', 'oldest'],
  ['soonest', 'soonest'],
]);
const AMOUNT_WORDS = new Set(['amount', 'value', 'size']);
const MAX_LIMIT = 20;
const limitOf = (word: Word | undefined) => {
  const n = word && /^\d{1,2}$/.test(word.text) ? Number(word.text) : undefined;
  return n && n <= MAX_LIMIT ? n : undefined;
};

/** "biggest", "most recent", "top 5", "first 3", "5 biggest". */
export function orderPhraseAt(words: Word[], i: number): OrderMatch | undefined {
  const first = words[i]?.text ?? '';
  if (first === 'most' && words[i + 1]?.text === 'recent') return withLimitAfter({ order: 'newest', length: 2 });
  // "by amount", "by value": the biggest first.
  if (first === 'by' && AMOUNT_WORDS.has(words[i + 1]?.text ?? '')) return { order: 'amountDesc', length: 2 };
  const order = ORDER_WORDS.get(first);
  if (order) return withLimitAfter({ order, length: 1 });
  const next = first === 'next' ? limitOf(words[i + 1]) : undefined;
  if (next) return { order: 'soonest', limit: next, upcoming: true, length: 2 };
  if (first === 'top' || first === 'first') {
    const limit = limitOf(words[i + 1]);
    return {
      ...(first === 'top' ? { order: 'amountDesc' as const } : {}),
      ...(limit ? { limit } : {}),
      length: limit ? 2 : 1,
    };
  }
  const limit = limitOf(words[i]);
  const after = limit ? orderPhraseAt(words, i + 1) : undefined;
  if (limit && after?.order && !after.limit) return { limit, order: after.order, length: after.length + 1 };
  return undefined;

  /** "biggest 3", "latest 5": the limit right after the order word. */
  function withLimitAfter(match: OrderMatch & { order: Order }): OrderMatch {
    const limit = limitOf(words[i + match.length]);
    return limit ? { ...match, limit, length: match.length + 1 } : match;
  }
}

/** "how many", "count", "number of": a count is asked for. */
export function countPhraseAt(words: Word[], i: number): number | undefined {
  const at = (k: number) => words[i + k]?.text;
  if (at(0) === 'how' && at(1) === 'many') return 2;
  if (at(0) === 'number' && at(1) === 'of') return 2;
  if (at(0) === 'total' && at(1) === 'number' && at(2) === 'of') return 3;
  // Not "total": "total pipeline" asks for a sum of amounts, which is no count.
  if (at(0) === 'count') return 1;
  return undefined;
}

/** "how much", "total", "sum of", "value of", "… worth?": the amounts added up, not listed. */
export function sumPhraseAt(words: Word[], i: number): number | undefined {
  const at = (k: number) => words[i + k]?.text;
  if (at(0) === 'how' && at(1) === 'much') return 2;
  // "what did we win in November": what the won deals came to.
  if (at(0) === 'what' && at(1) === 'did' && at(2) === 'we' && at(3) === 'win') return 3;
  // "total value", "total amount": one phrase.
  if (at(0) === 'total') return AMOUNT_WORDS.has(at(1) ?? '') ? 2 : 1;
  if (at(0) === 'sum') return at(1) === 'of' ? 2 : 1;
  if (at(0) === 'value' && at(1) === 'of') return 2;
  // "how much is my pipeline worth": worth at the end; "deals worth over 10k" is an amount.
  if (at(0) === 'worth' && at(1) === undefined) return 1;
  return undefined;
}

export interface BreakdownMatch {
  /** The field the records are grouped by: an enum field, or the owner. */
  field: string;
  label: string;
  length: number;
}

/** Words for whose records they are: "by rep", "per owner". */
const OWNER_WORDS = new Set([
  'owner',
  'owners',
  'rep',
  'reps',
  'user',
  'users',
  'assignee',
  'assignees',
  'salesperson',
  'seller',
  'sellers',
]);

/** The field a word names, for a breakdown: "stage", "stages", "source", "owner". */
function breakdownField(word: string | undefined, entity: EntityTerms): Omit<BreakdownMatch, 'length'> | undefined {
  if (!word) return undefined;
  if (OWNER_WORDS.has(word)) return entity.owner ? { field: entity.owner, label: 'assigned user' } : undefined;
  const singular = word.replace(/(?:es|s)$/, '');
  // A field is named by its label or the label's last word: `leadSource` by "source".
  const names = (label: string) => [
    label.toLowerCase(),
    label
      .split(/(?=\p{Lu})/u)
      .at(-1)!
      .toLowerCase(),
  ];
  const matches = entity.enums.filter((enumTerm) =>
    names(enumTerm.label).some(
      (name) => name === word || name === singular || `${name}s` === word || `${name}es` === word,
    ),
  );
  const [term] = matches;
  return matches.length === 1 && term ? { field: term.field, label: term.label } : undefined;
}

/** "by stage", "per rep", "broken down by source", "for each status": the groups a total is broken into. */
export function breakdownPhraseAt(words: Word[], i: number, entity: EntityTerms): BreakdownMatch | undefined {
  const at = (k: number) => words[i + k]?.text;
  const lead = at(0) === 'broken' && at(1) === 'down' ? 2 : 0;
  const by = at(lead) === 'by' || at(lead) === 'per' ? 1 : at(lead) === 'for' && at(lead + 1) === 'each' ? 2 : 0;
  if (!by) return undefined;
  const field = breakdownField(at(lead + by), entity);
  return field && { ...field, length: lead + by + 1 };
}

/** "who has the most open deals", "which rep has the most leads": counted by owner, the most first. */
export function leaderPhraseAt(words: Word[], i: number): number | undefined {
  const at = (k: number) => words[i + k]?.text;
  const who = at(0) === 'who' ? 1 : at(0) === 'which' && OWNER_WORDS.has(at(1) ?? '') ? 2 : 0;
  if (!who || !['has', 'have', 'owns'].includes(at(who) ?? '')) return undefined;
  if (at(who + 1) === 'the' && at(who + 2) === 'most') return who + 3;
  return at(who + 1) === 'most' ? who + 2 : undefined;
}
