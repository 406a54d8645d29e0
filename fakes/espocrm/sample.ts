// The sandbox's sample CRM: the default demo data (seed.ts) and a little more, so a salesperson's
// day looks full: deals closing this month and next quarter, tasks due today for each rep, a
// meeting today. Dates are offsets from the clock, like the defaults'.
import { addDays, formatDate } from './dates.js';
import type { FakeEspoCrm } from './model.js';
import { idsBy, rows } from './seed.js';

/**
 * EspoCRM's stream posts (Notes: "Log to EspoCRM" writes them), which the entity definitions the
 * fake loads leave out: the attributes a post is written with.
 */
export function defineStreamNotes(crm: FakeEspoCrm): void {
  crm.defineEntity('Note', {
    name: { type: 'varchar' },
    type: { type: 'varchar' },
    post: { type: 'text' },
    parentType: { type: 'varchar' },
    parentId: { type: 'varchar' },
  });
}

export function seedSampleData(crm: FakeEspoCrm, now: Date): void {
  defineStreamNotes(crm);
  const today = formatDate(now);
  const day = (offset: number) => addDays(today, offset);
  const at = (offset: number, time = '10:00:00') => `${day(offset)} ${time}`;
  const user = idsBy(crm.all('User'), 'userName');
  const account = idsBy(crm.all('Account'));
  const contact = idsBy(crm.all('Contact'));
  const [jane, marco, priya] = [user('jsmith'), user('mlopez'), user('pchen')];

  const deals = crm.seed(
    'Opportunity',
    rows(
      ['name', 'accountId', 'stage', 'amount', 'closeDate', 'assignedUserId', 'leadSource', 'contactId', 'createdAt'],
      [
        [
          'Umbrella Telehealth Expansion',
          account('Umbrella Health'),
          'Proposal',
          140000,
          day(100),
          jane,
          'Existing Customer',
          contact('Emma Schulz'),
          at(-12),
        ],
        [
          'Hooli Analytics Add-on',
          account('Hooli'),
          'Qualification',
          38000,
          day(75),
          marco,
          'Partner',
          contact('Hiro Tanaka'),
          at(-9),
        ],
        [
          'Wayne Security Audit',
          account('Wayne Enterprises'),
          'Negotiation',
          54000,
          day(9),
          marco,
          'Web Site',
          contact('Grace Kim'),
          at(-6),
        ],
        [
          'Globex Maintenance Renewal',
          account('Globex Corporation'),
          'Closed Won',
          21000,
          day(-2),
          marco,
          'Existing Customer',
          contact('Carol Nguyen'),
          at(-4),
        ],
        ['Acme Expansion Seats', account('Acme Corp'), 'Prospecting', 26000, day(120), priya, 'Call', null, at(-2)],
      ],
    ).map((deal) => ({ ...deal, amountCurrency: 'USD' })),
  );
  const deal = idsBy(deals);

  crm.seed(
    'Task',
    rows(
      ['name', 'status', 'priority', 'dateEnd', 'assignedUserId', 'parentType', 'parentId', 'createdAt'],
      [
        [
          'Send Wayne the audit scope',
          'Not Started',
          'High',
          at(0, '16:00:00'),
          marco,
          'Opportunity',
          deal('Wayne Security Audit'),
          at(-2),
        ],
        [
          'Prepare the Acme QBR deck',
          'Started',
          'Normal',
          at(0, '14:00:00'),
          jane,
          'Account',
          account('Acme Corp'),
          at(-3),
        ],
        [
          'Confirm telehealth pilot sites',
          'Not Started',
          'Normal',
          at(4, '11:00:00'),
          jane,
          'Opportunity',
          deal('Umbrella Telehealth Expansion'),
          at(-1),
        ],
        [
          'Log the Globex renewal paperwork',
          'Completed',
          'Low',
          at(-1, '15:00:00'),
          marco,
          'Opportunity',
          deal('Globex Maintenance Renewal'),
          at(-4),
        ],
      ],
    ),
  );

  crm.seed(
    'Meeting',
    rows(
      ['name', 'status', 'dateStart', 'dateEnd', 'parentType', 'parentId', 'assignedUserId', 'usersIds', 'contactsIds'],
      [
        [
          'Wayne audit kickoff',
          'Planned',
          at(1, '17:00:00'),
          at(1, '17:30:00'),
          'Opportunity',
          deal('Wayne Security Audit'),
          marco,
          [marco, jane],
          [contact('Grace Kim')],
        ],
      ],
    ),
  );
}
