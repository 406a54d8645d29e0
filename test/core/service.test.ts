import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import { PersonDirectory } from '../../src/core/people.js';
import type { CrmGateway, CrmRecord } from '../../src/core/ports.js';
import type { AuditEntry, ClaimOutcome, ConfirmationStore, PendingWrite } from '../../src/core/writes/ports.js';
import { CommandService } from '../../src/core/service.js';
import { EspoEntityDirectory } from '../../src/crm/espo/entities.js';

/** Core on its own, with its ports faked in memory: the pipeline's decisions, no transport. */
/** EspoCRM's users, found by email (PersonDirectory) and read by id. */
const USERS: CrmRecord[] = [
  { id: 'UJANE', name: 'Jane Smith', fields: { emailAddress: 'jane@example.com' } },
  { id: 'UMARCO', name: 'Marco Lopez', fields: { emailAddress: 'marco@example.com' } },
];

function build(overrides: { finish?: ConfirmationStore['finish']; create?: CrmGateway['create'] } = {}) {
  const saved = new Map<string, PendingWrite>();
  const audit: AuditEntry[] = [];
  const errors: string[] = [];
  const confirmations: ConfirmationStore = {
    save: async (write) => void saved.set(write.id, write),
    claim: async (id): Promise<ClaimOutcome> => {
      const write = saved.get(id);
      if (!write) return { ok: false, reason: 'missing' };
      saved.delete(id);
      return { ok: true, write };
    },
    cancel: async () => ({ ok: false, reason: 'missing' }),
    finish: overrides.finish ?? (async () => undefined),
    prune: async () => 0,
  };
  const crm = {
    create:
      overrides.create ?? (async (_tenant, _entity, fields) => ({ id: 'new1', name: String(fields.name), fields })),
    list: async (_tenant, query) => ({
      records: USERS.filter((user) =>
        query.filters.some((f) => f.field === 'emailAddress' && f.value === user.fields.emailAddress),
      ),
      hasMore: false,
    }),
    get: async (_tenant, entity, id) => {
      const user = entity === 'User' && USERS.find((candidate) => candidate.id === id);
      if (!user) throw new AppError('not_found', 'I could not find that user in EspoCRM.');
      return user;
    },
  } as Partial<CrmGateway> as CrmGateway;
  const logger = {
    info: () => undefined,
    warn: () => undefined,
    error: (_data: unknown, message: string) => void errors.push(message),
  };
  const service = new CommandService({
    crm,
    entities: new EspoEntityDirectory(),
    confirmations,
    audit: { record: async (entry) => void audit.push(entry) },
    clock: { now: () => new Date('2026-11-25T12:00:00Z') },
    logger,
    connectionScope: 'workspace',
    confirmationTtlMs: 15 * 60_000,
    people: new PersonDirectory(crm, logger),
  });
  return { service, audit, errors, saved };
}

const who = { teamId: 'T1', userId: 'U1', channelId: 'C1', timeZone: 'UTC', email: 'jane@example.com' };

describe('CommandService', () => {
  it('reports a write that happened as done even when recording its outcome fails', async () => {
    const { service, errors } = build({
      finish: async () => {
        throw new Error('database blip');
      },
    });
    const preview = await service.handle(who, 'create task name="Call Bob"');
    expect(preview.kind).toBe('confirm');
    const reply = await service.confirm(who, (preview as { pendingId: string }).pendingId);
    expect(reply).toMatchObject({ kind: 'done', record: { id: 'new1' } });
    expect(errors).toContain('could not record a finished write');
  });

  it('reports a timed-out write as unknown, never as failed, and audits it so', async () => {
    const { service, audit } = build({
      create: async () => {
        throw new AppError('timeout', 'slow');
      },
    });
    const preview = (await service.handle(who, 'create task name="Maybe"')) as { pendingId: string };
    await expect(service.confirm(who, preview.pendingId)).rejects.toMatchObject({ code: 'outcome_unknown' });
    expect(audit.at(-1)).toMatchObject({ outcome: 'unknown', action: 'create Task' });
  });

  it('assigns a new record to the person who asks, or to whom they name, and says so in the preview', async () => {
    const { service } = build();
    const mine = await service.handle(who, 'create task name="Call Bob"');
    expect(mine).toMatchObject({
      kind: 'confirm',
      plan: { fields: { name: 'Call Bob', assignedUserId: 'UJANE' } },
      assignee: { id: 'UJANE', isRequester: true },
    });
    const marcos = await service.handle(who, 'create lead lastName=Stone assignedUserId=UMARCO');
    expect(marcos).toMatchObject({
      kind: 'confirm',
      plan: { fields: { assignedUserId: 'UMARCO' } },
      assignee: { id: 'UMARCO', name: 'Marco Lopez', isRequester: false },
    });
    await expect(service.handle(who, 'create task name="Call Bob" assignedUserId=UNOBODY')).rejects.toMatchObject({
      code: 'validation',
      userMessage: expect.stringContaining('No EspoCRM user has the id `UNOBODY`'),
    });
    // Through an action or the REST API as well: the record's fields get the assignee where they are.
    const run = await service.handle(who, 'api POST /Meeting {"name": "Demo"}');
    expect(run).toMatchObject({
      plan: { request: { body: { name: 'Demo', assignedUserId: 'UJANE' } } },
      assignee: { id: 'UJANE' },
    });
  });

  it('refuses, before anything is saved, a task for a person it cannot find in EspoCRM; a lead goes unassigned', async () => {
    const { service, saved } = build();
    const stranger = { ...who, email: 'stranger@example.com' };
    await expect(service.handle(stranger, 'create task name="Call Bob"')).rejects.toMatchObject({
      code: 'validation',
      userMessage: expect.stringMatching(
        /^A task in EspoCRM has to be assigned to someone, and no EspoCRM user has your Slack email \(`stranger@example.com`\).*`assignedUserId=<their EspoCRM user id>`.*ask an EspoCRM admin/,
      ),
    });
    await expect(service.handle({ ...who, email: undefined }, 'create call name="Intro"')).rejects.toMatchObject({
      userMessage: expect.stringContaining("Slack doesn't share your email address"),
    });
    await expect(service.handle(who, 'create meeting name=Demo assignedUserId=')).rejects.toMatchObject({
      userMessage: expect.stringContaining('cannot be left without one'),
    });
    expect(saved.size).toBe(0);
    const lead = await service.handle(stranger, 'create lead lastName=Stone');
    expect(lead).toMatchObject({ kind: 'confirm', plan: { fields: { lastName: 'Stone' } } });
    expect(lead).not.toHaveProperty('assignee');
    expect(await service.handle(stranger, 'create task name="Call Bob" assignedUserId=UMARCO')).toMatchObject({
      kind: 'confirm',
      assignee: { name: 'Marco Lopez' },
    });
  });

  it('refuses disconnect to a non-admin when the connection is shared', async () => {
    const { service } = build();
    await expect(service.handle(who, 'disconnect')).rejects.toMatchObject({ code: 'forbidden' });
  });
});
