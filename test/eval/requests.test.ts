import { describe, expect, it } from 'vitest';
import { FakeEspoCrm } from '../../fakes/espocrm/model.js';
import { NOW, TIME_ZONE, seedEvalData } from '../../eval/data.js';
import { expectedRecords, type EvalContext } from '../../eval/judge.js';
import { checkSet, REQUESTS } from '../../eval/requests.js';

describe('the evaluation request set', () => {
  const crm = new FakeEspoCrm({ now: () => NOW }).seedDefaults();
  seedEvalData(crm, NOW);
  const users = crm.all('User');
  const user = (firstName: string) => String(users.find((u) => u.firstName === firstName)!.id);
  const ctx: EvalContext = { now: NOW, timeZone: TIME_ZONE, me: user('Jane'), user };

  it('has 150 distinct requests or more, each lookup finding exactly one record', () => {
    expect(() => checkSet(REQUESTS, (entity) => crm.all(entity), ctx)).not.toThrow();
  });

  it('selects something for every list and count, so "nothing matches" is never right by chance', () => {
    const empty = REQUESTS.filter(
      ({ expect }) => 'entity' in expect && expectedRecords(expect, crm.all(expect.entity), ctx).length === 0,
    ).map((r) => r.text);
    expect(empty).toEqual([]);
  });
});
