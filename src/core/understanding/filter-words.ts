import { amountPhraseAt, countPhraseAt, orderPhraseAt, ownPhraseAt } from './phrases.js';
import { timeAt } from './time.js';
import { wordsOf } from './words.js';

/** Words that say which records, not what they are called: a search for them would find nothing and mean it. */
const CONDITION_WORDS = new Set(
  (
    'open won lost closed closing active overdue pending completed done due created modified updated touched ' +
    'assigned unassigned mine my biggest largest stage status priority'
  ).split(' '),
);

/**
 * Whether a text holds words of a condition (time, amount, ownership, order, state): "closing this
 * month" is a filter, not a name to search for.
 */
export function mentionsConditions(text: string): boolean {
  const words = wordsOf(text);
  const today = '2000-01-03'; // Any day: only whether a phrase is a time phrase matters here.
  return words.some(
    (word, i) =>
      CONDITION_WORDS.has(word.text) ||
      timeAt(words, i, today) !== undefined ||
      amountPhraseAt(words, i) !== undefined ||
      ownPhraseAt(words, i) !== undefined ||
      orderPhraseAt(words, i) !== undefined ||
      countPhraseAt(words, i) !== undefined,
  );
}
