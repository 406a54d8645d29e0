import type { CrmRecord, EntityInfo, ListQuery } from '../../core/ports.js';
import type { ReportQuery } from '../../core/reports/types.js';
import { recordUrl } from '../../crm/espo/entities.js';
import { actions, button, context, header, message, section, type AnyBlock, type Message } from './blocks.js';
import { ACTION_IDS } from './action-ids.js';
import { formatValue, keyFieldsSection, titleOf } from './fields.js';
import { escape, link, truncate } from './mrkdwn.js';

export interface RenderOptions {
  /** EspoCRM's own address, for record links. */
  siteUrl?: string;
  /** Set when rendering for the channel after "Share in channel": no buttons, a "shared by" line. */
  sharedBy?: string;
  /**
   * The reply is posted where others see it (a channel thread): a list gets no Next/Previous or
   * Share, since anyone could press them and page in their own CRM view over it.
   */
  inPublic?: boolean;
  /** A report's chart, already uploaded (slack/charts.ts): shown under the numbers it repeats. */
  chart?: AnyBlock;
}

/** What a "Share in channel" button carries to re-run the read for everyone to see. */
export type ShareTarget =
  | { t: 'list'; q: ListQuery }
  | { t: 'record'; e: string; id: string }
  | { t: 'report'; q: ReportQuery; title?: string };

export function recordLink(entity: EntityInfo, record: CrmRecord, options: RenderOptions): string {
  return link(recordUrl(options.siteUrl, entity.name, record.id), titleOf(record));
}

export function shareButton(target: ShareTarget): Record<string, unknown> | undefined {
  return button({ actionId: ACTION_IDS.share, text: 'Share in channel', value: JSON.stringify(target) });
}

export function sharedContext(options: RenderOptions): AnyBlock | undefined {
  return options.sharedBy ? context(`Shared by <@${options.sharedBy}> from EspoCRM`) : undefined;
}

/** A record card: its key fields, description and buttons (Open, Edit, Share), or "shared by" once shared. */
export function renderRecord(entity: EntityInfo, record: CrmRecord, options: RenderOptions, lead?: string): Message {
  const url = recordUrl(options.siteUrl, entity.name, record.id);
  const description = record.fields.description;
  const blocks: (AnyBlock | undefined)[] = [
    lead ? section(lead) : undefined,
    header(`${entity.label}: ${titleOf(record)}`),
    keyFieldsSection(entity, record, 10),
    typeof description === 'string' && description.trim()
      ? section(`*Description*\n${escape(truncate(description, 1500))}`)
      : undefined,
    context(
      `${escape(entity.label)} \`${escape(record.id)}\`${record.fields.modifiedAt ? ` · modified ${formatValue(record.fields.modifiedAt, 'datetime')}` : ''}`,
    ),
  ];
  if (options.sharedBy) blocks.push(sharedContext(options));
  else {
    blocks.push(
      actions(
        'espo_record_actions',
        url ? button({ actionId: 'espo_open_record', text: 'Open in EspoCRM', url }) : undefined,
        record.id.length <= 64
          ? button({
              actionId: ACTION_IDS.editRecord,
              text: 'Edit',
              value: JSON.stringify({ e: entity.name, id: record.id }),
            })
          : undefined,
        shareButton({ t: 'record', e: entity.name, id: record.id }),
      ),
    );
  }
  return message(`${entity.label}: ${titleOf(record)}`, blocks);
}
