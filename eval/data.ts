/**
 * The evaluation's EspoCRM: the fake's default demo data and the sandbox's sample data, plus what a
 * rep's week needs to make the requests mean something: a fourth rep (Bo), deals closing this week,
 * this month and next quarter on either side of 10k, deals won last month and last quarter, one
 * over 1m, leads that came in this week from the website, tasks due tomorrow and next week. Dates
 * are offsets from the fixed `now`, so every run sees the same data (ids included).
 */
import { addDays, formatDate } from '../fakes/espocrm/dates.js';
import type { FakeEspoCrm } from '../fakes/espocrm/model.js';
import { seedSampleData } from '../fakes/espocrm/sample.js';
import { idsBy, rows } from '../fakes/espocrm/seed.js';

/** A Wednesday in the middle of a month, 11:00 in New York: "this week", "this month" and "since Monday" all differ. */
export const NOW = new Date('2026-03-11T15:00:00Z');
export const TIME_ZONE = 'America/New_York';
/** The rep who asks: Jane Smith, found in EspoCRM by her Slack email. */
export const REP_EMAIL = 'jane.smith@example.com';

/** Adds the evaluation's records to an EspoCRM already holding the default demo data. */
export function seedEvalData(crm: FakeEspoCrm, now: Date): void {
  seedSampleData(crm, now);
  const today = formatDate(now);
  const day = (offset: number) => addDays(today, offset);
  const at = (offset: number, time = '14:00:00') => `${day(offset)} ${time}`;

  crm.seed(
    'User',
    rows(
      ['userName', 'firstName', 'lastName', 'type', 'emailAddress', 'title', 'createdAt'],
      [['bberg', 'Bo', 'Berg', 'regular', 'bo.berg@example.com', 'Account Executive', at(-90)]],
    ),
  );
  const user = idsBy(crm.all('User'), 'userName');
  const [jane, marco, bo] = [user('jsmith'), user('mlopez'), user('bberg')];
  const account = idsBy(crm.all('Account'));

  crm.seed(
    'Account',
    rows(
      ['name', 'type', 'industry', 'emailAddress', 'phoneNumber', 'billingAddressCity', 'assignedUserId', 'createdAt'],
      [
        [
          'Northwind Traders',
          'Customer',
          'Retail',
          'buyers@northwind.example.com',
          '+1 206 555 0134',
          'Seattle',
          bo,
          at(-2),
        ],
        [
          'Contoso Ltd',
          'Partner',
          'Consulting',
          'hello@contoso.example.com',
          '+1 425 555 0190',
          'Redmond',
          bo,
          at(-20),
        ],
      ],
    ),
  );

  crm.seed(
    'Contact',
    rows(
      ['firstName', 'lastName', 'emailAddress', 'phoneNumber', 'accountId', 'assignedUserId', 'createdAt'],
      [
        ['Priya', 'Raman', 'priya.raman@initech.example.com', '+1 512 555 0133', account('Initech'), jane, at(-1)],
        ['Tom', 'Becker', 'tom.becker@northwind.example.com', '+1 206 555 0135', null, bo, at(-2)],
      ],
    ),
  );

  crm.seed(
    'Opportunity',
    rows(
      ['name', 'accountId', 'stage', 'amount', 'closeDate', 'assignedUserId', 'leadSource', 'createdAt'],
      [
        ['Northwind ERP Rollout', null, 'Proposal', 48000, day(5), bo, 'Web Site', at(-2)],
        ['Contoso Renewal', null, 'Closed Won', 9000, day(-8), bo, 'Existing Customer', at(-40)],
        ['Fabrikam Pilot', null, 'Negotiation', 15500, day(30), bo, 'Call', at(-12)],
        ['Hooli Security Review', account('Hooli'), 'Qualification', 9500, day(10), jane, 'Email', at(-7)],
        ['Initech Cloud Migration', account('Initech'), 'Prospecting', 210000, day(50), jane, 'Partner', at(-1)],
        [
          'Stark Support Plan',
          account('Stark Industries'),
          'Closed Won',
          18000,
          day(-6),
          jane,
          'Existing Customer',
          at(-30),
        ],
        ['Acme Training Days', account('Acme Corp'), 'Closed Lost', 7000, day(-45), jane, 'Call', at(-70)],
        [
          'Umbrella Analytics Seats',
          account('Umbrella Health'),
          'Negotiation',
          32000,
          day(2),
          jane,
          'Web Site',
          at(-14),
        ],
        [
          'Wayne Pilot Extension',
          account('Wayne Enterprises'),
          'Closed Won',
          11000,
          day(-20),
          marco,
          'Partner',
          at(-60),
        ],
        ['Hooli Onboarding', account('Hooli'), 'Closed Won', 26000, day(-110), jane, 'Existing Customer', at(-150)],
        [
          'Stark Global Rollout',
          account('Stark Industries'),
          'Negotiation',
          1250000,
          day(70),
          marco,
          'Partner',
          at(-25),
        ],
        ['Globex Spare Parts', account('Globex Corporation'), 'Proposal', 4200, day(16), null, 'Email', at(-3)],
      ],
    ).map((deal) => ({ ...deal, amountCurrency: 'USD' })),
  );

  crm.seed(
    'Lead',
    rows(
      [
        'firstName',
        'lastName',
        'status',
        'source',
        'accountName',
        'emailAddress',
        'phoneNumber',
        'assignedUserId',
        'createdAt',
      ],
      [
        [
          'Nora',
          'Blake',
          'New',
          'Web Site',
          'Blake Logistics',
          'nora@blake.example.com',
          '+1 404 555 0160',
          jane,
          at(-2, '13:00:00'),
        ],
        ['Omar', 'Haddad', 'New', 'Web Site', 'Haddad Foods', 'omar@haddad.example.com', null, null, at(0, '12:30:00')],
        ['Lena', 'Vogel', 'New', 'Email', 'Vogel Design', 'lena@vogel.example.com', null, marco, at(-1, '16:00:00')],
        ['Ruth', 'Klein', 'New', 'Call', 'Klein Bakery', null, '+1 718 555 0171', bo, at(0, '14:10:00')],
        ['Sam', 'Ortiz', 'New', 'Web Site', 'Ortiz Builders', 'sam@ortiz.example.com', null, null, at(-4, '15:00:00')],
      ],
    ),
  );

  crm.seed(
    'Task',
    rows(
      ['name', 'status', 'priority', 'dateEnd', 'assignedUserId', 'createdAt'],
      [
        ['Send Hooli the security questionnaire', 'Not Started', 'High', at(1, '15:00:00'), jane, at(-1)],
        ['Call Nora Blake back', 'Not Started', 'Normal', at(-1, '16:00:00'), jane, at(-2)],
        ['Book the Umbrella contract review', 'Started', 'Normal', at(7, '14:00:00'), jane, at(-1)],
        ['Draft the Northwind proposal', 'Not Started', 'Urgent', at(3, '17:00:00'), bo, at(-2)],
        ['Chase Contoso for the signed order', 'Completed', 'Normal', at(-3, '12:00:00'), bo, at(-9)],
      ],
    ),
  );
}
