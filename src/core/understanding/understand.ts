import { isoDate } from '../commands/values.js';
import type { Filter } from '../ports.js';
import {
  amountPhraseAt,
  breakdownPhraseAt,
  leaderPhraseAt,
  sumPhraseAt,
  colleaguePhraseAt,
  companyPhraseAt,
  countPhraseAt,
  missingFieldAt,
  orderPhraseAt,
  ownPhraseAt,
  unownedPhraseAt,
  type Order,
} from './phrases.js';
import type { DateTerm, EntityTerms, GroupTerm, Vocabulary } from './ports.js';
import { timeAt, timeFilters, type TimeSpec } from './time.js';
import { FILLERS, typoOf, wordsOf, type Word } from './words.js';

/** What a request was understood to ask: a list or a count of one record type, and what was not understood. */
export interface Understanding {
  entity: EntityTerms;
  filters: Filter[];
  /** How each condition was understood, in the order asked: "close date this month". */
  parts: string[];
  /** `me`: the person's own records; a name: a colleague's ("Bo's deals"), found among the CRM's users. */
  owner?: { kind: 'me' } | { kind: 'user'; name: string };
  /** "for Globex": a name left in `unknown` that is the owner only if exactly one CRM user has it ("for Bo"). */
  maybeOwner?: string;
  /** "at Acme": a name left in `unknown` that is the company only if exactly one company has it. */
  maybeCompany?: string;
  order?: Order;
  limit?: number;
  count: boolean;
  /** "how much", "total": the type's amounts added up. */
  sum?: boolean;
  /** "by stage", "per rep", "who has the most": the records grouped by a field. */
  breakdown?: { field: string; label: string };
  /** Words that said something this layer did not understand: then it does not answer alone. */
  unknown: string[];
  /** Words left that name a record ("show the Globex pilot deal"): looked up by name. */
  name?: string;
}

const CREATED_WORDS = new Set(['created', 'added', 'came', 'entered', 'new', 'signed', 'registered', 'logged']);
const MODIFIED_WORDS = new Set(['modified', 'updated', 'touched', 'changed', 'edited']);
const NATURAL_WORDS = new Set([
  'closing',
  'close',
  'closes',
  'due',
  'expected',
  'expiring',
  'scheduled',
  'starting',
  'start',
  'starts',
  'happening',
  'planned',
]);

interface Pending {
  field: DateTerm;
  spec: TimeSpec;
}

const wordMaps = new WeakMap<Vocabulary, Map<string, EntityTerms>>();
/** Each word that names a record type, once per vocabulary. */
function entityWords(vocabulary: Vocabulary): Map<string, EntityTerms> {
  let byWord = wordMaps.get(vocabulary);
  if (!byWord) {
    byWord = new Map();
    for (const entity of vocabulary.entities()) for (const word of entity.words) byWord.set(word, entity);
    wordMaps.set(vocabulary, byWord);
  }
  return byWord;
}

/** Which record type the words name: the first exact word, else the one word that is a typo of exactly one. */
function entityOf(
  words: Word[],
  vocabulary: Vocabulary,
): { entity: EntityTerms; index: number; typo: boolean; byGroup?: boolean } | undefined {
  const byWord = entityWords(vocabulary);
  const exact = words.findIndex((word) => byWord.has(word.text));
  if (exact >= 0) return { entity: byWord.get(words[exact]!.text)!, index: exact, typo: false };
  // "customers": a group's word that names records of one type only.
  for (const [index, word] of words.entries()) {
    const types = vocabulary
      .entities()
      .filter((entity) => entity.groups.some((group) => group.namesType && group.words.includes(word.text)));
    if (types.length === 1) return { entity: types[0]!, index, typo: false, byGroup: true };
  }
  for (const [index, word] of words.entries()) {
    if (FILLERS.has(word.text)) continue;
    const typo = typoOf(word.text, byWord.keys());
    if (typo) return { entity: byWord.get(typo)!, index, typo: true };
  }
  return undefined;
}

/** An enum option whose label the words at `i` spell (longest first), unambiguous across the entity's fields. */
function optionAt(
  words: Word[],
  i: number,
  entity: EntityTerms,
): { field: string; value: string; length: number } | undefined {
  let found: { field: string; value: string; length: number } | undefined;
  let ambiguous = false;
  for (const term of entity.enums) {
    for (const option of term.options) {
      const label = option.label.toLowerCase().split(/[\s-]+/);
      if (!label.every((part, k) => words[i + k]?.text === part)) continue;
      if (!found || label.length > found.length)
        [found, ambiguous] = [{ field: term.field, value: option.value, length: label.length }, false];
      else if (label.length === found.length) ambiguous = true;
    }
  }
  return ambiguous ? undefined : found;
}

function groupAt(word: Word, entity: EntityTerms): GroupTerm | undefined {
  return entity.groups.find((group) => group.words.includes(word.text));
}

/**
 * Reads a request word by word against the CRM's vocabulary. Undefined when it names no record
 * type; otherwise what it asks, with the words it could not place in `unknown`.
 */
export function understand(
  text: string,
  vocabulary: Vocabulary,
  now: Date,
  timeZone: string,
): Understanding | undefined {
  const words = wordsOf(text);
  const named = entityOf(words, vocabulary);
  if (!named) return undefined;
  const { entity } = named;
  const result: Understanding = { entity, filters: [], parts: [], count: false, unknown: [] };
  const today = isoDate(now, timeZone);
  const hasTime = words.some((_, k) => timeAt(words, k, today));
  const grouped = new Set<string>();
  const chosen: GroupTerm[] = [];
  const enumValues = new Map<string, string[]>();
  const times: Pending[] = [];
  const unknownAt: number[] = [];
  let dateField = entity.naturalDate;
  let fromTop = false;
  let fromFirst = false;
  let upcoming = false;
  const enumFieldWords = new Set(entity.enums.map((term) => term.label.toLowerCase()));

  for (let i = 0; i < words.length;) {
    const word = words[i]!;
    // A group's word that named the type is still its condition ("customers": type is Customer).
    if (i === named.index && !named.byGroup) {
      i += 1;
      continue;
    }
    // "new leads this week" are the week's new ones, not those whose status is still New.
    const option = word.text === 'new' && hasTime ? undefined : optionAt(words, i, entity);
    const time = option ? undefined : timeAt(words, i, today);
    const amount = amountPhraseAt(words, i);
    const order = orderPhraseAt(words, i);
    const own = ownPhraseAt(words, i);
    const unowned = unownedPhraseAt(words, i);
    const missing = missingFieldAt(words, i, entity.contactFields);
    const colleague = i > named.index ? colleaguePhraseAt(words, i) : undefined;
    const company = i > named.index && entity.company ? companyPhraseAt(words, i) : undefined;
    const count = countPhraseAt(words, i);
    const sum = count ? undefined : sumPhraseAt(words, i);
    const breakdown = breakdownPhraseAt(words, i, entity);
    const leader = leaderPhraseAt(words, i);
    const group = groupAt(word, entity);
    if (count) {
      result.count = true;
      i += count;
    } else if (sum) {
      if (!entity.amount) unknownAt.push(i);
      result.sum = true;
      i += sum;
    } else if (breakdown) {
      // "by stage by source": one breakdown is what a report shows.
      if (result.breakdown) unknownAt.push(i);
      result.breakdown = { field: breakdown.field, label: breakdown.label };
      i += breakdown.length;
    } else if (leader) {
      if (!entity.owner || result.breakdown) unknownAt.push(i);
      else result.breakdown = { field: entity.owner, label: 'assigned user' };
      result.count = true;
      i += leader;
    } else if (company) {
      result.maybeCompany = company.name;
      for (let k = 1; k < company.length; k++) unknownAt.push(i + k);
      i += company.length;
    } else if (colleague && entity.owner) {
      if (colleague.maybe) {
        result.maybeOwner = colleague.name;
        unknownAt.push(i + 1);
      } else result.owner = { kind: 'user', name: colleague.name };
      i += colleague.length;
    } else if (unowned) {
      if (!entity.owner) unknownAt.push(i);
      else {
        result.filters.push({ field: entity.owner, op: 'isNull', value: true });
        result.parts.push('assigned to no one');
      }
      i += unowned;
    } else if (missing) {
      result.filters.push({ field: missing.field, op: 'isNull', value: true });
      result.parts.push(`${missing.field} is empty`);
      i += missing.length;
    } else if (own) {
      if (!entity.owner) unknownAt.push(i);
      result.owner = { kind: 'me' };
      i += own;
    } else if (option) {
      enumValues.set(option.field, [...(enumValues.get(option.field) ?? []), option.value]);
      i += option.length;
    } else if (time) {
      times.push({ field: dateField, spec: time.spec });
      i += time.length;
    } else if (amount) {
      if (!entity.amount) unknownAt.push(i);
      else {
        const { field, label } = entity.amount;
        const values = amount.values;
        result.filters.push(
          ...(amount.op === 'between'
            ? [
                { field, op: 'greaterThanOrEquals' as const, value: values[0]! },
                { field, op: 'lessThanOrEquals' as const, value: values[1]! },
              ]
            : [{ field, op: amount.op, value: values[0]! }]),
        );
        result.parts.push(`${label} ${amount.label}`);
      }
      i += amount.length;
    } else if (order) {
      // "tasks by amount": a type with no amount has no such order.
      if (word.text === 'by' && !entity.amount) unknownAt.push(i);
      if (order.order) result.order = order.order;
      // "the next 3 deals to close": open, closing from today on; a type with no open state hands over.
      if (order.upcoming) {
        if (!entity.openGroup) unknownAt.push(i);
        upcoming = true;
      }
      if (order.limit) result.limit = order.limit;
      fromTop = fromTop || word.text === 'top';
      fromFirst = fromFirst || word.text === 'first';
      i += order.length;
    } else if (group) {
      // "referrals by partners": the same group said twice is said once.
      if (!chosen.includes(group)) {
        // "won or lost deals", "open and won deals": two groups of one field, no single filter says which.
        if (grouped.has(group.field)) unknownAt.push(i);
        grouped.add(group.field);
        chosen.push(group);
        result.filters.push({ field: group.field, op: group.op, value: group.values });
        result.parts.push(group.description);
      }
      i += 1;
    } else if (word.possessive && !FILLERS.has(word.text) && entity.owner && i < named.index) {
      result.owner = { kind: 'user', name: word.raw };
      i += 1;
    } else {
      // "referrals by partners": "by" before a group's word says nothing more.
      const byGroup = word.text === 'by' && words[i + 1] !== undefined && groupAt(words[i + 1]!, entity);
      // "shwo my deals": a slip in the opening verb.
      const verbTypo = i === 0 && typoOf(word.text, LOOKUP_VERBS) !== undefined;
      if (CREATED_WORDS.has(word.text)) dateField = entity.created;
      else if (MODIFIED_WORDS.has(word.text)) dateField = entity.modified;
      else if (NATURAL_WORDS.has(word.text)) dateField = entity.naturalDate;
      else if (
        !FILLERS.has(word.text) &&
        !enumFieldWords.has(word.text) &&
        word.text !== 'assigned' &&
        !byGroup &&
        !verbTypo
      )
        unknownAt.push(i);
      // A date word after its time phrase ("this week's new leads") still says which date.
      if (
        times.length &&
        (CREATED_WORDS.has(word.text) || MODIFIED_WORDS.has(word.text)) &&
        times.at(-1)!.field === entity.naturalDate
      )
        times.at(-1)!.field = dateField;
      i += 1;
    }
  }

  const namedWord = words[named.index]!.text;
  // "pipeline", "to-dos": a name for the type's open records only, unless the words chose a group of that field.
  const open = entity.openGroup;
  // "the next 3 deals": still open, too.
  const impliesOpen = entity.openWords.includes(namedWord) || upcoming;
  if (open && impliesOpen && !grouped.has(open.field) && !enumValues.has(open.field)) {
    result.filters.push({ field: open.field, op: open.op, value: open.values });
    result.parts.push(open.description);
  }
  if (upcoming) times.push({ field: entity.naturalDate, spec: { kind: 'range', from: today, label: 'from today' } });
  // "the first 3 leads that came in": the earliest, by the date the words are about.
  if (fromFirst && !result.order) result.order = dateField === entity.naturalDate ? 'soonest' : 'oldest';
  // "the biggest deal" is one deal; "the biggest deals" the first of them.
  if (result.order && !result.limit && entity.singularWords.includes(namedWord)) result.limit = 1;
  for (const [field, values] of enumValues) {
    // "web or partner leads": a value outside the group of the same field asks for an "or" no filter says.
    const outside = values.filter((value) =>
      chosen.some((group) => group.field === field && group.op === 'in' && !group.values.includes(value)),
    );
    if (outside.length) result.unknown.push(...outside);
    result.filters.push(
      values.length === 1 ? { field, op: 'equals', value: values[0]! } : { field, op: 'in', value: values },
    );
    result.parts.push(`${field} is ${values.join(' or ')}`);
  }
  const stateDate = stateDateOf(entity, result.filters, enumValues);
  for (const { field, spec } of times) {
    const applied = timeFilters(
      spec,
      field === entity.naturalDate && stateDate ? stateDate : field,
      entity,
      now,
      timeZone,
    );
    if (!applied) {
      result.unknown.push(spec.label);
      continue;
    }
    result.filters.push(...applied.filters);
    result.parts.push(applied.label);
  }
  if ((result.order === 'amountDesc' || result.order === 'amountAsc') && !entity.amount) {
    if (fromTop) delete result.order;
    else result.unknown.push('biggest');
  }
  result.unknown.push(...unknownAt.map((index) => words[index]!.raw));
  // A record type read from a typo is a guess already: no name is looked up on top of it ("the Hooli contract").
  if (!named.typo) nameOf(result, words, unknownAt, named);
  return result;
}

/** The date a named state brings ("completed" tasks: when completed), when the words name only such states. */
function stateDateOf(entity: EntityTerms, filters: Filter[], enumValues: Map<string, string[]>): DateTerm | undefined {
  return entity.stateDates?.find(
    (state) =>
      enumValues.get(state.field)?.every((value) => state.values.includes(value)) ||
      filters.some(
        (filter) =>
          filter.field === state.field &&
          filter.op === 'in' &&
          Array.isArray(filter.value) &&
          filter.value.every((value) => state.values.includes(String(value))),
      ),
  )?.date;
}

const LOOKUP_VERBS = new Set(['show', 'find', 'open', 'get', 'pull', 'display', 'where', 'look']);

/**
 * "show the Globex pilot deal": the only unknown words, side by side, one of them capitalized,
 * after a verb that looks something up, and no other condition: a name to look up. With no verb,
 * only a name that is all the words before one record's type: "Hooli data migration deal".
 */
function nameOf(result: Understanding, words: Word[], unknownAt: number[], named: { index: number }): void {
  if (!unknownAt.length || unknownAt.length !== result.unknown.length) return;
  const verb = LOOKUP_VERBS.has(words[0]?.text ?? '');
  // "open the Wayne Enterprises account": "open" says nothing of accounts; it is the verb.
  const at = verb && unknownAt[0] === 0 ? unknownAt.slice(1) : unknownAt;
  const contiguous = at.length > 0 && at.every((index, k) => k === 0 || index === at[k - 1]! + 1);
  const oneRecord = result.entity.singularWords.includes(words[named.index]!.text) && named.index === words.length - 1;
  const beforeOne = !verb && oneRecord && at[0] === 0 && at.at(-1) === named.index - 1;
  const capitalized = at.some((index) => /^\p{Lu}/u.test(words[index]!.raw));
  const anyOwner = result.owner || result.maybeOwner || result.maybeCompany;
  const aggregate = result.count || result.sum || result.breakdown;
  if (!contiguous || !(verb || beforeOne) || !capitalized || result.filters.length || aggregate || anyOwner) return;
  result.name = at.map((index) => words[index]!.raw).join(' ');
  result.unknown = [];
}
