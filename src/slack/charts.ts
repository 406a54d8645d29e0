import type { types, webApi } from '@slack/bolt';
import type { Report } from '../core/reports/types.js';
import type { AppLogger } from '../observability/logger.js';
import { barChartAltText, barChartOf, barChartSvg } from './render/charts/bar-chart.js';
import { svgToPng } from './render/charts/png.js';

type WebClient = webApi.WebClient;

/**
 * A report's chart in Slack: rendered to PNG, uploaded privately to the bot's own files, and shown
 * by an image block that points at the file (`slack_file`, docs.slack.dev/reference/block-kit/blocks/image-block).
 * Uploaded without a channel, the file is shared nowhere: Slack shows it only where a message's
 * image block shows it.
 */

/** files.getUploadURLExternal refuses a longer alt_txt (`alt_txt_too_large`). */
const MAX_UPLOAD_ALT_TEXT = 1000;
/** Slack's limit on an image block's title. */
const MAX_TITLE = 2000;
/** A Slack that takes the bytes no faster than this is slower than the person waiting for the answer. */
const UPLOAD_TIMEOUT_MS = 10_000;
/**
 * Waits between files.info polls while Slack processes the upload (about 4 s in all): a message
 * showing a file Slack has not processed yet is refused ("invalid slack file").
 */
const PROCESSING_WAITS_MS = [100, 200, 400, 800, 1200, 1500];

const cut = (text: string, max: number) =>
  text.length <= max ? text : text.slice(0, max).replace(/[\uD800-\uDBFF]$/, '');

export interface ChartFile {
  png: Buffer;
  filename: string;
  title: string;
  altText: string;
}

/**
 * Slack's external upload, in its three steps (docs.slack.dev/reference/methods/files.getUploadURLExternal):
 * ask for an upload URL, POST the bytes to it, then complete the upload with no channel, which
 * leaves the file private. Made directly rather than with `filesUploadV2`, which sends the alt text
 * as `alt_text` where the method takes `alt_txt`. `token`, when the client has none of its own.
 * Returns the file's id.
 */
export async function uploadPrivateFile(client: WebClient, file: ChartFile, token?: string): Promise<string> {
  const auth = token ? { token } : {};
  const target = (await client.apiCall('files.getUploadURLExternal', {
    ...auth,
    filename: file.filename,
    length: file.png.length,
    alt_txt: cut(file.altText, MAX_UPLOAD_ALT_TEXT),
  })) as { upload_url?: string; file_id?: string };
  if (!target.upload_url || !target.file_id) throw new Error('files.getUploadURLExternal gave no upload_url');
  // The upload URL carries its own authorization; raw bytes are one of the two bodies it accepts.
  const posted = await fetch(target.upload_url, {
    method: 'POST',
    headers: { 'content-type': 'image/png' },
    body: new Uint8Array(file.png),
    signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
  });
  await posted.arrayBuffer();
  if (posted.status !== 200)
    throw Object.assign(new Error(`the upload URL answered HTTP ${posted.status}`), { statusCode: posted.status });
  await client.files.completeUploadExternal({ ...auth, files: [{ id: target.file_id, title: file.title }] });
  await untilProcessed(client, target.file_id, auth);
  return target.file_id;
}

/**
 * Slack completes an upload asynchronously: until it has processed the file, its `mimetype` is
 * empty and a message that shows it is refused. Slack's engineers suggest polling files.info until
 * it is known (slackapi/slack-github-action#413, slackapi/node-slack-sdk#2170). Past the waits the
 * reply goes out anyway; if Slack still refuses it, the numbers go alone (edge.ts).
 */
async function untilProcessed(client: WebClient, id: string, auth: { token?: string }): Promise<void> {
  for (const wait of [0, ...PROCESSING_WAITS_MS]) {
    if (wait) await new Promise((resolve) => setTimeout(resolve, wait));
    // An install from before files:read cannot ask: it shows the chart and lets Slack say.
    const info = (await client.files.info({ ...auth, file: id }).catch(() => undefined)) as
      { file?: { mimetype?: string } } | undefined;
    if (!info || info.file?.mimetype) return;
  }
}

/** The PNG of a report's chart, with the words that describe it. */
export async function renderChart(report: Report): Promise<ChartFile> {
  const chart = barChartOf(report);
  const slug = report.title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return {
    png: await svgToPng(barChartSvg(chart)),
    filename: `${slug || 'chart'}.png`,
    title: cut(report.title, MAX_TITLE),
    altText: barChartAltText(chart),
  };
}

/** A report is charted when it breaks its total down: one bar would only repeat the total. */
export const chartsReport = (report: Report) => report.groups.length >= 2;

/** Why a chart could not be made, as one word for the log: Slack's error code, an HTTP status, or the step. */
function reasonOf(error: unknown, step: string): string {
  const failure = error as { data?: { error?: unknown }; statusCode?: unknown; code?: unknown };
  if (typeof failure?.data?.error === 'string') return failure.data.error;
  if (typeof failure?.statusCode === 'number') return `http_${failure.statusCode}`;
  if (typeof failure?.code === 'string') return failure.code;
  return `${step}_failed`;
}

export interface ChartOptions {
  /** Where a failure is logged, in one line with why, with these fields. */
  logger?: Pick<AppLogger, 'warn'>;
  fields?: Record<string, unknown>;
  /** The bot token to upload with, for a client made without one (the digests'). */
  token?: string;
  /** Uploads to reuse, and the workspace the chart is shown in: the same answer shown there again reuses its file. */
  reuse?: { uploads: ChartUploads; team: string };
}

/** Uploads kept for reuse: a cached answer lives a minute, its chart file a while longer. */
const REUSE_MS = 10 * 60_000;
const MAX_REUSED = 200;

/**
 * The files already uploaded for answers, by workspace and the answer's own read (its query, its
 * heading and when it was read): a channel asking twice within the report cache's minute, or a
 * Share of a private answer, shows the same file instead of storing another copy in Slack.
 */
export class ChartUploads {
  private readonly files = new Map<string, { id: string; until: number }>();

  get(team: string, report: Report): string | undefined {
    const known = this.files.get(ChartUploads.key(team, report));
    return known && known.until > Date.now() ? known.id : undefined;
  }

  set(team: string, report: Report, id: string): void {
    for (const [old, entry] of this.files)
      if (entry.until <= Date.now() || this.files.size >= MAX_REUSED) this.files.delete(old);
    this.files.set(ChartUploads.key(team, report), { id, until: Date.now() + REUSE_MS });
  }

  private static key(team: string, report: Report): string {
    return JSON.stringify([team, report.query, report.title, report.readAt.getTime()]);
  }
}

/**
 * The image block showing `report`'s chart, uploaded with `client`; undefined when the report has
 * no breakdown to chart, or when rendering or uploading failed (logged): the numbers are in the
 * message anyway. For any message that carries a report (replies, digests).
 */
export async function chartBlock(
  client: WebClient,
  report: Report,
  options: ChartOptions = {},
): Promise<types.ImageBlock | undefined> {
  if (!chartsReport(report)) return undefined;
  let step = 'render';
  try {
    const { reuse } = options;
    const reused = reuse?.uploads.get(reuse.team, report);
    // Already in Slack: only the words are needed, not another PNG.
    const words = reused && { title: cut(report.title, MAX_TITLE), altText: barChartAltText(barChartOf(report)) };
    const file = words ? undefined : await renderChart(report);
    step = 'upload';
    const id = reused ?? (await uploadPrivateFile(client, file!, options.token));
    if (reuse && !reused) reuse.uploads.set(reuse.team, report, id);
    const { title, altText } = words || file!;
    return {
      type: 'image',
      slack_file: { id },
      alt_text: altText,
      title: { type: 'plain_text', text: title, emoji: true },
    };
  } catch (error) {
    options.logger?.warn(
      { err: error, ...options.fields, step, reason: reasonOf(error, step) },
      'report shown without its chart',
    );
    return undefined;
  }
}
