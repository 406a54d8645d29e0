import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import type { AuditEntry, ClaimOutcome, ConfirmationStore, CrmGateway, PendingWrite } from '../../src/core/ports.js';
import { CommandService } from '../../src/core/service.js';
import { EspoEntityDirectory } from '../../src/crm/espo/entities.js';

/** Core on its own, with its ports faked in memory: the pipeline's decisions, no transport. */
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
    create: overrides.create ?? (async (_tenant, _entity, fields) => ({ id: 'new1', name: String(fields.name), fields })),
  } as Partial<CrmGateway> as CrmGateway;
  const service = new CommandService({
    crm,
    entities: new EspoEntityDirectory(),
    confirmations,
    audit: { record: async (entry) => void audit.push(entry) },
    clock: { now: () => new Date('2026-11-25T12:00:00Z') },
    logger: { info: () => undefined, warn: () => undefined, error: (_data, message) => void errors.push(message) },
    connectionScope: 'workspace',
    confirmationTtlMs: 15 * 60_000,
  });
  return { service, audit, errors };
}

const who = { teamId: 'T1', userId: 'U1', channelId: 'C1', timeZone: 'UTC' };

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

  it('refuses disconnect to a non-admin when the connection is shared', async () => {
    const { service } = build();
    await expect(service.handle(who, 'disconnect')).rejects.toMatchObject({ code: 'forbidden' });
  });
});
