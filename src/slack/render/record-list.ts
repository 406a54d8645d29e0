import type { CrmRecord, EntityInfo, ListQuery } from '../../core/ports.js';
import type { Reply } from '../../core/replies.js';
import { actions, button, context, divider, header, message, section, type AnyBlock, type Message } from './blocks.js';
import { ACTION_IDS } from './action-ids.js';
import { formatValue, shownFields } from './fields.js';
import { escape } from './mrkdwn.js';
import { recordLink, shareButton, sharedContext, type RenderOptions } from './record.js';
import { filterText } from '../../core/text.js';

function summaryLine(entity: EntityInfo, record: CrmRecord): string {
  return shownFields(entity, record, 5)
    .map((view) => `${escape(view.label)}: ${formatValue(record.fields[view.field], view.format, record, view.field)}`)
    .join('  ·  ');
}

/** "New lead" beside a list of leads: the create form for that entity. */
function newButton(entity: EntityInfo): Record<string, unknown> | undefined {
  return button({ actionId: ACTION_IDS.newRecord, text: `New ${entity.label.toLowerCase()}`, value: entity.name });
}

function describeQuery(query: ListQuery): string {
  const parts = query.filters.map(filterText);
  if (query.text) parts.unshift(`“${query.text}”`);
  if (query.sort) parts.push(`sorted by ${query.sort.field}${query.sort.order === 'desc' ? ' ↓' : ''}`);
  return parts.join(', ');
}

/** How a plain-language request was understood, under its answer, so a misunderstanding shows at once. */
export function understoodContext(understood: string | undefined): AnyBlock | undefined {
  return understood ? context(`Understood as: ${escape(understood)}`) : undefined;
}

/** A page of records, each with Details; Previous, Next, Share and New below when the list is private. */
export function renderRecords(reply: Extract<Reply, { kind: 'records' }>, options: RenderOptions): Message {
  const { entity, query, page } = reply;
  const filters = query ? describeQuery(query) : '';
  const title = `${entity.plural}${filters ? ` · ${filters}` : ''}`;
  if (page.records.length === 0) {
    const hint = filters
      ? `No ${entity.plural.toLowerCase()} match ${escape(filters)}.`
      : `There are no ${entity.plural.toLowerCase()} yet.`;
    return message(`No ${entity.plural.toLowerCase()} found`, [
      header(title),
      understoodContext(reply.understood),
      section(`${hint}\nTry fewer filters, or \`/espo find ${escape(entity.label.toLowerCase())} &lt;text&gt;\`.`),
      sharedContext(options),
      options.sharedBy ? undefined : actions('espo_list_actions', newButton(entity)),
    ]);
  }
  const offset = query?.offset ?? reply.offset ?? 0;
  const first = offset + 1;
  const last = offset + page.records.length;
  const counted =
    page.total !== undefined
      ? `Showing ${first}–${last} of ${page.total}`
      : `Showing ${first}–${last}${page.hasMore ? ' (more available)' : ''}`;
  const blocks: (AnyBlock | undefined)[] = [header(title), understoodContext(reply.understood), context(counted)];
  for (const record of page.records) {
    // action_id must be unique per message and at most 255 characters.
    const details =
      options.sharedBy || record.id.length > 64
        ? undefined
        : button({
            actionId: `${ACTION_IDS.showPrefix}${record.id}`,
            text: 'Details',
            value: JSON.stringify({ e: entity.name, id: record.id }),
          });
    const line = summaryLine(entity, record);
    blocks.push(section(`*${recordLink(entity, record, options)}*${line ? `\n${line}` : ''}`, details));
  }
  if (options.sharedBy) {
    blocks.push(sharedContext(options));
  } else if (!query || options.inPublic) {
    if (page.hasMore) blocks.push(context('_There are more: ask me for the next ones, or narrow it down._'));
  } else {
    const previous: ListQuery | undefined =
      query.offset > 0
        ? {
            ...query,
            offset: Math.max(0, query.offset - query.limit),
            cursor: query.previousCursors?.at(-1),
            previousCursors: query.previousCursors?.slice(0, -1),
          }
        : undefined;
    const next: ListQuery | undefined = page.hasMore
      ? {
          ...query,
          offset: query.offset + query.limit,
          cursor: page.nextCursor,
          previousCursors:
            page.nextCursor || query.cursor ? [...(query.previousCursors ?? []), query.cursor ?? ''] : undefined,
        }
      : undefined;
    const nextButton =
      next && button({ actionId: `${ACTION_IDS.page}:next`, text: 'Next →', value: JSON.stringify(next) });
    blocks.push(
      divider(),
      // A button value holds 2,000 characters; long filters or a deep cursor trail can outgrow it.
      next && !nextButton
        ? context('_There are more, but this list is too long to page through here: narrow the filters._')
        : undefined,
      actions(
        'espo_list_actions',
        previous &&
          button({ actionId: `${ACTION_IDS.page}:prev`, text: '← Previous', value: JSON.stringify(previous) }),
        nextButton,
        shareButton({ t: 'list', q: query }),
        newButton(entity),
      ),
    );
  }
  return message(`${title}: ${counted.toLowerCase()}`, blocks);
}
