import { describe, expect, it } from 'vitest';
import type { ProxyRequest, Tenant } from '../../../src/core/ports.js';
import { EspoRecordHistory } from '../../../src/crm/espo/record-history.js';

const TENANT: Tenant = { key: 'T1', teamId: 'T1', userId: 'U1' };

describe('EspoRecordHistory', () => {
  it("reads the record's stream, newest notes first, for the values before a change", async () => {
    const requests: ProxyRequest[] = [];
    const history = new EspoRecordHistory({
      proxy: async (_tenant: Tenant, request: ProxyRequest) => {
        requests.push(request);
        return {
          list: [
            { type: 'Update', parentId: 'D1', data: { attributes: { was: { amount: 1 }, became: { amount: 2 } } } },
          ],
        };
      },
    });
    expect(await history.valuesBefore(TENANT, { entity: 'Opportunity', id: 'D1' }, { amount: 2 })).toEqual({
      amount: 1,
    });
    expect(requests).toEqual([{ method: 'GET', path: '/Opportunity/D1/stream?maxSize=20' }]);
  });

  it('knows nothing before a change when the stream answers no notes', async () => {
    const history = new EspoRecordHistory({ proxy: async () => ({}) });
    expect(await history.valuesBefore(TENANT, { entity: 'Lead', id: 'L1' }, { status: 'New' })).toEqual({});
  });

  it("tells EspoCRM's bookkeeping attributes from a person's changes", () => {
    const history = new EspoRecordHistory({ proxy: async () => undefined });
    expect(
      ['modifiedAt', 'modifiedByName', 'versionNumber', 'followersIds'].map((a) => history.isSystemAttribute(a)),
    ).toEqual([true, true, true, true]);
    expect(['name', 'stage', 'assignedUserId', 'teamsIds'].some((a) => history.isSystemAttribute(a))).toBe(false);
  });
});
