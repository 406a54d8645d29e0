import type { webApi } from '@slack/bolt';
import type { DeliveryResult, DigestDelivery } from '../core/digests/ports.js';
import type { Digest, DigestJob } from '../core/digests/types.js';
import type { WorkspaceInstallations } from '../core/workspaces/ports.js';
import type { AppLogger } from '../observability/logger.js';
import { chartBlock, type ChartUploads } from './charts.js';
import type { Message } from './render/blocks.js';
import { renderDigest } from './render/digest.js';

type WebClient = webApi.WebClient;

/**
 * Answers that mean the digest's place is gone for good. Token errors are not among them: a
 * rotated or mistyped bot token must not delete every digest (the day is skipped and retried).
 */
const GONE = new Set(['channel_not_found', 'is_archived', 'user_not_found', 'team_not_found', 'no_installation']);
/** Slack errors that refuse this one post (not worth retrying now), e.g. the bot is not in the channel. */
const REFUSED = new Set([
  'not_in_channel',
  'restricted_action',
  'restricted_action_read_only_channel',
  'restricted_action_thread_only_channel',
  'ekm_access_denied',
  'invalid_blocks',
  'msg_too_long',
]);

export interface SlackDigestDeliveryOptions {
  /**
   * A Web API client made for the scheduler: few retries and no waiting out rate limits, so a post
   * ends well inside the digest's lease (Bolt's client would retry for half an hour).
   */
  client: WebClient;
  /**
   * The team's bot token: the fixed one with one workspace, the installation's with OAuth; undefined when not
   * installed.
   */
  tokenFor(teamId: string): Promise<string | undefined>;
  /** The tenant's EspoCRM address, for record links. */
  siteUrlOf(tenantKey: string): Promise<string | undefined>;
  /** Counts each post by its outcome (the metrics). */
  onPosted?: (outcome: 'ok' | 'error') => void;
  /** Where a chart that could not be made, or was refused, is logged. */
  logger?: Pick<AppLogger, 'warn'>;
  /** Report charts already uploaded: a retried digest shows the chart it uploaded before. */
  chartUploads?: ChartUploads;
}

/** Posts digests with chat.postMessage: to the channel, or to the person (their DM with the bot). */
export class SlackDigestDelivery implements DigestDelivery {
  constructor(private readonly options: SlackDigestDeliveryOptions) {}

  async send(job: DigestJob, digest: Digest): Promise<DeliveryResult> {
    const token = await this.options.tokenFor(job.teamId);
    if (!token) return { ok: false, reason: 'gone', detail: 'no_installation' };
    const siteUrl = await this.options.siteUrlOf(job.tenantKey);
    const { logger } = this.options;
    const fields = { digest: job.id, team: job.teamId, channel: job.channelId };
    const report = digest.pipeline?.report;
    const chart =
      report &&
      (await chartBlock(this.options.client, report, {
        token,
        logger,
        fields,
        ...(this.options.chartUploads ? { reuse: { uploads: this.options.chartUploads, team: job.teamId } } : {}),
      }));
    try {
      try {
        await this.post(token, job, renderDigest(digest, { siteUrl, chart }));
      } catch (error) {
        // Slack refused the message with the chart (a file it will not show): the digest goes without it.
        if (!chart || codeOf(error) !== 'invalid_blocks') throw error;
        logger?.warn({ ...fields, err: error }, 'Slack refused the digest with its chart; sending it without');
        await this.post(token, job, renderDigest(digest, { siteUrl }));
      }
      this.options.onPosted?.('ok');
      return { ok: true };
    } catch (error) {
      this.options.onPosted?.('error');
      const code = codeOf(error);
      if (code && GONE.has(code)) return { ok: false, reason: 'gone', detail: code };
      if (code && REFUSED.has(code)) return { ok: false, reason: 'refused', detail: code };
      throw error;
    }
  }

  private async post(token: string, job: DigestJob, rendered: Message): Promise<void> {
    await this.options.client.chat.postMessage({
      token,
      channel: job.channelId,
      text: rendered.text,
      blocks: rendered.blocks,
      unfurl_links: false,
      unfurl_media: false,
    });
  }
}

/** Slack's error code of a failed Web API call. */
function codeOf(error: unknown): string | undefined {
  const code = (error as { data?: { error?: unknown } }).data?.error;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The bot token of a team from its stored OAuth installation (team installs; org-wide installs are keyed by
 * enterprise).
 */
export async function installedBotToken(
  installations: WorkspaceInstallations,
  teamId: string,
): Promise<string | undefined> {
  const json = await installations.find(teamId);
  if (!json) return undefined;
  const installation = JSON.parse(json) as { bot?: { token?: string } };
  return installation.bot?.token;
}
