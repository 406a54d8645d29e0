import type { AppError } from '../errors.js';
import type { CrmRecord, DigestPlan } from '../ports.js';
import type { Report } from '../reports/types.js';

// The plain data of digests, as the store, replies and rendering see it: no behaviour, and no
// imports beyond core's shared types, so any file may use it without pulling the service in.

/** A scheduled digest as stored: its plan, who made it, and where the scheduler is with it. */
export interface DigestJob extends DigestPlan {
  id: string;
  tenantKey: string;
  teamId: string;
  /** Who scheduled it (and, for a personal digest, whose it is). */
  userId: string;
  nextRunAt: Date;
  lastSentAt?: Date;
  /** Failed attempts at the current occurrence. */
  failures: number;
  /** Set while an instance works on it: no other instance claims it before then. */
  leaseUntil?: Date;
  createdAt: Date;
}

export type DigestSectionKey = 'overdue' | 'today' | 'meetings' | 'closing' | 'new_leads' | 'stale';

/** One part of a digest: the first records, how many there are, or why they could not be read. */
export interface DigestSection {
  key: DigestSectionKey;
  entity: string;
  records: CrmRecord[];
  /** How many match in all, when EspoCRM says. */
  total?: number;
  hasMore: boolean;
  error?: AppError;
}

/** What one digest says, as data: the Slack layer renders it. */
export interface Digest {
  /** The person's own work (their EspoCRM user's records), or the whole team's. */
  personal: boolean;
  timeZone: string;
  /** When it was read: "overdue", "today" and "this week" are judged against it, in `timeZone`. */
  now: Date;
  /** The local date of `now` (`YYYY-MM-DD`) and the last day of its week (Sunday). */
  today: string;
  weekEnd: string;
  /** New leads are those created after this (the last digest sent, or a day before `now`). */
  since: Date;
  /** When the digest was due, when it is sent late (the bot was down then). */
  lateSince?: Date;
  sections: DigestSection[];
  /** The open deals by stage (the person's own, or the team's), when asked for; or why they could not be read. */
  pipeline?: DigestPipeline;
}

export type DigestPipeline = { report: Report; error?: undefined } | { report?: undefined; error: AppError };

/** Whose work a digest shows and in which zone its days are counted. */
export interface DigestAudience {
  personal: boolean;
  crmUserId?: string;
  timeZone: string;
  /**
   * Whether this digest carries the pipeline. Not the plan's `pipeline` (a digest scheduled with it
   * carries it once a week: `pipelineDue`), so a job passed as an audience does not imply it.
   */
  withPipeline?: boolean;
}
