import { parseCommand, type Command } from '../commands/parse.js';
import { subcommandOf } from '../commands/grammar.js';
import type { EntityDirectory } from '../ports.js';
import { mentionsConditions } from '../understanding/filter-words.js';

/**
 * Messages that need no model: the slash grammar itself ("list leads status=New"), and a few
 * obvious phrasings ("show deals", "hi"). Returns the command text to run, or undefined to ask the
 * planner. It errs towards the planner: "show my open deals" parses as the grammar's `show <entity>
 * <id>`, but `my` is no entity and `open` no id, so it goes to the model.
 */
export function fastPathCommand(
  text: string,
  entities: EntityDirectory,
  now: Date,
  timeZone: string,
): string | undefined {
  const polite = text.trim().replace(/^(please|pls|can you|could you)\s+/i, '');
  // Trailing "please", "?" or "." is manner, unless it ends a typed value (`name=Done.`).
  const cleaned = /=\S*$/.test(polite) ? polite : polite.replace(/[\s?!.]*(please)?[\s?!.]*$/i, '');
  const phrasing = obviousPhrasing(cleaned, entities);
  if (phrasing) return phrasing;

  const words = cleaned.split(/\s+/);
  if (!subcommandOf(words[0] ?? '')) return undefined;
  let command: Command;
  try {
    command = parseCommand(cleaned, { entities, now, timeZone });
  } catch {
    return undefined; // Not the grammar after all ("create a task to call Bob"): the model's turn.
  }
  return isConfidentlyGrammar(command, words, entities) ? cleaned : undefined;
}

const GREETING =
  /^(hi|hello|hey|hey there|hi there|hello there|good (morning|afternoon|evening)|help|what can you do|how does this work|how do i use (this|you))$/i;
const LIST_PHRASE = /^(?:show|list|get|give)(?: me)?(?: all)?(?: the)? ([a-z]+)$/i;

function obviousPhrasing(text: string, entities: EntityDirectory): string | undefined {
  if (GREETING.test(text)) return 'help';
  const list = LIST_PHRASE.exec(text);
  if (list && entities.mentionedIn(list[1]!).length && /(s|people)$/i.test(list[1]!)) return `list ${list[1]}`;
  return undefined;
}

/** An EspoCRM id (17 hex characters) or something id-like: no spaces, letters and digits. */
const ID_LIKE = /^(?=.*\d)[A-Za-z0-9_-]{6,64}$/;
/** Words that mean the text is a sentence, not a search term: "find contacts at Acme". */
const SENTENCE_WORDS = /\b(at|with|who|whose|which|that|for|from|in|named|called|my|me|the|of|about)\b/i;

function isConfidentlyGrammar(command: Command, words: string[], entities: EntityDirectory): boolean {
  const entityWord = words[1] ?? '';
  // "Acme" in "find Acme deals" is no entity: custom entities are C-prefixed (CProject).
  const namesEntity = () => entities.mentionedIn(entityWord).length > 0 || entities.isRecordType(entityWord);
  switch (command.kind) {
    case 'unknown':
      return false;
    case 'help':
      return words.length === 1 || (words.length === 2 && command.topic !== undefined);
    case 'connect':
    case 'status':
    case 'disconnect':
      // "status of the Acme deal" is a question, not the connection status.
      return words.length === 1;
    case 'list':
    case 'create':
    case 'report':
      return namesEntity();
    case 'find':
      return (
        namesEntity() &&
        !SENTENCE_WORDS.test(command.query.text ?? '') &&
        // "find deals closing this month" is a filter, not a text search that would find nothing.
        !mentionsConditions(command.query.text ?? '') &&
        (command.query.text ?? '').split(/\s+/).length <= 3
      );
    case 'show':
    case 'update':
    case 'delete':
      return /^https?:\/\//.test(entityWord) || (namesEntity() && ID_LIKE.test(command.id));
    default:
      return true;
  }
}
