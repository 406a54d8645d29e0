import { describe, expect, it } from 'vitest';
import { parseWebhookEvent, webhookEventsFor } from '../../../src/crm/espo/alert-webhooks.js';

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
