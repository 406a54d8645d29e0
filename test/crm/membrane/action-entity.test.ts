import { describe, expect, it } from 'vitest';
import { changedEntityOf } from '../../../src/crm/membrane/action-entity.js';

describe('the entity an action changes', () => {
  it('is the record type an update or delete key names', () => {
    expect(changedEntityOf('update-opportunity')).toEqual({ entity: 'Opportunity' });
    expect(changedEntityOf('delete-lead')).toEqual({ entity: 'Lead' });
    expect(changedEntityOf('update-CProject')).toEqual({ entity: 'CProject' });
  });

  it('is none for keys that name no record type, or do not change one', () => {
    expect(changedEntityOf('update-deal-stage')).toEqual({});
    expect(changedEntityOf('create-task')).toEqual({});
    expect(changedEntityOf('list-leads')).toEqual({});
  });
});
