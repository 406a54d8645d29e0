/**
 * Splits command text into words the way a shell would, so `name="Call Bob"` is one token
 * (`name=Call Bob`). Slack clients often turn straight quotes into curly ones, so both count.
 */
const OPENING_QUOTES: Record<string, string> = { '"': '"', "'": "'", '“': '”', '„': '“', '‘': '’' };

export interface Token {
  text: string;
  /** Where the token starts in the original text, so callers can take "the rest" verbatim (JSON). */
  start: number;
}

export class UnclosedQuoteError extends Error {}

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let current = '';
  let start = -1;
  let quote: string | undefined;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (quote) {
      if (ch === '\\' && (input[i + 1] === quote || input[i + 1] === '\\')) {
        current += input[++i];
      } else if (ch === quote || (quote === '”' && ch === '"')) {
        quote = undefined;
      } else {
        current += ch;
      }
      continue;
    }
    if (/\s/.test(ch)) {
      if (start >= 0) tokens.push({ text: current, start });
      current = '';
      start = -1;
      continue;
    }
    if (start < 0) start = i;
    const closing = OPENING_QUOTES[ch];
    if (closing) quote = closing;
    else current += ch;
  }
  if (quote) throw new UnclosedQuoteError('unclosed quote');
  if (start >= 0) tokens.push({ text: current, start });
  return tokens;
}

/** Straightens curly quotes so JSON typed in Slack parses. */
export function straightenQuotes(text: string): string {
  return text.replace(/[“”„]/g, '"').replace(/[‘’]/g, "'");
}
