import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEvalBot, type EvalBot } from '../../eval/bot.js';
import { judge, type Outcome } from '../../eval/judge.js';
import { REQUESTS } from '../../eval/requests.js';

/**
 * End to end, the evaluation agrees with the bot's own answers where their meaning is known: each
 * request of the set is answered here by the slash grammar's exact equivalent (sent as a DM, read
 * from the fake Slack), which the judge must call correct, or by a near miss it must call wrong.
 * Dates are the evaluation's: Wednesday 2026-03-11, 11:00 in New York.
 */
describe('the evaluation judges what the bot really answers', () => {
  let bot: EvalBot;
  beforeAll(async () => {
    bot = await startEvalBot();
  });
  afterAll(() => bot.close());

  const verdictOn = async (asked: string, sent: string) => {
    const request = REQUESTS.find((r) => r.text === asked);
    if (!request) throw new Error(`"${asked}" is not in the set`);
    const { answer } = await bot.ask(sent);
    return judge(request.expect, answer, bot.recordsOf, bot.ctx);
  };
  const cases: [asked: string, sent: string, outcome: Outcome][] = [
    ['deals in proposal stage', 'list deals stage=Proposal', 'correct'],
    ['deals in proposal stage', 'list deals stage=Negotiation', 'wrong'],
    ['find tasks due tomorrow', 'list tasks dateEnd=tomorrow', 'correct'],
    ['find tasks due tomorrow', 'list tasks dateEnd=today', 'wrong'],
    ['find deals closing this month', 'list deals closeDate>=2026-03-01 closeDate<2026-04-01', 'correct'],
    // What the issue saw: a search for words that were filters, saying nothing matches.
    ['find deals closing this month', 'list deals name~closing', 'wrong'],
    ['leads from the website this week', 'list leads source="Web Site" createdAt>=2026-03-09', 'correct'],
    ['overdue tasks', 'list tasks status!=Completed,Canceled,Deferred dateEnd<2026-03-11T11:00', 'correct'],
    ['top 5 deals by amount', 'list deals sort=-amount limit=5', 'correct'],
    ['top 5 deals by amount', 'list deals sort=amount limit=5', 'wrong'],
    ['deals between 5k and 20k', 'list deals amount>=5k amount<=20k', 'correct'],
    // Paged: the first 10 of the 30 leads, with their total.
    ['show prospects', 'list leads', 'correct'],
    ['how many new leads came in this week', 'list leads createdAt>=2026-03-09', 'correct'],
    ['log a call with Acme, then remind me on Friday', 'list deals', 'wrong'],
    ['hi', 'help', 'correct'],
  ];
  for (const [asked, sent, outcome] of cases)
    it(`"${asked}" answered as \`${sent}\` is ${outcome}`, async () => {
      expect((await verdictOn(asked, sent)).outcome).toBe(outcome);
    });

  it('reads a lookup answered by the record card', async () => {
    const acme = bot.recordsOf('Account').find((a) => a.name === 'Acme Corp')!;
    expect(await verdictOn("Acme's phone", `show account ${String(acme.id)}`)).toEqual({ outcome: 'correct' });
  });
});
