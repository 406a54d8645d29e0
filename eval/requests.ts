/**
 * The labelled request set: what sales reps type to the bot in a DM, as they type it (typos,
 * synonyms, time words, amounts), each with the answer it should get as a predicate over the fake
 * EspoCRM's records (eval/data.ts), never as an expected string. Time words are windows in the
 * rep's time zone from the fixed `now` (eval/time.ts). `model` marks what only a model should
 * answer: writes, vague and multi-step requests; without one, the bot should hand those over.
 *
 * To add a request: append `ask(text, expectation)` to its group. The builders below keep each one
 * a line: `deals(open, closing(windows.thisMonth))`, `count('Lead', createdIn(windows.thisWeek))`.
 * Labels follow what the words say; where a phrase is ambiguous, the set words it so it is not.
 */
import type { EspoRecord } from '../fakes/espocrm/model.js';
import { expectedRecords, type EvalContext, type Expectation, type Where } from './judge.js';
import { isPast, windows, within, type Clock, type Weekday, type Window } from './time.js';

export interface EvalRequest {
  text: string;
  expect: Expectation;
  /** What the request exercises, for reading the results by theme. */
  tag: string;
}

// ---- predicates ---------------------------------------------------------------------------------

const all =
  (...parts: Where[]): Where =>
  (record, ctx) =>
    parts.every((part) => part(record, ctx));
const is =
  (field: string, ...values: unknown[]): Where =>
  (record) =>
    values.includes(record[field]);
const named = (name: string): Where => is('name', name);
const empty =
  (field: string): Where =>
  (record) =>
    record[field] === null || record[field] === undefined || record[field] === '';
const amount =
  (field: string, test: (value: number) => boolean): Where =>
  (record) =>
    typeof record[field] === 'number' && test(record[field]);
const dated =
  (field: string, window: (clock: Clock) => Window): Where =>
  (record, ctx) =>
    within(record[field], window(ctx), ctx.timeZone);

const mine: Where = (record, ctx) => record.assignedUserId === ctx.me;
const ownedBy =
  (firstName: string): Where =>
  (record, ctx) =>
    record.assignedUserId === ctx.user(firstName);
const unassigned = empty('assignedUserId');
const any: Where = () => true;

const open: Where = (record) => !['Closed Won', 'Closed Lost'].includes(String(record.stage));
const stage = (...stages: string[]) => is('stage', ...stages);
const closing = (window: (clock: Clock) => Window) => dated('closeDate', window);
const worth = (test: (value: number) => boolean) => amount('amount', test);

// EspoCRM's own `actual` task filter leaves out the status field's notActualOptions
// (Modules/Crm/Classes/Select/Task/PrimaryFilters/Actual.php; entityDefs/Task.json).
const active: Where = (record) => !['Completed', 'Canceled', 'Deferred'].includes(String(record.status));
const due = (window: (clock: Clock) => Window) => dated('dateEnd', window);
/** Open and due before now. */
const overdue: Where = (record, ctx) => active(record, ctx) && isPast(record.dateEnd, ctx);

const createdIn = (window: (clock: Clock) => Window) => dated('createdAt', window);
const accountOf = (name: string): Where => is('accountName', name);

// ---- expectations -------------------------------------------------------------------------------

type Order = { by: string; desc?: boolean };
const list = (entity: string, ...where: Where[]): Expectation => ({ kind: 'list', entity, where: all(...where) });
const ranked = (entity: string, order: Order, limit: number | undefined, ...where: Where[]): Expectation => ({
  kind: 'list',
  entity,
  where: all(...where),
  order,
  ...(limit ? { limit } : {}),
});
const count = (entity: string, ...where: Where[]): Expectation => ({ kind: 'count', entity, where: all(...where) });
const sum = (entity: string, field: string, ...where: Where[]): Expectation => ({
  kind: 'sum',
  entity,
  field,
  where: all(...where),
});
const breakdown = (entity: string, by: string, ...where: Where[]): Expectation => ({
  kind: 'breakdown',
  entity,
  by,
  where: all(...where),
});
const record = (entity: string, where: Where, shows?: string): Expectation => ({
  kind: 'record',
  entity,
  where,
  ...(shows ? { shows } : {}),
});
const deals = (...where: Where[]) => list('Opportunity', ...where);
const leads = (...where: Where[]) => list('Lead', ...where);
const tasks = (...where: Where[]) => list('Task', ...where);
const HELP: Expectation = { kind: 'help' };
const MODEL: Expectation = { kind: 'model' };
/** For the model, though showing this one record (found by name) answers it too. */
const orRecord = (entity: string, name: string): Expectation => ({
  kind: 'model',
  or: { kind: 'record', entity, where: named(name) },
});

const ask = (tag: string) => (text: string, expect: Expectation) => ({ text, expect, tag });

const deal = ask('deals');
const amounts = ask('amounts');
const order = ask('order and limits');
const lead = ask('leads');
const task = ask('tasks');
const company = ask('accounts and contacts');
const lookup = ask('lookups by name');
const howMany = ask('counts');
const totals = ask('totals and breakdowns');
const typo = ask('typos');
const greeting = ask('greetings and help');
const model = ask('for the model');

const { today, tomorrow, yesterday, thisWeek, nextWeek, lastWeek, thisMonth, nextMonth, lastMonth } = windows;
const { thisQuarter, nextQuarter, lastQuarter, thisYear } = windows;
const inDays = (days: number) => (clock: Clock) => windows.inDays(clock, days);
const nextDays = (days: number) => (clock: Clock) => windows.nextDays(clock, days);
const lastDays = (days: number) => (clock: Clock) => windows.lastDays(clock, days);
const before = (monthDay: string) => (clock: Clock) => windows.before(clock, monthDay);
const after = (monthDay: string) => (clock: Clock) => windows.after(clock, monthDay);
const on = (weekday: Weekday) => (clock: Clock) => windows.on(clock, weekday);
const sinceMonday = (clock: Clock) => windows.since(clock, 'monday');
const pastDue = (clock: Clock): Window => ({ to: windows.today(clock).from });
const fromToday = (clock: Clock): Window => ({ from: windows.today(clock).from });

export const REQUESTS: EvalRequest[] = [
  // Deals: stages, owners, close dates.
  deal(
    'show my open deals closing this month over 10k',
    deals(
      mine,
      open,
      closing(thisMonth),
      worth((a) => a > 10000),
    ),
  ),
  deal('find deals closing this month', deals(closing(thisMonth))),
  deal('open deals closing this month', deals(open, closing(thisMonth))),
  deal('my deals', deals(mine)),
  deal('my open deals', deals(mine, open)),
  deal('whats in my pipeline', deals(mine, open)),
  deal('show me the whole pipeline', deals(open)),
  deal('opportunities in negotiation', deals(stage('Negotiation'))),
  deal('deals in proposal stage', deals(stage('Proposal'))),
  deal('list opportunities in prospecting', deals(stage('Prospecting'))),
  deal('qualification stage deals assigned to me', deals(mine, stage('Qualification'))),
  deal('which deals did we win this month?', deals(stage('Closed Won'), closing(thisMonth))),
  deal('won deals last month', deals(stage('Closed Won'), closing(lastMonth))),
  deal('deals we lost this quarter', deals(stage('Closed Lost'), closing(thisQuarter))),
  deal('my won deals this year', deals(mine, stage('Closed Won'), closing(thisYear))),
  deal('deals closing next month', deals(closing(nextMonth))),
  deal('deals closing this week', deals(closing(thisWeek))),
  deal('deals closing next week', deals(closing(nextWeek))),
  deal('open deals closing in the next 30 days', deals(open, closing(nextDays(30)))),
  deal('deals closing next quarter', deals(closing(nextQuarter))),
  deal('deals closing in 2 days', deals(closing(inDays(2)))),
  deal('my deals closing before April 1', deals(mine, closing(before('04-01')))),
  deal('deals closing after March 20', deals(closing(after('03-20')))),
  deal('overdue deals', deals(open, closing(pastDue))),
  deal('deals Bo owns', deals(ownedBy('Bo'))),
  deal("Marco's open deals", deals(ownedBy('Marco'), open)),
  deal('open opportunities owned by Priya', deals(ownedBy('Priya'), open)),
  deal('unassigned deals', deals(unassigned)),
  deal('deals nobody owns', deals(unassigned)),
  deal('deals created this week', deals(createdIn(thisWeek))),
  deal('deals that came from the website', deals(is('leadSource', 'Web Site'))),
  deal('open deals from referrals by partners', deals(open, is('leadSource', 'Partner'))),
  deal('show all opportunities', deals(any)),
  deal('pipeline for Bo this month', deals(ownedBy('Bo'), open, closing(thisMonth))),
  deal('my deals in negotiation closing this month', deals(mine, stage('Negotiation'), closing(thisMonth))),

  // Amounts.
  amounts('deals over 50k', deals(worth((a) => a > 50000))),
  amounts('opportunities above $100,000', deals(worth((a) => a > 100000))),
  amounts('deals between 5k and 20k', deals(worth((a) => a >= 5000 && a <= 20000))),
  amounts('deals under 10k', deals(worth((a) => a < 10000))),
  amounts(
    'open deals worth more than 1m',
    deals(
      open,
      worth((a) => a > 1_000_000),
    ),
  ),
  amounts(
    'my open deals above 25,000',
    deals(
      mine,
      open,
      worth((a) => a > 25000),
    ),
  ),
  amounts('deals under $5,000', deals(worth((a) => a < 5000))),
  amounts('leads worth over 20k', leads(amount('opportunityAmount', (a) => a > 20000))),
  amounts(
    'open deals over 100k closing next quarter',
    deals(
      open,
      worth((a) => a > 100000),
      closing(nextQuarter),
    ),
  ),
  amounts(
    "Marco's deals over 50k",
    deals(
      ownedBy('Marco'),
      worth((a) => a > 50000),
    ),
  ),

  // Order and limits.
  order('top 5 deals by amount', ranked('Opportunity', { by: 'amount', desc: true }, 5)),
  order('biggest 3 open deals', ranked('Opportunity', { by: 'amount', desc: true }, 3, open)),
  order('largest deal', ranked('Opportunity', { by: 'amount', desc: true }, 1)),
  order('smallest open deal', ranked('Opportunity', { by: 'amount' }, 1, open)),
  order('show the 5 most recent deals', ranked('Opportunity', { by: 'createdAt', desc: true }, 5)),
  order('oldest open deal', ranked('Opportunity', { by: 'createdAt' }, 1, open)),
  order('latest 5 leads', ranked('Lead', { by: 'createdAt', desc: true }, 5)),
  order('first 3 leads that came in this week', ranked('Lead', { by: 'createdAt' }, 3, createdIn(thisWeek))),
  order('my 3 biggest deals', ranked('Opportunity', { by: 'amount', desc: true }, 3, mine)),
  order('next 3 deals to close', ranked('Opportunity', { by: 'closeDate' }, 3, open, closing(fromToday))),
  order('top 5 leads by amount', ranked('Lead', { by: 'opportunityAmount', desc: true }, 5)),
  order('newest contact', ranked('Contact', { by: 'createdAt', desc: true }, 1)),

  // Leads.
  lead('leads from the website this week', leads(is('source', 'Web Site'), createdIn(thisWeek))),
  lead('unassigned leads', leads(unassigned)),
  lead('my leads', leads(mine)),
  lead('new leads', leads(is('status', 'New'))),
  lead('leads in process', leads(is('status', 'In Process'))),
  lead('dead leads', leads(is('status', 'Dead'))),
  lead('converted leads', leads(is('status', 'Converted'))),
  lead('prospects from email', leads(is('source', 'Email'))),
  lead('show prospects', leads(any)),
  lead('leads created today', leads(createdIn(today))),
  lead('leads from yesterday', leads(createdIn(yesterday))),
  lead('leads since Monday', leads(createdIn(sinceMonday))),
  lead('leads from last week', leads(createdIn(lastWeek))),
  lead('leads from the last 30 days', leads(createdIn(lastDays(30)))),
  lead('leads Marco owns', leads(ownedBy('Marco'))),
  lead('web leads nobody owns', leads(unassigned, is('source', 'Web Site'))),
  lead('leads at Acme Corp', leads(is('accountName', 'Acme Corp'))),
  lead('new web leads this week', leads(is('status', 'New'), is('source', 'Web Site'), createdIn(thisWeek))),
  lead('leads that came from a campaign', leads(is('source', 'Campaign'))),
  lead("Bo's leads", leads(ownedBy('Bo'))),
  lead('recycled prospects', leads(is('status', 'Recycled'))),
  lead('leads from partners this month', leads(is('source', 'Partner'), createdIn(thisMonth))),

  // Tasks.
  task('overdue tasks', tasks(overdue)),
  task('my overdue tasks', tasks(mine, overdue)),
  task('what tasks are overdue?', tasks(overdue)),
  task('tasks due today', tasks(due(today))),
  task('my tasks for today', tasks(mine, due(today))),
  task('find tasks due tomorrow', tasks(due(tomorrow))),
  task('to-dos due tomorrow', tasks(due(tomorrow))),
  task('my reminders this week', tasks(mine, due(thisWeek))),
  task('tasks due next week', tasks(due(nextWeek))),
  task('tasks due this month', tasks(due(thisMonth))),
  task('tasks due in 3 days', tasks(due(inDays(3)))),
  task('whats due on friday', tasks(due(on('friday')))),
  task('tasks due in the next 7 days', tasks(due(nextDays(7)))),
  task('open tasks', tasks(active)),
  task('my open tasks', tasks(mine, active)),
  task('my to-dos', tasks(mine, active)),
  task('completed tasks', tasks(is('status', 'Completed'))),
  task('deferred tasks', tasks(is('status', 'Deferred'))),
  task('urgent tasks', tasks(is('priority', 'Urgent'))),
  task('high priority tasks', tasks(is('priority', 'High'))),
  task('high priority tasks assigned to me', tasks(mine, is('priority', 'High'))),
  task('unassigned tasks', tasks(unassigned)),
  task("Bo's tasks", tasks(ownedBy('Bo'))),
  task('overdue tasks for Marco', tasks(ownedBy('Marco'), overdue)),
  task('tasks created yesterday', tasks(createdIn(yesterday))),
  task('reminders due last week', tasks(due(lastWeek))),
  task('tasks in progress', tasks(is('status', 'Started'))),

  // Accounts and contacts.
  company('customers', list('Account', is('type', 'Customer'))),
  company('partner companies', list('Account', is('type', 'Partner'))),
  company('companies in Chicago', list('Account', is('billingAddressCity', 'Chicago'))),
  company('accounts in healthcare', list('Account', is('industry', 'Healthcare'))),
  company('my accounts', list('Account', mine)),
  company('accounts created this week', list('Account', createdIn(thisWeek))),
  company('list companies', list('Account', any)),
  company('contacts at Acme', list('Contact', accountOf('Acme Corp'))),
  company('people at Globex', list('Contact', accountOf('Globex Corporation'))),
  company('contacts at Initech', list('Contact', accountOf('Initech'))),
  company('my contacts', list('Contact', mine)),
  company('contacts added this week', list('Contact', createdIn(thisWeek))),
  company('contacts without a phone number', list('Contact', empty('phoneNumber'))),
  company('list people', list('Contact', any)),
  company("Bo's accounts", list('Account', ownedBy('Bo'))),
  company('resellers', list('Account', is('type', 'Reseller'))),

  // Lookups by name.
  lookup("Acme's phone", record('Account', named('Acme Corp'), 'phoneNumber')),
  lookup("what's Acme's phone number?", record('Account', named('Acme Corp'), 'phoneNumber')),
  lookup('Globex email', record('Account', named('Globex Corporation'), 'emailAddress')),
  lookup('phone number for Hooli', record('Account', named('Hooli'), 'phoneNumber')),
  lookup("Alice Johnson's email", record('Contact', named('Alice Johnson'), 'emailAddress')),
  lookup("Priya Raman's phone", record('Contact', named('Priya Raman'), 'phoneNumber')),
  lookup('email of Carol Nguyen', record('Contact', named('Carol Nguyen'), 'emailAddress')),
  lookup("Bob Martinez's phone", record('Contact', named('Bob Martinez'), 'phoneNumber')),
  lookup('show the Globex pilot deal', record('Opportunity', named('Globex Field Service Pilot'))),
  lookup('show the Stark avionics deal', record('Opportunity', named('Stark Avionics Analytics'))),
  lookup('Hooli data migration deal', record('Opportunity', named('Hooli Data Migration'))),
  lookup('open the Wayne Enterprises account', record('Account', named('Wayne Enterprises'))),
  lookup('who is our contact at Wayne?', record('Contact', accountOf('Wayne Enterprises'))),
  lookup('Frank Rossi', record('Contact', named('Frank Rossi'))),
  lookup('where is Umbrella Health based', record('Account', named('Umbrella Health'), 'billingAddressCity')),
  lookup("Nora Blake's phone", record('Lead', named('Nora Blake'), 'phoneNumber')),

  // Counts.
  howMany('how many new leads came in this week', count('Lead', createdIn(thisWeek))),
  howMany('how many open deals do I have', count('Opportunity', mine, open)),
  howMany('how many deals are closing this month?', count('Opportunity', closing(thisMonth))),
  howMany('how many deals did we win last quarter', count('Opportunity', stage('Closed Won'), closing(lastQuarter))),
  howMany('number of open tasks', count('Task', active)),
  howMany(
    'how many deals over 100k',
    count(
      'Opportunity',
      worth((a) => a > 100000),
    ),
  ),
  howMany('count of leads from the website', count('Lead', is('source', 'Web Site'))),
  howMany('how many contacts at Acme', count('Contact', accountOf('Acme Corp'))),
  howMany('how many tasks are due today', count('Task', due(today))),
  howMany('how many prospects are unassigned', count('Lead', unassigned)),
  howMany('total number of opportunities', count('Opportunity', any)),
  howMany('how many overdue tasks do I have', count('Task', mine, overdue)),

  // Totals and breakdowns: a number, not a list.
  totals('how much pipeline closes this quarter?', sum('Opportunity', 'amount', open, closing(thisQuarter))),
  totals('how much is in the pipeline', sum('Opportunity', 'amount', open)),
  totals("what's the total value of my open deals", sum('Opportunity', 'amount', mine, open)),
  totals('what did we win last month?', sum('Opportunity', 'amount', stage('Closed Won'), closing(lastMonth))),
  totals('total pipeline this month', sum('Opportunity', 'amount', open, closing(thisMonth))),
  totals('sum of deals closing next month', sum('Opportunity', 'amount', closing(nextMonth))),
  totals("how much is Bo's pipeline worth", sum('Opportunity', 'amount', open, ownedBy('Bo'))),
  totals('open deals by stage', breakdown('Opportunity', 'stage', open)),
  totals('leads by source', breakdown('Lead', 'source', any)),
  totals('who has the most open deals?', breakdown('Opportunity', 'assignedUserId', open)),
  totals('tasks by status', breakdown('Task', 'status', any)),
  totals('how many leads per rep', breakdown('Lead', 'assignedUserId', any)),
  totals('which rep has the most leads', breakdown('Lead', 'assignedUserId', any)),
  totals(
    'deals won this year by rep',
    breakdown('Opportunity', 'assignedUserId', stage('Closed Won'), closing(thisYear)),
  ),
  totals('my open tasks broken down by status', breakdown('Task', 'status', mine, active)),
  // Beyond the words the layer reads: the model's, or a hand-over.
  totals('average deal size this year', MODEL),
  totals('how does this quarter compare to last quarter', MODEL),
  howMany('how many customers do we have', count('Account', is('type', 'Customer'))),

  // Typos and everyday synonyms.
  typo('shwo my deals', deals(mine)),
  typo('oppurtunities over 50k', deals(worth((a) => a > 50000))),
  typo('my opps closing this month', deals(mine, closing(thisMonth))),
  typo('delas in negotiation', deals(stage('Negotiation'))),
  typo('pipline closing next month', deals(open, closing(nextMonth))),
  typo('laeds from the web site', leads(is('source', 'Web Site'))),
  typo('taks due today', tasks(due(today))),
  typo('overdue todos', tasks(overdue)),
  typo('compnaies in healthcare', list('Account', is('industry', 'Healthcare'))),
  typo('contcts at Acme', list('Contact', accountOf('Acme Corp'))),
  typo('unasigned leads', leads(unassigned)),

  // Greetings and help.
  greeting('hi', HELP),
  greeting('hello', HELP),
  greeting('hey there', HELP),
  greeting('help', HELP),
  greeting('what can you do?', HELP),
  greeting('good morning!', HELP),
  greeting('how do I use this', HELP),

  // For the model: writes, vague and multi-step requests.
  model('log a call with Acme, then remind me on Friday', MODEL),
  model('create a task to call Bob tomorrow', MODEL),
  model('remind me to follow up with Globex next Tuesday', MODEL),
  model('move the Hooli data migration deal to negotiation', MODEL),
  model('mark the Acme QBR deck task as done', MODEL),
  model('add a note to Stark Avionics: legal is reviewing the contract', MODEL),
  model('new lead: Kim Park from Parkview Dental, kim@parkview.example.com', MODEL),
  model('assign all unassigned leads to Marco', MODEL),
  model("update Alice Johnson's phone to +1 312 555 0199", MODEL),
  model('delete the Initech upsell deal', MODEL),
  model('schedule a meeting with Carol next week', MODEL),
  model('what should I focus on today?', MODEL),
  model('how is the quarter looking?', MODEL),
  model('anything I should know about Acme before my call?', orRecord('Account', 'Acme Corp')),
  model('summarize the Stark Avionics deal for me', orRecord('Opportunity', 'Stark Avionics Analytics')),
  model('why did we lose Umbrella?', MODEL),
  model('which of my deals are at risk', MODEL),
  model("compare this month's pipeline with last month's", MODEL),
  model('draft a follow-up email to Hiro', MODEL),
  model('close the Wayne audit deal as won and create a kickoff task', MODEL),
  model('who should I call next', MODEL),
  model('what changed on the Globex account this week', MODEL),
  model('give me a forecast for next quarter', MODEL),
  model('convert Olivia Bennett to a contact', MODEL),
  model('reassign Bo’s open deals to me', MODEL),
  model('book a demo with Hooli on Thursday at 3pm', MODEL),
  model('is Noah Evans a good lead?', orRecord('Lead', 'Noah Evans')),
  model('tell me about Globex', orRecord('Account', 'Globex Corporation')),
  model('the usual', MODEL),
  model('what about the other ones?', MODEL),
  model('log that I spoke to Bob about pricing', MODEL),
  model("what's next?", MODEL),
  model('push all my overdue tasks to next Monday', MODEL),
];

/** Fails loudly on a set that cannot be judged: too small, repeated texts, a lookup that is not one record. */
export function checkSet(requests: EvalRequest[], records: (entity: string) => EspoRecord[], ctx: EvalContext): void {
  if (requests.length < 150) throw new Error(`the request set has ${requests.length} requests; it needs 150`);
  const texts = new Set<string>();
  for (const { text, expect } of requests) {
    if (texts.has(text)) throw new Error(`"${text}" is in the set twice`);
    texts.add(text);
    const read = expect.kind === 'model' ? expect.or : expect;
    if (read?.kind === 'record') {
      const found = expectedRecords(read, records(read.entity), ctx).length;
      if (found !== 1) throw new Error(`"${text}" should find one ${read.entity}, but its predicate selects ${found}`);
    }
  }
}
