import type { EntityTerms, Vocabulary } from './ports.js';
import { FILLERS, wordsOf } from './words.js';

/** "Priya's email", "what is Acme's phone": whose (a name) and which field, of the record types that have it. */
export interface FieldAsk {
  name: string;
  field: string;
  entities: EntityTerms[];
}

export function fieldAskOf(text: string, vocabulary: Vocabulary): FieldAsk | undefined {
  const words = wordsOf(text).filter((word) => !FILLERS.has(word.text));
  const owner = words.findIndex((word) => word.possessive);
  if (owner < 0 || owner !== words.length - 2) return undefined;
  const asked = words[owner + 1]!.text;
  const entities = vocabulary
    .entities()
    .filter((entity) => entity.contactFields.some((field) => field.words.includes(asked)));
  const name = words.slice(0, owner + 1);
  // A name is capitalized, and a few words at most: "update Bob's phone" is no question about Bob.
  if (!entities.length || name.length > 3 || !name.every((word) => /^\p{Lu}/u.test(word.raw))) return undefined;
  const field = entities[0]!.contactFields.find((candidate) => candidate.words.includes(asked))!.field;
  return {
    name: words
      .slice(0, owner + 1)
      .map((word) => word.raw)
      .join(' '),
    field,
    entities,
  };
}
