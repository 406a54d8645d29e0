import type { EntityTerms, Vocabulary } from './ports.js';
import { FILLERS, wordsOf, type Word } from './words.js';

/** "Priya's email", "what is Acme's phone": whose (a name) and which field, of the record types that have it. */
export interface FieldAsk {
  name: string;
  field: string;
  entities: EntityTerms[];
}

/** Words that only qualify a field word before them: "phone number", "email address" ("Acme's address" is no email). */
const QUALIFIERS = new Set(['number', 'address']);

/** The field the words from `start` (going by `step`) name, and how many words that took. */
function fieldWordsAt(
  words: Word[],
  start: number,
  step: 1 | -1,
  vocabulary: Vocabulary,
): { field: string; length: number } | undefined {
  const fields = vocabulary.entities().flatMap((entity) => entity.contactFields);
  let length = 0;
  let field: string | undefined;
  for (let i = start; words[i]; i += step) {
    const found = fields.find((candidate) => candidate.words.includes(words[i]!.text));
    if (!found || (field && found.field !== field)) break;
    [field, length] = [found.field, length + 1];
  }
  // Read in order, the first word names the field itself.
  const first = words[step === 1 ? start : start - length + 1];
  return field && first && !QUALIFIERS.has(first.text) ? { field, length } : undefined;
}

/**
 * "Acme's phone", "what's Acme's phone number", "Globex email", "phone number for Hooli", "email of
 * Carol Nguyen": a capitalized name of a few words and a contact field, nothing else.
 */
export function fieldAskOf(text: string, vocabulary: Vocabulary): FieldAsk | undefined {
  const all = wordsOf(text);
  const words = all.filter((word) => !FILLERS.has(word.text));
  const after = fieldWordsAt(words, words.length - 1, -1, vocabulary);
  const before = after ? undefined : fieldWordsAt(words, 0, 1, vocabulary);
  // "email Carol" may ask to write to her: the field first only with "of" or "for" ("email of Carol").
  const connected = before && ['of', 'for'].includes(all[all.indexOf(words[before.length - 1]!) + 1]?.text ?? '');
  const found = after ?? (connected ? before : undefined);
  if (!found) return undefined;
  const name = after ? words.slice(0, words.length - after.length) : words.slice(found.length);
  // A name is capitalized, and a few words at most: "update Bob's phone" is no question about Bob.
  const possessiveInside = name.slice(0, -1).some((word) => word.possessive) || (!after && name.at(-1)?.possessive);
  if (!name.length || name.length > 3 || possessiveInside || !name.every((word) => /^\p{Lu}/u.test(word.raw)))
    return undefined;
  const entities = vocabulary
    .entities()
    .filter((entity) => entity.contactFields.some((candidate) => candidate.field === found.field));
  return { name: name.map((word) => word.raw).join(' '), field: found.field, entities };
}
