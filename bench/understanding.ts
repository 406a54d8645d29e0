/**
 * BENCH_ONLY=understanding: what the deterministic layers cost per message, in process: the fast
 * path (the slash grammar, with its check for filter words) and the understanding layer's reading
 * of the words, over a varied set (the plain-language set's requests and everyday phrasings). The
 * target: under 2 ms per message. No CRM call is timed here; those are the same reads as /espo list.
 */
import { readFileSync } from 'node:fs';
import { fastPathCommand } from '../src/core/conversation/fast-path.js';
import { fieldAskOf } from '../src/core/understanding/field-ask.js';
import { understand } from '../src/core/understanding/understand.js';
import { EspoEntityDirectory } from '../src/crm/espo/entities.js';
import { EspoVocabulary } from '../src/crm/espo/vocabulary.js';
import { percentile } from './stats.js';

const EVERYDAY = [
  'show my open deals closing this month over 10k',
  'how many leads came in this week',
  'find deals closing this month',
  'find tasks due tomorrow',
  'overdue tasks',
  'top 5 deals',
  'biggest deals closing next quarter',
  'deals between 5k and 20k in the last 30 days',
  "Bo's open deals",
  "Priya's email",
  "what is Acme's phone?",
  'show the Globex pilot deal',
  'high priority tasks due friday',
  'leads from web site created since 2026-11-01',
  'oppurtunities in negociation',
  'contacts updated in the last 7 days',
  'my meetings tomorrow',
  'which calls are planned for next week',
  'number of won deals this year',
  'latest 3 leads',
  'open tickets assigned to me',
  'list leads status=New',
  'create task name="Call Bob" dateEnd=tomorrow',
  'draft a follow-up to the Hooli contact about pricing and next steps for the pilot',
];
const TIME_ZONES = ['America/New_York', 'Europe/Berlin', 'Asia/Tokyo', 'UTC'];

export function runUnderstanding(rounds = 200): string[] {
  const set = JSON.parse(readFileSync(new URL('./plain-language-set.json', import.meta.url), 'utf8')) as {
    requests: { text: string }[];
  };
  const texts = [...set.requests.map((request) => request.text), ...EVERYDAY];
  const entities = new EspoEntityDirectory();
  const vocabulary = new EspoVocabulary();
  const now = new Date();
  const perMessage = (text: string, timeZone: string) => {
    if (fastPathCommand(text, entities, now, timeZone)) return;
    if (!understand(text, vocabulary, now, timeZone)) fieldAskOf(text, vocabulary);
  };
  // Warm the JIT and the time-zone formatters first, as a running bot is.
  for (const text of texts) for (const zone of TIME_ZONES) perMessage(text, zone);
  const micros: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const zone = TIME_ZONES[round % TIME_ZONES.length]!;
    for (const text of texts) {
      const started = process.hrtime.bigint();
      perMessage(text, zone);
      micros.push(Number(process.hrtime.bigint() - started) / 1000);
    }
  }
  const p50 = percentile(micros, 50);
  const p99 = percentile(micros, 99);
  const max = Math.max(...micros);
  return [
    `\nunderstanding layer (fast path + reading the words), ${micros.length} messages over ${texts.length} phrasings:`,
    `| p50 | p99 | max | target |`,
    `|---|---|---|---|`,
    `| ${p50.toFixed(0)} µs | ${p99.toFixed(0)} µs | ${(max / 1000).toFixed(2)} ms | < 2 ms per message: ${p99 < 2000 ? 'met' : 'MISSED'} |`,
  ];
}
