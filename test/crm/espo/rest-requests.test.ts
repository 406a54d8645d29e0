import { describe, expect, it } from 'vitest';
import { EspoEntityDirectory } from '../../../src/crm/espo/entities.js';

const entities = new EspoEntityDirectory();

describe("EspoCRM's REST requests, as core asks about them", () => {
  it('lets the model reach records only, and users only to read', () => {
    expect(entities.refusalOf({ method: 'GET', path: '/Lead?maxSize=5' })).toBeUndefined();
    expect(entities.refusalOf({ method: 'PUT', path: '/CProject/5f3a' })).toBeUndefined();
    expect(entities.refusalOf({ method: 'GET', path: '/User' })).toBeUndefined();
    expect(entities.refusalOf({ method: 'PUT', path: '/User/1' })).toBe('Users can only be read.');
    expect(entities.refusalOf({ method: 'GET', path: '/Settings' })).toBe(
      'Settings is not a record type; use a path like /Call or /Lead/{id}.',
    );
    expect(entities.refusalOf({ method: 'GET', path: 'Lead' })).toBe(
      'Lead is not a record type; use a path like /Call or /Lead/{id}.',
    );
  });

  it('names the record a path is about only when it has an id', () => {
    expect(entities.recordOfPath('/Opportunity/5f3a9b2c1d4e6f708')).toEqual({
      entity: 'Opportunity',
      id: '5f3a9b2c1d4e6f708',
    });
    expect(entities.recordOfPath('/Opportunity/5f3a/stream?maxSize=5')).toEqual({ entity: 'Opportunity', id: '5f3a' });
    expect(entities.recordOfPath('/Opportunity')).toBeUndefined();
    expect(entities.recordOfPath('/Opportunity?where[0][type]=equals')).toBeUndefined();
  });

  it('knows what a create action or a POST creates, and nothing else', () => {
    expect(entities.createdBy({ actionKey: 'create-lead' })).toBe('lead');
    expect(entities.createdBy({ actionKey: 'update-lead' })).toBeUndefined();
    expect(entities.createdBy({ request: { method: 'POST', path: '/Task' } })).toBe('Task');
    expect(entities.createdBy({ request: { method: 'POST', path: '/Task/' } })).toBe('Task');
    expect(entities.createdBy({ request: { method: 'POST', path: '/Task/5f3a/attachments' } })).toBeUndefined();
    expect(entities.createdBy({ request: { method: 'PUT', path: '/Task' } })).toBeUndefined();
  });
});
