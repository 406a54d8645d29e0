// The fixed demo data set behind FakeEspoCrm.seedDefaults(). Dates are offsets from the injected clock
// so "overdue", "closing this month" and similar filters always have hits; with a fixed clock the data
// (ids included) is fully deterministic.
import { addDays, formatDate } from './dates.js';
import type { FakeEspoCrm, EspoRecord } from './model.js';

/** Build records from a column list and rows, so the data reads as a table (missing cells → defaults). */
export function rows<K extends string>(keys: readonly K[], data: ReadonlyArray<ReadonlyArray<unknown>>): EspoRecord[] {
  return data.map((values) => Object.fromEntries(keys.map((key, i) => [key, values[i]])));
}

/** name → id lookup over seeded records; a typo in the data fails loudly. */
export function idsBy(records: EspoRecord[], key = 'name'): (value: string) => string {
  const ids = new Map(records.map((r) => [String(r[key]), String(r.id)]));
  return (value) => {
    const id = ids.get(value);
    if (!id) throw new Error(`seed: no record with ${key} "${value}"`);
    return id;
  };
}

export function seedDefaultData(crm: FakeEspoCrm, now: Date): void {
  const today = formatDate(now);
  const day = (offset: number) => addDays(today, offset);
  const at = (offset: number, time = '10:00:00') => `${day(offset)} ${time}`;

  const users = crm.seed(
    'User',
    rows(
      ['userName', 'firstName', 'lastName', 'type', 'emailAddress', 'title', 'createdAt'],
      [
        ['jsmith', 'Jane', 'Smith', 'admin', 'jane.smith@example.com', 'Sales Director', at(-400)],
        ['mlopez', 'Marco', 'Lopez', 'regular', 'marco.lopez@example.com', 'Account Executive', at(-300)],
        ['pchen', 'Priya', 'Chen', 'regular', 'priya.chen@example.com', 'Sales Development Rep', at(-200)],
      ],
    ),
  );
  const user = idsBy(users, 'userName');
  const [jane, marco, priya] = [user('jsmith'), user('mlopez'), user('pchen')];

  const accounts = crm.seed(
    'Account',
    rows(
      [
        'name',
        'type',
        'industry',
        'website',
        'emailAddress',
        'phoneNumber',
        'billingAddressCity',
        'billingAddressCountry',
        'assignedUserId',
        'createdAt',
      ],
      [
        [
          'Acme Corp',
          'Customer',
          'Manufacturing',
          'https://acme.example.com',
          'info@acme.example.com',
          '+1 312 555 0100',
          'Chicago',
          'USA',
          jane,
          at(-180),
        ],
        [
          'Globex Corporation',
          'Customer',
          'Energy',
          'https://globex.example.com',
          'contact@globex.example.com',
          '+1 503 555 0142',
          'Portland',
          'USA',
          marco,
          at(-170),
        ],
        [
          'Initech',
          'Partner',
          'Software',
          'https://initech.example.com',
          'hello@initech.example.com',
          '+1 512 555 0199',
          'Austin',
          'USA',
          priya,
          at(-160),
        ],
        [
          'Umbrella Health',
          'Customer',
          'Healthcare',
          'https://umbrella.example.com',
          'office@umbrella.example.com',
          '+1 617 555 0111',
          'Boston',
          'USA',
          jane,
          at(-150),
        ],
        [
          'Stark Industries',
          'Investor',
          'Aerospace',
          'https://stark.example.com',
          'ir@stark.example.com',
          '+1 212 555 0177',
          'New York',
          'USA',
          marco,
          at(-140),
        ],
        [
          'Wayne Enterprises',
          'Reseller',
          'Finance',
          'https://wayne.example.com',
          'partners@wayne.example.com',
          '+1 973 555 0123',
          'Newark',
          'USA',
          priya,
          at(-130),
        ],
        [
          'Hooli',
          'Partner',
          'Technology',
          'https://hooli.example.com',
          'biz@hooli.example.com',
          '+1 650 555 0188',
          'Palo Alto',
          'USA',
          jane,
          at(-120),
        ],
        [
          'Soylent Foods',
          '',
          'Food & Beverage',
          'https://soylent.example.com',
          'sales@soylent.example.com',
          '+31 10 555 0150',
          'Rotterdam',
          'Netherlands',
          null,
          at(-110),
        ],
      ],
    ),
  );
  const account = idsBy(accounts);

  const contacts = crm.seed(
    'Contact',
    rows(
      ['firstName', 'lastName', 'emailAddress', 'phoneNumber', 'accountId', 'assignedUserId', 'createdAt'],
      [
        ['Alice', 'Johnson', 'alice.johnson@acme.example.com', '+1 312 555 0101', account('Acme Corp'), jane, at(-100)],
        ['Bob', 'Martinez', 'bob.martinez@acme.example.com', '+1 312 555 0102', account('Acme Corp'), jane, at(-95)],
        [
          'Carol',
          'Nguyen',
          'carol@globex.example.com',
          '+1 503 555 0143',
          account('Globex Corporation'),
          marco,
          at(-90),
        ],
        ['David', 'Okafor', 'd.okafor@initech.example.com', null, account('Initech'), priya, at(-85)],
        [
          'Emma',
          'Schulz',
          'emma.schulz@umbrella.example.com',
          '+1 617 555 0112',
          account('Umbrella Health'),
          jane,
          at(-80),
        ],
        ['Frank', 'Rossi', 'frank@stark.example.com', '+1 212 555 0178', account('Stark Industries'), marco, at(-75)],
        ['Grace', 'Kim', 'grace.kim@wayne.example.com', null, account('Wayne Enterprises'), priya, at(-70)],
        ['Hiro', 'Tanaka', 'hiro@hooli.example.com', '+1 650 555 0189', account('Hooli'), jane, at(-65)],
        [
          'Isabel',
          'García',
          'isabel.garcia@soylent.example.com',
          '+31 10 555 0151',
          account('Soylent Foods'),
          null,
          at(-60),
        ],
        ['Jack', "O'Brien", 'jack.obrien@globex.example.com', null, account('Globex Corporation'), marco, at(-55)],
      ],
    ),
  );
  const contact = idsBy(contacts);

  const leadRows: unknown[][] = [
    ['Olivia', 'Bennett', 'New', 'Web Site', 'Acme Corp', 'olivia.bennett@acme.example.com', jane, 12000],
    ['Liam', 'Carter', 'New', 'Call', 'Brightwave Media', 'liam@brightwave.example.com', marco],
    ['Sophia', 'Diaz', 'Assigned', 'Email', 'Northwind Traders', 'sophia.diaz@northwind.example.com', priya],
    ['Noah', 'Evans', 'In Process', 'Partner', 'Contoso Ltd', 'noah.evans@contoso.example.com', jane, 45000],
    ['Mia', 'Fischer', 'In Process', 'Existing Customer', 'Acme Corp', 'mia.fischer@acme.example.com', marco, 8000],
    ['Ethan', 'Gallagher', 'Converted', 'Web Site', 'Fabrikam Inc', 'ethan@fabrikam.example.com', priya],
    ['Ava', 'Hughes', 'Recycled', 'Campaign', 'Tailspin Toys', 'ava.hughes@tailspin.example.com', null],
    ['Lucas', 'Ibrahim', 'Dead', 'Other', null, 'lucas.ibrahim@example.net', null],
    ['Chloe', 'Jensen', 'New', 'Public Relations', 'Litware Inc', null, jane],
    ['Mason', 'Kowalski', 'Assigned', 'Web Site', 'Adventure Works', 'mason.k@adventure.example.com', marco, 23000],
    ['Harper', 'Lindqvist', 'New', '', 'Wide World Importers', 'harper@wideworld.example.com', null],
    ['Elijah', 'Moreau', 'In Process', 'Call', 'Globex Corporation', 'elijah.moreau@globex.example.com', priya, 60000],
    ['Amelia', 'Nakamura', 'New', 'Email', 'Proseware', 'amelia.n@proseware.example.com', jane],
    ['James', "O'Connor", 'Converted', 'Partner', 'Coho Winery', 'james.oconnor@coho.example.com', marco],
    ['Evelyn', 'Petrov', 'Assigned', 'Web Site', 'Trey Research', 'evelyn.petrov@trey.example.com', priya],
    ['Benjamin', 'Quinn', 'In Process', 'Existing Customer', 'Initech', 'ben.quinn@initech.example.com', jane, 15000],
    ['Zoé', 'Laurent', 'New', 'Web Site', "Margie's Travel", 'zoe.laurent@margies.example.com', null],
    ['Henry', 'Russo', 'Dead', 'Call', 'Blue Yonder Airlines', null, marco],
    ['Ella', 'Svensson', 'Recycled', 'Email', 'Alpine Ski House', 'ella@alpineski.example.com', priya],
    ['Alexander', 'Thompson', 'In Process', 'Campaign', 'Acme Corp', 'alex.thompson@acme.example.com', jane, 32000],
    ['Grace', 'Underwood', 'New', 'Partner', 'Fourth Coffee', 'grace.u@fourthcoffee.example.com', marco],
    ['Daniel', 'Vargas', 'Converted', 'Web Site', 'Lucerne Publishing', 'daniel.vargas@lucerne.example.com', priya],
    ['Scarlett', 'Wong', 'Assigned', 'Other', 'Humongous Insurance', 'scarlett.wong@humongous.example.com', null],
    ['Wei', 'Zhang', 'In Process', 'Web Site', 'City Power & Light', 'wei.zhang@citypower.example.com', jane, 27500],
    // Hostile text: Slack mrkdwn / mention syntax must be escaped before it reaches a message.
    [
      '<!channel>',
      '*bold* <http://evil|click>',
      'New',
      'Web Site',
      'Evil & Co <script>',
      'mallory@evil.example.com',
      null,
    ],
  ];
  const leads = crm.seed(
    'Lead',
    rows(
      [
        'firstName',
        'lastName',
        'status',
        'source',
        'accountName',
        'emailAddress',
        'assignedUserId',
        'opportunityAmount',
      ],
      leadRows,
    ).map((lead, i) => ({ ...lead, createdAt: at(i - 30, '09:30:00') })),
  );
  const lead = idsBy(leads);

  const opportunities = crm.seed(
    'Opportunity',
    rows(
      ['name', 'accountId', 'stage', 'amount', 'closeDate', 'assignedUserId', 'leadSource', 'contactId', 'createdAt'],
      [
        [
          'Acme Corp - Annual License',
          account('Acme Corp'),
          'Negotiation',
          120000,
          day(14),
          jane,
          'Existing Customer',
          contact('Alice Johnson'),
          at(-60),
        ],
        [
          'Acme Corp - Support Renewal',
          account('Acme Corp'),
          'Closed Won',
          24000,
          day(-10),
          jane,
          'Existing Customer',
          contact('Bob Martinez'),
          at(-58),
        ],
        [
          'Globex Pipeline Sensors',
          account('Globex Corporation'),
          'Proposal',
          85000,
          day(21),
          marco,
          'Web Site',
          contact('Carol Nguyen'),
          at(-50),
        ],
        [
          'Globex Field Service Pilot',
          account('Globex Corporation'),
          'Prospecting',
          15000,
          day(45),
          marco,
          'Call',
          null,
          at(-45),
        ],
        [
          'Initech Partner Bundle',
          account('Initech'),
          'Qualification',
          40000,
          day(30),
          priya,
          'Partner',
          contact('David Okafor'),
          at(-40),
        ],
        [
          'Umbrella Patient Portal',
          account('Umbrella Health'),
          'Closed Lost',
          95000,
          day(-20),
          jane,
          'Email',
          contact('Emma Schulz'),
          at(-38),
        ],
        [
          'Stark Avionics Analytics',
          account('Stark Industries'),
          'Negotiation',
          250000,
          day(7),
          marco,
          'Partner',
          contact('Frank Rossi'),
          at(-35),
        ],
        [
          'Wayne Reseller Agreement',
          account('Wayne Enterprises'),
          'Prospecting',
          30000,
          day(60),
          priya,
          'Partner',
          null,
          at(-30),
        ],
        [
          'Hooli Data Migration',
          account('Hooli'),
          'Proposal',
          67500.5,
          day(3),
          jane,
          'Web Site',
          contact('Hiro Tanaka'),
          at(-25),
        ],
        [
          'Soylent Supply Chain',
          account('Soylent Foods'),
          'Qualification',
          18000,
          day(90),
          null,
          'Campaign',
          null,
          at(-20),
        ],
        [
          'Stark Training Package',
          account('Stark Industries'),
          'Closed Won',
          12500,
          day(-3),
          marco,
          'Existing Customer',
          null,
          at(-15),
        ],
        ['Initech Upsell', account('Initech'), 'Prospecting', 5000, day(-5), priya, 'Other', null, at(-10)],
      ],
    ).map((opp) => ({ ...opp, amountCurrency: 'USD' })),
  );
  const opportunity = idsBy(opportunities);

  // Relative to today: two open tasks are overdue, one is due today, completed/canceled ones never are.
  crm.seed(
    'Task',
    rows(
      ['name', 'status', 'priority', 'dateEnd', 'assignedUserId', 'parentType', 'parentId', 'createdAt'],
      [
        [
          'Call Olivia about pricing',
          'Not Started',
          'High',
          at(-2, '17:00:00'),
          jane,
          'Lead',
          lead('Olivia Bennett'),
          at(-9),
        ],
        [
          'Send proposal to Globex',
          'Started',
          'Urgent',
          at(-1, '12:00:00'),
          marco,
          'Opportunity',
          opportunity('Globex Pipeline Sensors'),
          at(-8),
        ],
        [
          'Prepare Acme renewal quote',
          'Completed',
          'Normal',
          at(-5, '16:00:00'),
          jane,
          'Account',
          account('Acme Corp'),
          at(-8),
        ],
        [
          'Follow up with Initech',
          'Not Started',
          'Normal',
          at(0, '17:00:00'),
          priya,
          'Account',
          account('Initech'),
          at(-7),
        ],
        [
          'Schedule demo for Hooli',
          'Not Started',
          'High',
          at(2, '15:00:00'),
          jane,
          'Opportunity',
          opportunity('Hooli Data Migration'),
          at(-6),
        ],
        [
          'Update Stark contract draft',
          'Started',
          'Normal',
          at(5, '11:00:00'),
          marco,
          'Opportunity',
          opportunity('Stark Avionics Analytics'),
          at(-5),
        ],
        [
          'Review Umbrella loss notes',
          'Deferred',
          'Low',
          at(-7, '10:00:00'),
          jane,
          'Opportunity',
          opportunity('Umbrella Patient Portal'),
          at(-4),
        ],
        ['Qualify new web leads', 'Not Started', 'Normal', at(1, '09:00:00'), priya, null, null, at(-3)],
        [
          'Onboard Soylent contacts',
          'Canceled',
          'Low',
          at(-3, '10:00:00'),
          null,
          'Account',
          account('Soylent Foods'),
          at(-2),
        ],
        ['Quarterly pipeline review', 'Started', 'Normal', at(10, '14:00:00'), priya, null, null, at(-1)],
      ],
    ),
  );

  crm.seed(
    'Meeting',
    rows(
      ['name', 'status', 'dateStart', 'dateEnd', 'parentType', 'parentId', 'assignedUserId', 'usersIds', 'contactsIds'],
      [
        [
          'Acme quarterly business review',
          'Planned',
          at(3, '15:00:00'),
          at(3, '16:00:00'),
          'Account',
          account('Acme Corp'),
          jane,
          [jane, marco],
          [contact('Alice Johnson')],
        ],
        [
          'Globex discovery session',
          'Held',
          at(-4, '13:00:00'),
          at(-4, '14:00:00'),
          'Opportunity',
          opportunity('Globex Pipeline Sensors'),
          marco,
          [marco],
          [contact('Carol Nguyen')],
        ],
      ],
    ),
  );

  crm.seed(
    'Call',
    rows(
      ['name', 'status', 'direction', 'dateStart', 'dateEnd', 'parentType', 'parentId', 'assignedUserId'],
      [
        [
          'Intro call with Liam Carter',
          'Held',
          'Outbound',
          at(-2, '10:00:00'),
          at(-2, '10:15:00'),
          'Lead',
          lead('Liam Carter'),
          marco,
        ],
        [
          'Stark pricing follow-up',
          'Planned',
          'Inbound',
          at(1, '16:00:00'),
          at(1, '16:30:00'),
          'Opportunity',
          opportunity('Stark Avionics Analytics'),
          marco,
        ],
      ],
    ),
  );

  crm.seed(
    'Case',
    rows(
      ['name', 'status', 'priority', 'type', 'accountId', 'contactId', 'description', 'assignedUserId'],
      [
        [
          'Login page returns 500',
          'New',
          'High',
          'Problem',
          account('Hooli'),
          contact('Hiro Tanaka'),
          'Users see an error after SSO redirect.',
          jane,
        ],
        [
          'Invoice discrepancy for March',
          'Assigned',
          'Normal',
          'Question',
          account('Acme Corp'),
          contact('Bob Martinez'),
          'Invoice total does not match the PO.',
          marco,
        ],
        [
          'Export to CSV times out',
          'Closed',
          'Low',
          'Incident',
          account('Stark Industries'),
          contact('Frank Rossi'),
          'Large exports exceeded the gateway timeout.',
          priya,
        ],
      ],
    ),
  );
}
