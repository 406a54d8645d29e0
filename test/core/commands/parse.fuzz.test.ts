import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../src/core/commands/parse.js';
import { SUBCOMMANDS } from '../../../src/core/commands/grammar.js';
import { AppError } from '../../../src/core/errors.js';
import { EspoEntityDirectory } from '../../../src/crm/espo/entities.js';

/**
 * Property: whatever is typed after `/espo`, the grammar answers with a command or a polite
 * AppError (bad input); it never throws anything else and never takes long.
 */
const context = {
  entities: new EspoEntityDirectory(),
  now: new Date('2026-11-25T15:00:00Z'),
  timeZone: 'America/Los_Angeles',
};

const oddText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\u200b',
    '\u202e',
    '🧨',
    'ｌｉｓｔ',
    '"',
    '“',
    "'",
    '=',
    '==',
    '\\',
    '{',
    '[',
    '<!channel>',
    '&lt;',
    '%00',
    'NaN',
    '-1',
    '1e309',
    '__proto__',
    'constructor',
  ),
);
const token = fc.oneof(
  oddText,
  fc
    .tuple(
      fc.constantFrom('name', 'status', 'amount', 'sort', 'limit', 'to', 'id', 'dateEnd', '__proto__', ''),
      fc.constantFrom('=', '!=', '>', '<', '>=', '<=', '~'),
      oddText,
    )
    .map(([field, op, value]) => `${field}${op}${value}`),
  oddText.map((value) => `"${value}"`),
  fc.constantFrom(...context.entities.words().slice(0, 30)),
);
const commandText = fc.oneof(
  fc
    .tuple(fc.constantFrom(...SUBCOMMANDS), fc.array(token, { maxLength: 12 }))
    .map(([word, rest]) => [word, ...rest].join(' ')),
  fc.array(token, { maxLength: 12 }).map((parts) => parts.join(' ')),
);

function outcome(text: string): 'command' | 'bad_input' {
  try {
    const command = parseCommand(text, context);
    expect(typeof command.kind).toBe('string');
    return 'command';
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).userMessage.length).toBeGreaterThan(0);
    return 'bad_input';
  }
}

describe('the slash grammar, fuzzed', () => {
  it('turns any text into a command or a polite error', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(commandText, (text) => {
        seen.add(outcome(text));
      }),
      { numRuns: 3000 },
    );
    // The generator reaches both sides, so the property says something about each.
    expect(seen).toEqual(new Set(['command', 'bad_input']));
  });

  it('handles huge text quickly', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('list leads ', 'create lead name=', 'find contact ', ''),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1000, max: 10_000 }),
        (head, chunk, times) => {
          const started = performance.now();
          outcome(head + chunk.repeat(times));
          expect(performance.now() - started).toBeLessThan(500);
        },
      ),
      { numRuns: 40 },
    );
  });
});
