import { describe, expect, it } from 'vitest';
import { EspoEntityDirectory, recordAt, recordNamedIn, recordUrl } from '../../../src/crm/espo/entities.js';

describe("EspoCRM's record web addresses", () => {
  it('reads back what it writes', () => {
    const url = recordUrl('https://crm.example.com', 'Opportunity', '5f3a9b2c1d4e6f708')!;
    expect(url).toBe('https://crm.example.com/#Opportunity/view/5f3a9b2c1d4e6f708');
    expect(recordNamedIn(url)).toEqual({ entity: 'Opportunity', id: '5f3a9b2c1d4e6f708' });
    expect(recordAt(new URL(url).hash)).toEqual({ entity: 'Opportunity', id: '5f3a9b2c1d4e6f708' });
  });

  it('finds an address anywhere in pasted text, as Slack wraps a link', () => {
    expect(recordNamedIn('<https://crm.example.com/#Lead/view/abc-123|the lead>')).toEqual({
      entity: 'Lead',
      id: 'abc-123',
    });
    expect(recordNamedIn('5f3a9b2c1d4e6f708')).toBeUndefined();
  });

  it('takes a fragment only when it is exactly a record address', () => {
    expect(recordAt('#Lead/view/abc')).toEqual({ entity: 'Lead', id: 'abc' });
    for (const fragment of [
      '#Lead/view/abc/edit',
      '#x#Lead/view/abc',
      '#Lead/list',
      `#Lead/view/${'a'.repeat(65)}`,
      '',
    ])
      expect(recordAt(fragment)).toBeUndefined();
    expect(recordAt(`#Lead/view/${'a'.repeat(64)}`)).toBeDefined();
  });

  it('are what the entity directory reads for core', () => {
    const entities = new EspoEntityDirectory();
    expect(entities.recordAt('#Case/view/1')).toEqual({ entity: 'Case', id: '1' });
    expect(entities.recordNamedIn('see https://crm/#Case/view/1 now')).toEqual({ entity: 'Case', id: '1' });
  });
});

describe("EspoCRM's own fields and requests, as the directory gives them", () => {
  const entities = new EspoEntityDirectory();

  it('knows the fields EspoCRM sets itself', () => {
    expect(['id', 'createdAt', 'modifiedById', 'versionNumber'].every((f) => entities.isSystemField(f))).toBe(true);
    expect(entities.isSystemField('status')).toBe(false);
    expect(entities.creationField()).toBe('createdAt');
  });

  it('posts a new record to its entity path', () => {
    expect(entities.createRequest('Note', { post: 'hi' })).toEqual({
      method: 'POST',
      path: '/Note',
      body: { post: 'hi' },
    });
  });
});
