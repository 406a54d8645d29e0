import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/errors.js';
import type { ProxyRequest, Tenant } from '../../../src/core/ports.js';
import { EspoWebhooks, parseWebhookEvent, webhookEventsFor } from '../../../src/crm/espo/alert-webhooks.js';

const TENANT: Tenant = { key: 'T1', teamId: 'T1', userId: 'U1' };

/** A proxy that records each request and answers, or fails, as told. */
function proxy(answer: () => unknown) {
  const requests: ProxyRequest[] = [];
  return {
    requests,
    crm: {
      proxy: async (_tenant: Tenant, request: ProxyRequest) => {
        requests.push(request);
        return answer();
      },
    },
  };
}

describe('EspoCRM webhook events', () => {
  it('names the EspoCRM webhook events a rule needs', () => {
    expect(webhookEventsFor({ entity: 'Lead', event: 'created' })).toEqual(['Lead.create']);
    expect(webhookEventsFor({ entity: 'Case', event: 'deleted' })).toEqual(['Case.delete']);
    expect(webhookEventsFor({ entity: 'Opportunity', event: 'updated' })).toEqual(['Opportunity.update']);
    expect(webhookEventsFor({ entity: 'Opportunity', event: 'updated', field: 'stage' })).toEqual([
      'Opportunity.fieldUpdate.stage',
    ]);
    expect(webhookEventsFor({ entity: 'Task', event: 'assigned' })).toEqual([
      'Task.create',
      'Task.fieldUpdate.assignedUser',
    ]);
  });

  it('reads webhook event names, and refuses others', () => {
    expect(parseWebhookEvent('Lead.create')).toEqual({ entity: 'Lead', kind: 'created' });
    expect(parseWebhookEvent('CProject.update')).toEqual({ entity: 'CProject', kind: 'updated' });
    expect(parseWebhookEvent('Opportunity.fieldUpdate.stage')).toEqual({
      entity: 'Opportunity',
      kind: 'updated',
      field: 'stage',
    });
    expect(parseWebhookEvent('Case.delete')).toEqual({ entity: 'Case', kind: 'deleted' });
    expect(parseWebhookEvent('Case.explode')).toBeUndefined();
    expect(parseWebhookEvent('../etc')).toBeUndefined();
  });
});

describe('EspoWebhooks', () => {
  it("registers a webhook with POST /Webhook, to the tenant's receiver URL, and returns its id and secret", async () => {
    const { crm, requests } = proxy(() => ({ id: 'w1', secretKey: 'k1', event: 'Lead.create' }));
    const webhooks = new EspoWebhooks(crm);
    expect(await webhooks.register(TENANT, 'Lead.create', { publicUrl: 'https://bot.example', token: 't0k' })).toEqual({
      id: 'w1',
      secretKey: 'k1',
    });
    expect(requests).toEqual([
      {
        method: 'POST',
        path: '/Webhook',
        body: { event: 'Lead.create', url: 'https://bot.example/espocrm/webhooks/t0k' },
      },
    ]);
  });

  it('refuses an answer without an id and secret key', async () => {
    const webhooks = new EspoWebhooks(proxy(() => ({ id: 'w1' })).crm);
    await expect(
      webhooks.register(TENANT, 'Lead.create', { publicUrl: 'https://b', token: 't' }),
    ).rejects.toMatchObject({ code: 'crm_unavailable' });
  });

  it('removes a webhook with DELETE /Webhook/{id}; one already gone counts as removed, other failures do not', async () => {
    const gone = proxy(() => {
      throw new AppError('not_found', 'gone');
    });
    await new EspoWebhooks(gone.crm).remove(TENANT, 'w/1');
    expect(gone.requests).toEqual([{ method: 'DELETE', path: '/Webhook/w%2F1' }]);
    const down = proxy(() => {
      throw new AppError('crm_unavailable', 'down');
    });
    await expect(new EspoWebhooks(down.crm).remove(TENANT, 'w1')).rejects.toMatchObject({ code: 'crm_unavailable' });
  });

  it("reads and names events as EspoCRM's", () => {
    const webhooks = new EspoWebhooks(proxy(() => undefined).crm);
    expect(webhooks.eventsFor({ entity: 'Lead', event: 'created' })).toEqual(['Lead.create']);
    expect(webhooks.readEvent('Lead.create')).toEqual({ entity: 'Lead', kind: 'created' });
  });
});
