import { randomUUID } from 'node:crypto';
import type { Command } from '../commands/parse.js';
import { AppError, toAppError } from '../errors.js';
import { espoDateTime, openTaskFilters, plannedMeetingFilters } from '../home/work-filters.js';
import type { PersonDirectory } from '../people.js';
import type {
  Clock,
  CrmGateway,
  CrmRecord,
  DigestPlan,
  Filter,
  ListQuery,
  Logger,
  RequestContext,
  Tenant,
  WritePlan,
} from '../ports.js';
import type { Reply } from '../replies.js';
import type { ReportService } from '../reports/service.js';
import { commandText } from '../text.js';
import type { DigestStore } from './ports.js';
import type { Vocabulary } from '../understanding/ports.js';
import { addDays, describeTiming, formatLocal, isKnownTimeZone, localDay, nextRunAfter, weekdayOf } from './time.js';
import type { Digest, DigestAudience, DigestJob, DigestPipeline, DigestSection, DigestSectionKey } from './types.js';

/** How many records each part of a digest shows; the rest are counted. */
export const DIGEST_SHOWN = 5;
/** A deal no one touched for this many days is stale. */
export const STALE_DAYS = 14;
/** Digests one channel (or one person's DM) may have. */
export const MAX_DIGESTS_PER_CHANNEL = 5;
const DAY_MS = 86_400_000;

export interface DigestServiceDeps {
  crm: CrmGateway;
  people: PersonDirectory;
  store: DigestStore;
  clock: Clock;
  logger: Logger;
  /** The report engine, for the pipeline a digest may carry; without it no digest does. */
  reports?: Pick<ReportService, 'pipelineQuery' | 'run'>;
  /** The tenant's own stages and statuses: which deals are still open. */
  vocabularyFor: (tenant: Tenant) => Promise<Vocabulary>;
}

/** A digest sent more than this after it was due says it is late. */
const LATE_AFTER_MS = 10 * 60_000;

type DigestCommand = Extract<Command, { kind: 'digest' | 'digest_now' | 'digests' }>;

/**
 * Daily digests: scheduling one (a write, confirmed and audited like any other), listing and
 * stopping them, previewing one, and reading what one says. In a DM with the bot a digest is the
 * person's own (their EspoCRM user's tasks, meetings, deals and leads); in a channel it is the
 * team's. The scheduler (scheduler.ts) sends them.
 */
export class DigestService {
  constructor(private readonly deps: DigestServiceDeps) {}

  /** `/espo digest daily HH:MM [weekdays]`, `/espo digest now`, `/espo digests`. */
  async handle(
    context: RequestContext,
    tenant: Tenant,
    command: DigestCommand,
    propose: (plan: WritePlan) => Promise<Reply>,
  ): Promise<Reply> {
    const personal = isDirect(context);
    switch (command.kind) {
      case 'digest': {
        const audience = await this.audience(context, tenant, personal);
        const plan: DigestPlan = {
          channelId: personal ? context.userId : requireChannel(context),
          personal,
          ...(audience.crmUserId ? { crmUserId: audience.crmUserId } : {}),
          time: command.schedule.time,
          days: command.schedule.days,
          timeZone: audience.timeZone,
          ...(command.schedule.pipeline ? { pipeline: true } : {}),
        };
        const existing = (await this.deps.store.forChannel(context.teamId, plan.channelId)).filter(
          (job) => job.personal === personal,
        );
        if (existing.some((job) => job.time === plan.time && job.days === plan.days)) {
          throw new AppError(
            'bad_input',
            `That digest is already scheduled ${personal ? 'for you' : 'here'}. ${commandText('digests')} lists them.`,
          );
        }
        if (existing.length >= MAX_DIGESTS_PER_CHANNEL) {
          throw new AppError(
            'bad_input',
            `There are already ${existing.length} digests ${personal ? 'for you' : 'here'}. Stop one first: ${commandText('digests')} lists them.`,
          );
        }
        return propose({ kind: 'digest_schedule', digest: plan });
      }
      case 'digest_now': {
        if (!personal) requireChannel(context);
        const audience = { ...(await this.audience(context, tenant, personal)), withPipeline: command.pipeline };
        const now = this.deps.clock.now();
        return {
          kind: 'digest',
          digest: await this.build(tenant, audience, now, new Date(now.getTime() - DAY_MS)),
          preview: true,
        };
      }
      case 'digests': {
        const channelId = personal ? context.userId : requireChannel(context);
        const digests = (await this.deps.store.forChannel(context.teamId, channelId)).filter(
          (job) => job.personal === personal,
        );
        return { kind: 'digests', digests, personal };
      }
    }
  }

  /** Runs a confirmed digest write (CommandService.perform hands these over). */
  async perform(
    tenant: Tenant,
    plan: Extract<WritePlan, { kind: 'digest_schedule' | 'digest_cancel' }>,
  ): Promise<Reply> {
    const now = this.deps.clock.now();
    if (plan.kind === 'digest_cancel') {
      const deleted = await this.deps.store.delete(plan.id);
      return deleted
        ? {
            kind: 'notice',
            tone: 'success',
            text: `Stopped the ${whatDigest(plan.digest)} (${describeTiming(plan.digest)}). Nothing more will be sent.`,
          }
        : { kind: 'notice', tone: 'info', text: 'That digest was already stopped.' };
    }
    const job: DigestJob = {
      ...plan.digest,
      id: randomUUID(),
      tenantKey: tenant.key,
      teamId: tenant.teamId,
      userId: tenant.userId,
      nextRunAt: nextRunAfter(plan.digest, now),
      failures: 0,
      createdAt: now,
    };
    await this.deps.store.create(job);
    return {
      kind: 'notice',
      tone: 'success',
      text: `Scheduled: the ${whatDigest(plan.digest)}, ${describeTiming(plan.digest)} (${plan.digest.timeZone}). The first one comes ${formatLocal(job.nextRunAt, plan.digest.timeZone)}. ${commandText('digests')} lists it, with a Stop button.`,
    };
  }

  /**
   * The Stop button: which digest, checked against who pressed it. A personal digest is its owner's
   * to stop; a channel's, its creator's or a Slack workspace admin's. The button names the one digest
   * the person just listed, so pressing it is the confirmation (like submitting a form).
   */
  async planStop(context: RequestContext, id: string): Promise<WritePlan> {
    const job = await this.deps.store.get(id);
    if (!job || job.teamId !== context.teamId)
      throw new AppError('not_found', 'That digest no longer exists: it was already stopped.');
    const mayStop = job.userId === context.userId || (!job.personal && Boolean(context.isWorkspaceAdmin));
    if (!mayStop) {
      throw new AppError(
        'forbidden',
        job.personal
          ? 'Only the person this digest is for can stop it.'
          : 'Only the person who scheduled this digest, or a Slack workspace admin, can stop it.',
      );
    }
    return { kind: 'digest_cancel', id: job.id, digest: planOf(job) };
  }

  /**
   * Which deals are still in play, by the instance's own stages (a renamed Closed Won is still won):
   * the vocabulary's open group of deals (none when the instance has no closed stages).
   */
  private async openDealsOf(tenant: Tenant): Promise<Filter[]> {
    const vocabulary = await this.deps.vocabularyFor(tenant);
    const open = vocabulary.entities().find((terms) => terms.entity === 'Opportunity')?.openGroup;
    return open ? [{ field: open.field, op: open.op, value: open.values }] : [];
  }

  /** Reads everything a digest says, at `now`. A part that cannot be read carries its error; the rest still show. */
  async build(tenant: Tenant, audience: DigestAudience, now: Date, since: Date, dueAt?: Date): Promise<Digest> {
    const timeZone = isKnownTimeZone(audience.timeZone) ? audience.timeZone : 'UTC';
    const owner = audience.personal ? audience.crmUserId : undefined;
    if (audience.personal && !owner)
      throw new AppError('bad_input', 'A personal digest needs the EspoCRM user it is for.');
    const day = localDay(now, timeZone);
    const weekEnd = addDays(day.date, (7 - weekdayOf(day.date)) % 7);
    const mine: Filter[] = owner ? [{ field: 'assignedUserId', op: 'equals', value: owner }] : [];
    const openDeals: Filter[] = [...mine, ...(await this.openDealsOf(tenant))];
    const query = (entity: string, filters: Filter[], sort: ListQuery['sort'], limit = DIGEST_SHOWN): ListQuery => ({
      entity,
      filters,
      sort,
      limit,
      offset: 0,
    });

    const pipeline = audience.withPipeline ? this.pipeline(tenant, owner, now, timeZone) : undefined;
    const [overdue, today, meetings, closing, newLeads, stale] = await Promise.all([
      this.section(
        tenant,
        'overdue',
        query(
          'Task',
          [...openTaskFilters(owner), { field: 'dateEnd', op: 'lessThan', value: espoDateTime(day.start) }],
          { field: 'dateEnd', order: 'desc' },
        ),
      ),
      this.section(
        tenant,
        'today',
        query(
          'Task',
          [
            ...openTaskFilters(owner),
            { field: 'dateEnd', op: 'greaterThanOrEquals', value: espoDateTime(day.start) },
            { field: 'dateEnd', op: 'lessThan', value: espoDateTime(day.end) },
          ],
          { field: 'dateEnd', order: 'asc' },
        ),
      ),
      this.section(
        tenant,
        'meetings',
        query('Meeting', plannedMeetingFilters(owner, day.start, day.end), { field: 'dateStart', order: 'asc' }),
      ),
      this.section(
        tenant,
        'closing',
        query(
          'Opportunity',
          [
            ...openDeals,
            { field: 'closeDate', op: 'greaterThanOrEquals', value: day.date },
            { field: 'closeDate', op: 'lessThanOrEquals', value: weekEnd },
          ],
          {
            field: 'closeDate',
            order: 'asc',
          },
        ),
      ),
      this.section(
        tenant,
        'new_leads',
        query('Lead', [...mine, { field: 'createdAt', op: 'greaterThan', value: espoDateTime(since) }], {
          field: 'createdAt',
          order: 'desc',
        }),
      ),
      this.section(
        tenant,
        'stale',
        query(
          'Opportunity',
          [
            ...openDeals,
            { field: 'modifiedAt', op: 'lessThan', value: espoDateTime(new Date(now.getTime() - STALE_DAYS * DAY_MS)) },
          ],
          {
            field: 'modifiedAt',
            order: 'asc',
          },
        ),
      ),
    ]);
    reclassifyDateOnly(overdue, today, day.date);
    const late = dueAt && now.getTime() - dueAt.getTime() > LATE_AFTER_MS ? { lateSince: dueAt } : {};
    return {
      personal: audience.personal,
      timeZone,
      now,
      today: day.date,
      weekEnd,
      since,
      ...late,
      sections: [overdue, today, meetings, closing, newLeads, stale],
      ...(pipeline ? { pipeline: await pipeline } : {}),
    };
  }

  /** The open deals by stage, the owner's or everyone's; a failed read is carried, not thrown, like a section's. */
  private async pipeline(
    tenant: Tenant,
    ownerId: string | undefined,
    now: Date,
    timeZone: string,
  ): Promise<DigestPipeline | undefined> {
    const { reports } = this.deps;
    if (!reports) return undefined;
    try {
      const { query, title } = await reports.pipelineQuery(tenant, { ...(ownerId ? { ownerId } : {}), now, timeZone });
      return { report: await reports.run(tenant, query, { title }) };
    } catch (error) {
      const appError = toAppError(error);
      this.deps.logger.warn(
        { err: error, tenant: tenant.key, section: 'pipeline', code: appError.code },
        'a digest section could not be read',
      );
      return { error: appError };
    }
  }

  private async section(tenant: Tenant, key: DigestSectionKey, query: ListQuery): Promise<DigestSection> {
    try {
      const page = await this.deps.crm.list(tenant, query);
      return {
        key,
        entity: query.entity,
        records: page.records.slice(0, query.limit),
        total: page.total,
        hasMore: page.hasMore,
      };
    } catch (error) {
      const appError = toAppError(error);
      this.deps.logger.warn(
        { err: error, tenant: tenant.key, section: key, code: appError.code },
        'a digest section could not be read',
      );
      return { key, entity: query.entity, records: [], hasMore: false, error: appError };
    }
  }

  /** Personal digests need the person's EspoCRM user: found by their Slack email, or a polite refusal. */
  private async audience(context: RequestContext, tenant: Tenant, personal: boolean): Promise<DigestAudience> {
    const timeZone = context.timeZone && isKnownTimeZone(context.timeZone) ? context.timeZone : 'UTC';
    if (!personal) return { personal, timeZone };
    const person = await this.deps.people.find(tenant, context.email, this.deps.clock.now());
    switch (person.kind) {
      case 'found':
        return { personal, crmUserId: person.id, timeZone };
      case 'no_email':
        throw new AppError(
          'bad_input',
          "I can't tell which EspoCRM user you are: Slack did not give me your email (the app needs the users:read.email scope). " +
            "A digest in a channel shows the team's view and needs no email.",
        );
      case 'no_match':
        throw new AppError(
          'bad_input',
          `I can't tell which EspoCRM user you are: no EspoCRM user has your Slack email (${person.email}). Ask an EspoCRM admin to set it on your user.`,
        );
    }
  }
}

/** A DM (Slack DM channel ids start with D): the digest is the person's own. */
function isDirect(context: RequestContext): boolean {
  return Boolean(context.channelId?.startsWith('D'));
}

function requireChannel(context: RequestContext): string {
  if (!context.channelId)
    throw new AppError('bad_input', 'Run this in the channel the digest is for, or in your DM with me for your own.');
  return context.channelId;
}

export function planOf(job: DigestJob): DigestPlan {
  return {
    channelId: job.channelId,
    personal: job.personal,
    ...(job.crmUserId ? { crmUserId: job.crmUserId } : {}),
    time: job.time,
    days: job.days,
    timeZone: job.timeZone,
    ...(job.pipeline ? { pipeline: true } : {}),
  };
}

/** "digest of your work, in your DM with me" / "team digest for this channel". */
export function whatDigest(plan: Pick<DigestPlan, 'personal'>): string {
  return plan.personal ? 'digest of your work, in your DM with me' : 'team digest for this channel';
}

/**
 * A task due on a day but at no time (EspoCRM keeps it as that date at midnight UTC, with
 * `dateEndDate` set) belongs to its local date, whatever midnight UTC is in the zone: moved between
 * "overdue" and "today" (or out, when it is due later), with the counts adjusted.
 */
function reclassifyDateOnly(overdue: DigestSection, today: DigestSection, date: string): void {
  const dayOf = (record: CrmRecord) =>
    typeof record.fields.dateEndDate === 'string' && record.fields.dateEndDate
      ? record.fields.dateEndDate.slice(0, 10)
      : undefined;
  const toToday = overdue.records.filter((record) => dayOf(record) === date);
  const notYet = today.records.filter((record) => (dayOf(record) ?? date) > date);
  if (toToday.length === 0 && notYet.length === 0) return;
  overdue.records = overdue.records.filter((record) => !toToday.includes(record));
  if (overdue.total !== undefined) overdue.total -= toToday.length;
  today.records = [...toToday, ...today.records.filter((record) => !notYet.includes(record))].slice(0, DIGEST_SHOWN);
  if (today.total !== undefined) today.total += toToday.length - notYet.length;
}
