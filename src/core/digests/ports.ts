import type { Digest, DigestJob } from './types.js';

/**
 * Digests and their schedule, shared by every instance. `claimDue` is the lock: each due digest is
 * leased by exactly one caller, on any instance; the lease (its `leaseUntil`) then proves ownership
 * to `finish` and `retry`, so a worker whose lease ran out cannot move a digest another one took.
 */
export interface DigestStore {
  create(job: DigestJob): Promise<void>;
  get(id: string): Promise<DigestJob | undefined>;
  /** Digests sent to a channel (or to a person's DM: the channel is their user id), oldest first. */
  forChannel(teamId: string, channelId: string): Promise<DigestJob[]>;
  delete(id: string): Promise<boolean>;
  /** Leases one digest due at `now` (next run reached, no live lease) until `leaseUntil`, earliest due first. */
  claimDue(now: Date, leaseUntil: Date): Promise<DigestJob | undefined>;
  /**
   * Done with this occurrence: next run, failures reset, lease released; `sentAt` when it was sent. False: the lease
   * was lost.
   */
  finish(id: string, lease: Date, nextRunAt: Date, sentAt?: Date): Promise<boolean>;
  /** A failed attempt: counted, and the digest held until `retryAt`. False: the lease was lost. */
  retry(id: string, lease: Date, retryAt: Date): Promise<boolean>;
}

/**
 * What posting a digest came to. `gone`: the channel or the workspace is no more (archived, the app
 * uninstalled): the digest is deleted. `refused`: Slack will not take it this time (the bot is not in
 * the channel): this occurrence is skipped. Anything transient is thrown, and retried.
 */
export type DeliveryResult = { ok: true } | { ok: false; reason: 'gone' | 'refused'; detail: string };

/** Posts a digest where it goes. Implemented by the Slack layer. */
export interface DigestDelivery {
  send(job: DigestJob, digest: Digest): Promise<DeliveryResult>;
}
