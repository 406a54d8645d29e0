import { describe, expect, it } from 'vitest';
import { valuesBefore, type StreamNote } from '../../../src/crm/espo/record-stream.js';

/** Notes as EspoCRM's Stream\Service writes them, newest first as `GET /{Entity}/{id}/stream` lists them. */
const created = (data: Record<string, unknown>, parentId = 'D1'): StreamNote => ({ type: 'Create', parentId, data });
const updated = (data: Record<string, unknown>, parentId = 'D1'): StreamNote => ({ type: 'Update', parentId, data });
const assigned = (data: Record<string, unknown>): StreamNote => ({ type: 'Assign', parentId: 'D1', data });
const audited = (was: Record<string, unknown>, became: Record<string, unknown>, value?: string) =>
  updated({ fields: Object.keys(was), attributes: { was, became }, ...(value ? { value } : {}) });

describe('valuesBefore', () => {
  it("takes audited fields from the Update note that is this change's", () => {
    const notes = [audited({ amount: 1000 }, { amount: 2000 }), audited({ amount: 500 }, { amount: 1000 })];
    expect(valuesBefore(notes, 'D1', { amount: 2000 })).toEqual({ amount: 1000 });
  });

  it("finds the old status in the note before this change's: an earlier `value`, or the Create note's statusValue", () => {
    const create = created({ statusValue: 'Prospecting', statusField: 'stage' });
    expect(
      valuesBefore(
        [updated({ fields: [], attributes: { was: {}, became: {} }, value: 'Proposal' }), create],
        'D1',
        { stage: 'Proposal' },
        'stage',
      ),
    ).toEqual({ stage: 'Prospecting' });
    const twice = [
      updated({ fields: [], attributes: { was: {}, became: {} }, value: 'Closed Won' }),
      audited({ amount: 1 }, { amount: 2 }),
      assigned({ assignedUserId: 'U2', assignedUserName: 'Marco' }),
      audited({ amount: 0 }, { amount: 1 }, 'Proposal'),
      create,
    ];
    expect(valuesBefore(twice, 'D1', { stage: 'Closed Won' }, 'stage')).toEqual({ stage: 'Proposal' });
  });

  it("knows no old status when this change's note, or the one before, is not among the notes read", () => {
    expect(
      valuesBefore(
        [updated({ fields: [], attributes: { was: {}, became: {} }, value: 'Proposal' })],
        'D1',
        { stage: 'Proposal' },
        'stage',
      ),
    ).toEqual({});
    expect(
      valuesBefore(
        [created({ statusValue: 'Prospecting', statusField: 'stage' })],
        'D1',
        { stage: 'Closed Won' },
        'stage',
      ),
    ).toEqual({});
    // Without the entity's status field nothing is looked for.
    expect(
      valuesBefore(
        [updated({ value: 'Closed Won' }), created({ statusValue: 'Prospecting', statusField: 'stage' })],
        'D1',
        { stage: 'Closed Won' },
      ),
    ).toEqual({});
  });

  it("passes over the notes of the record's children, which its stream shows too", () => {
    const notes = [
      updated({ value: 'Closed Won' }),
      created({ statusValue: 'Not Started', statusField: 'status' }, 'T9'),
      created({ statusValue: 'Negotiation', statusField: 'stage' }),
    ];
    expect(valuesBefore(notes, 'D1', { stage: 'Closed Won' }, 'stage')).toEqual({ stage: 'Negotiation' });
  });

  it('keeps a status an entity without a stream has in was/became (a Call)', () => {
    expect(
      valuesBefore([audited({ status: 'Planned' }, { status: 'Held' }, 'Held')], 'D1', { status: 'Held' }, 'status'),
    ).toEqual({ status: 'Planned' });
  });

  it("finds the old assignee in the Assign or Create note before this change's Assign note", () => {
    const notes = [
      assigned({ assignedUserId: 'U2', assignedUserName: 'Marco' }),
      assigned({ assignedUserId: 'U3', assignedUserName: 'Priya' }),
      created({ assignedUserId: 'U1', assignedUserName: 'Jane' }),
    ];
    expect(valuesBefore(notes, 'D1', { assignedUserId: 'U2' })).toEqual({
      assignedUserId: 'U3',
      assignedUserName: 'Priya',
    });
    expect(valuesBefore(notes.slice(1), 'D1', { assignedUserId: 'U3' })).toEqual({
      assignedUserId: 'U1',
      assignedUserName: 'Jane',
    });
    // Created with nobody assigned: there was no one before.
    expect(
      valuesBefore([assigned({ assignedUserId: 'U2', assignedUserName: 'Marco' }), created({})], 'D1', {
        assignedUserId: 'U2',
      }),
    ).toEqual({});
  });
});
