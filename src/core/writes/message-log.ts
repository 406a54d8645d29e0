import { AppError } from '../errors.js';
import type { Clock, CrmGateway, CrmRecord, EntityDirectory, EntityInfo, RequestContext, WritePlan } from '../ports.js';
import type { RequestPipeline } from './ports.js';

/** What a Slack message can be saved as in EspoCRM. */
export const LOG_KINDS = ['Note', 'Task', 'Call'] as const;
export type LogKind = (typeof LOG_KINDS)[number];

/** The records a message can be logged against, as the external select offers them. */
export const RELATED_ENTITIES = ['Account', 'Contact', 'Lead', 'Opportunity'] as const;

export interface MessageLog {
  kind: LogKind;
  subject: string;
  body: string;
  related?: { entity: string; id: string };
}

export interface MessageLogDeps {
  crm: CrmGateway;
  entities: EntityDirectory;
  commands: Pick<RequestPipeline, 'tenantFor'>;
  clock: Clock;
}

const PER_ENTITY = 5;

/**
 * "Log to EspoCRM" on a Slack message: a Note on a record's stream, a Task, or a held Call,
 * linked to an account, contact, lead or deal found by search as the person types.
 */
export class MessageLogService {
  constructor(private readonly deps: MessageLogDeps) {}

  /** Records whose name matches what the person typed, by entity; an entity that fails is left out. */
  async searchRelated(context: RequestContext, text: string): Promise<{ entity: EntityInfo; records: CrmRecord[] }[]> {
    const { crm, entities, commands } = this.deps;
    const tenant = commands.tenantFor(context);
    // Typing into a menu must not start a connection: an unconnected tenant has nothing to find.
    if (!(await crm.isConnected(tenant))) return [];
    const results = await Promise.allSettled(
      RELATED_ENTITIES.map(async (name) => {
        const entity = entities.resolve(name);
        const page = await crm.list(tenant, { entity: entity.name, filters: [], text, limit: PER_ENTITY, offset: 0 });
        return { entity, records: page.records };
      }),
    );
    const found = results.flatMap((result) =>
      result.status === 'fulfilled' && result.value.records.length ? [result.value] : [],
    );
    // Nothing found because nothing answered: say why instead of an empty list.
    if (!found.length && results.every((result) => result.status === 'rejected'))
      throw (results[0] as PromiseRejectedResult).reason;
    return found;
  }

  /** What to fix before a log can be saved; checked before the form closes, so it costs no call. */
  problems(log: Pick<MessageLog, 'kind' | 'related'>): { field: string; problem: string }[] {
    return log.kind === 'Note' && !log.related
      ? [
          {
            field: 'related',
            problem: 'A note belongs on a record: choose the account, contact, lead or deal it is about.',
          },
        ]
      : [];
  }

  /**
   * The write a submitted log amounts to; the form showed what is saved, so it is confirmed. A task
   * or call is assigned to the person when it is written (CommandService.submit).
   */
  plan(log: MessageLog): WritePlan {
    const { entities, clock } = this.deps;
    const related = log.related && { parentType: entities.resolve(log.related.entity).name, parentId: log.related.id };
    if (log.kind === 'Note') {
      if (!related) throw new AppError('validation', this.problems(log)[0]?.problem ?? 'Choose a record.');
      // A Note has no subject field: its `post` leads with the subject in bold (EspoCRM renders Markdown in posts).
      const post = [`**${log.subject}**`, log.body].filter(Boolean).join('\n\n');
      return { kind: 'proxy', request: entities.createRequest('Note', { type: 'Post', post, ...related }) };
    }
    const stamp = clock.now().toISOString().slice(0, 19).replace('T', ' ');
    const fields: Record<string, unknown> = {
      name: log.subject,
      description: log.body,
      ...(related ?? {}),
      ...(log.kind === 'Task'
        ? { status: 'Not Started' }
        : { status: 'Held', direction: 'Outbound', dateStart: stamp, dateEnd: stamp }),
    };
    return { kind: 'create', entity: log.kind, fields };
  }
}
