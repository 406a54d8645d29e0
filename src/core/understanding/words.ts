/**
 * Words of a request as the understanding layer reads them: lowercased, with the original kept
 * for names, a possessive (`Bo's`) marked, amounts (`$50,000`, `10k`) and days (`2026-12-01`)
 * kept whole.
 */
export interface Word {
  /** Lowercased, without a possessive `'s`. */
  text: string;
  /** As typed, for names ("Globex"). */
  raw: string;
  possessive: boolean;
}

const WORD = /\d{4}-\d{2}-\d{2}|\$?\d[\d,]*(?:\.\d+)?[km]?(?![a-z])|[\p{L}\p{N}]+(?:['’](?:s\b)?)?/giu;

export function wordsOf(text: string): Word[] {
  // "to-dos", "follow-up": one word each.
  return [...text.replace(/(\p{L})-(?=\p{L})/gu, '$1').matchAll(WORD)].map(([match]) => {
    const possessive = /['’](s)?$/i.test(match);
    const raw = match.replace(/['’]s?$/i, '');
    return { text: raw.toLowerCase(), raw, possessive };
  });
}

/**
 * Edit distance with adjacent swaps (optimal string alignment), giving up past `limit`: "oppurtunities",
 * "contcats" and "taks" are one or two edits from what was meant.
 */
export function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, before[j - 2]! + 1);
      current.push(value);
      best = Math.min(best, value);
    }
    if (best > limit) return limit + 1;
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The edits a word may be off by and still count as a typo of a known word: none for short words
 * ("deal" and "dead" are both real), one from five letters, two from eight.
 */
export function typoAllowance(word: string): number {
  return word.length >= 8 ? 2 : word.length >= 5 ? 1 : 0;
}

/** "taks", "lsit": two neighbouring letters of a four-letter word swapped. */
const swapped = (a: string, b: string) =>
  a.length === b.length && [...a.slice(1)].some((_, k) => a.slice(0, k) + a[k + 1] + a[k] + a.slice(k + 2) === b);

/** The candidate a word is a typo of, when exactly one is close enough. */
export function typoOf(word: string, candidates: Iterable<string>): string | undefined {
  const allowance = typoAllowance(word);
  if (!allowance) {
    // Four letters allow no edit ("deal" and "dead" are both words), but a swap of two is a slip of the hand.
    if (word.length !== 4) return undefined;
    const found = [...candidates].filter((candidate) => candidate !== word && swapped(word, candidate));
    return found.length === 1 ? found[0] : undefined;
  }
  let found: string | undefined;
  let foundDistance = allowance + 1;
  let tie = false;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate, allowance);
    if (distance < foundDistance) [found, foundDistance, tie] = [candidate, distance, false];
    else if (distance === foundDistance && found !== undefined) tie = true;
  }
  return tie ? undefined : found;
}

/** `10k`, `$50,000`, `1.5m`: the amount, or undefined. */
export function amountOf(word: string): number | undefined {
  const match = /^\$?(\d[\d,]*(?:\.\d+)?)([km])?$/.exec(word);
  if (!match) return undefined;
  const base = Number(match[1]!.replace(/,/g, ''));
  const multiplier = match[2] === 'k' ? 1_000 : match[2] === 'm' ? 1_000_000 : 1;
  return Number.isFinite(base) ? base * multiplier : undefined;
}

/** Words that carry no condition: verbs of asking, articles, fillers. */
export const FILLERS = new Set(
  (
    'show me list find get give display pull up all the a an any every of with that which who are is were was ' +
    'there do does did have has please pls what whats what’s for on in to from at and or can could you ' +
    'would like see tell let know look lookup our some currently right now ones one records record ' +
    'items entries s them those these their its it be being been still yet so far out thanks thank just we us whole entire'
  ).split(/\s+/),
);
