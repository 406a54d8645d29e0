import type { CrmRecord, EntityInfo } from '../../core/ports.js';
import { recordUrl } from '../../crm/espo/entities.js';
import { context, section, type AnyBlock } from './blocks.js';
import { escape, link } from './mrkdwn.js';
import { keyFieldsSection, titleOf } from './fields.js';

/** Fields a preview shows: enough to recognise the record, few enough to stay small in the channel. */
const PREVIEW_FIELDS = 4;

/**
 * A link preview (chat.unfurl) of one record: its name linked to the record in EspoCRM, a few key
 * fields and what kind of record it is. No buttons: everyone in the channel sees it.
 */
export function renderUnfurl(
  entity: EntityInfo,
  record: CrmRecord,
  siteUrl: string | undefined,
): { blocks: AnyBlock[] } {
  const blocks: (AnyBlock | undefined)[] = [
    section(`*${link(recordUrl(siteUrl, entity.name, record.id), titleOf(record))}*`),
    keyFieldsSection(entity, record, PREVIEW_FIELDS),
    context(`EspoCRM ${escape(entity.label)}`),
  ];
  return { blocks: blocks.filter((block): block is AnyBlock => block !== undefined) };
}
