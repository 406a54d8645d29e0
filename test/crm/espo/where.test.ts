import { describe, expect, it } from 'vitest';
import { espoWhere } from '../../../src/crm/espo/routes.js';

describe('espoWhere', () => {
  it('sends isNull and isNotNull with no value, as EspoCRM reads them', () => {
    expect(
      espoWhere([
        { field: 'assignedUserId', op: 'isNull', value: true },
        { field: 'phoneNumber', op: 'isNotNull', value: true },
      ]),
    ).toEqual([
      { type: 'isNull', attribute: 'assignedUserId' },
      { type: 'isNotNull', attribute: 'phoneNumber' },
    ]);
  });
});
