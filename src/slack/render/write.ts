import { describeTiming } from '../../core/digests/time.js';
import type { Assignee, RecordRef, WritePlan } from '../../core/ports.js';
import type { Reply } from '../../core/replies.js';
import { actions, button, context, fieldsSections, message, section, type AnyBlock, type Message } from './blocks.js';
import { ACTION_IDS } from './action-ids.js';
import { describeDigest, digestScheduleLines } from './digest.js';
import { isEmpty } from './fields.js';
import { codeBlock, escape, truncate } from './mrkdwn.js';
import { recordLink, renderRecord, type RenderOptions } from './record.js';

/** Longest value a preview shows in full (a field holds 2,000 characters, with room for the label). */
const PREVIEW_VALUE_MAX = 1500;
/** Longest JSON input a preview shows in full (a section holds 3,000). */
const PREVIEW_JSON_MAX = 2800;

function changeLines(plan: Extract<WritePlan, { kind: 'create' | 'update' }>): string[] {
  return Object.entries(plan.fields).map(([field, value]) => {
    const after =
      value === null ? '_(cleared)_' : escape(typeof value === 'object' ? JSON.stringify(value) : String(value));
    if (plan.kind === 'update' && plan.before) {
      const previous = plan.before[field];
      // The old value is context, not what gets written, so it may be shortened.
      const before = isEmpty(previous) ? '_(empty)_' : escape(truncate(String(previous), 200));
      return `*${escape(field)}*\n${before} → ${after}`;
    }
    return `*${escape(field)}*\n${after}`;
  });
}

/** Whether the preview can show every byte that would be written; if not, it must not offer Confirm. */
function fitsInPreview(plan: WritePlan): boolean {
  switch (plan.kind) {
    case 'create':
    case 'update':
      return (
        Object.keys(plan.fields).length <= 40 &&
        Object.values(plan.fields).every(
          (value) =>
            escape(typeof value === 'object' ? JSON.stringify(value) : String(value ?? '')).length <= PREVIEW_VALUE_MAX,
        )
      );
    case 'run':
      return JSON.stringify(plan.input, null, 2).length <= PREVIEW_JSON_MAX;
    case 'proxy':
      return plan.request.body === undefined || JSON.stringify(plan.request.body, null, 2).length <= PREVIEW_JSON_MAX;
    default:
      return true;
  }
}

/** Which record a planned change touches, by name, so the person can tell it is the one they meant. */
function targetLine(target: RecordRef | undefined): AnyBlock | undefined {
  if (!target) return undefined;
  return section(
    `This changes ${escape(target.entity)} *${escape(target.name ?? target.id)}* \`${escape(target.id)}\`.`,
  );
}

type Scalar = string | number | boolean | null;
const isScalar = (value: unknown): value is Scalar =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value);

/**
 * What an action or REST call will send. A flat record (`{name, dateEnd}`, or `{id, fields: {...}}`
 * as Membrane's actions take it) reads best as field lines, each value exactly as sent; anything
 * else is shown as JSON.
 */
function payloadBlocks(payload: unknown): (AnyBlock | undefined)[] {
  if (payload === undefined) return [];
  const object =
    typeof payload === 'object' && payload !== null && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : undefined;
  const { fields, ...rest } = object ?? {};
  const nested =
    typeof fields === 'object' && fields !== null && !Array.isArray(fields)
      ? (fields as Record<string, unknown>)
      : undefined;
  const flat = nested ? { ...rest, ...nested } : object;
  const clash = nested && Object.keys(rest).some((key) => key in nested);
  if (
    flat &&
    !clash &&
    Object.keys(flat).length > 0 &&
    Object.keys(flat).length <= 40 &&
    Object.values(flat).every((value) => isScalar(value) && escape(String(value)).length <= PREVIEW_VALUE_MAX)
  ) {
    return fieldsSections(
      Object.entries(flat).map(
        ([field, value]) => `*${escape(field)}*\n${value === null ? '_(cleared)_' : escape(String(value))}`,
      ),
    );
  }
  return [section(codeBlock(JSON.stringify(payload, null, 2), 2900))];
}

/** Whom a new record goes to, in the preview: the person asking is "you". */
function assigneeLine(assignee: Assignee | undefined): AnyBlock | undefined {
  return assignee && section(`*Assigned to:* ${assignee.isRequester ? 'you' : escape(assignee.name ?? assignee.id)}`);
}

/** The preview of a write: exactly what will be sent, for the requester to confirm. */
export function renderConfirm(reply: Extract<Reply, { kind: 'confirm' }>): Message {
  const { plan, entity, assignee } = reply;
  if (!fitsInPreview(plan)) {
    const text =
      'This change is too large to show in full in Slack, so I will not offer to write it from here. Split it into smaller changes, or make it in EspoCRM.';
    return message(text, [section(`:warning: ${text}`)]);
  }
  const noun = entity?.label.toLowerCase() ?? 'record';
  const blocks: (AnyBlock | undefined)[] = [];
  let question: string;
  switch (plan.kind) {
    case 'create':
      question = `Create a new ${noun}?`;
      blocks.push(section(`*${question}*`), assigneeLine(assignee), ...fieldsSections(changeLines(plan)));
      break;
    case 'update':
      question = `Update this ${noun}?`;
      blocks.push(section(`*${question}* \`${escape(plan.id)}\``), ...fieldsSections(changeLines(plan)));
      break;
    case 'delete':
      question = `Delete ${noun} “${plan.name ?? plan.id}”?`;
      blocks.push(
        section(
          `*Delete ${escape(noun)} “${escape(plan.name ?? plan.id)}”?*\nIt goes to EspoCRM's trash; only an admin can bring it back.`,
        ),
      );
      break;
    case 'run':
      question = `Run ${plan.key}?`;
      blocks.push(
        section(`*Run \`${escape(plan.key)}\`* (${escape(plan.name)}) with this input?`),
        targetLine(plan.target),
        assigneeLine(assignee),
        ...payloadBlocks(plan.input),
      );
      break;
    case 'proxy':
      question = `Send ${plan.request.method} ${plan.request.path}?`;
      blocks.push(
        section(`*Send \`${escape(plan.request.method)} ${escape(plan.request.path)}\` to EspoCRM?*`),
        targetLine(plan.target),
        assigneeLine(assignee),
        ...payloadBlocks(plan.request.body),
      );
      break;
    case 'digest_schedule':
      question = `Send a digest ${describeTiming(plan.digest)}?`;
      blocks.push(...digestScheduleLines(plan.digest));
      break;
    case 'digest_cancel':
      question = 'Stop this digest?';
      blocks.push(section(`*Stop this digest?* ${escape(describeDigest(plan.digest))}`));
      break;
    case 'disconnect':
      question = 'Disconnect EspoCRM?';
      blocks.push(
        section(
          '*Disconnect EspoCRM?*\nThe bot stops reaching EspoCRM for everyone it serves here until someone connects again.',
        ),
      );
      break;
    case 'subscribe': {
      const where = plan.subscription.dm ? 'your DMs' : `<#${plan.subscription.channelId}>`;
      question = `Subscribe to ${plan.subscription.description}?`;
      blocks.push(
        section(
          `*Send alerts about ${escape(plan.subscription.description)} to ${where}?*\nThe bot registers the EspoCRM webhooks this needs.`,
        ),
      );
      break;
    }
    case 'unsubscribe':
      question = `Unsubscribe ${plan.id}?`;
      blocks.push(section(`*Stop alerts about ${escape(plan.description)}?* \`${escape(plan.id)}\``));
      break;
  }
  const expires = Math.floor(reply.expiresAt.getTime() / 1000);
  const minutes = Math.max(1, Math.round((reply.expiresAt.getTime() - Date.now()) / 60_000));
  blocks.push(
    context(
      `Nothing is written until you confirm. Only you can confirm; this expires <!date^${expires}^{time}|in ${minutes} minutes>.`,
    ),
    actions(
      'espo_confirm_actions',
      button({
        actionId: ACTION_IDS.confirm,
        text: 'Confirm',
        value: reply.pendingId,
        style: plan.kind === 'delete' || plan.kind === 'disconnect' ? 'danger' : 'primary',
      }),
      button({ actionId: ACTION_IDS.cancel, text: 'Cancel', value: reply.pendingId }),
    ),
  );
  return message(question, blocks);
}

/** What a confirmed write did: the record as it is now, or what was deleted or run. */
export function renderDone(reply: Extract<Reply, { kind: 'done' }>, options: RenderOptions): Message {
  const { plan, entity, record } = reply;
  const noun = entity?.label.toLowerCase() ?? 'record';
  switch (plan.kind) {
    case 'create':
    case 'update':
      if (entity && record) {
        const verb = plan.kind === 'create' ? 'Created' : 'Updated';
        return renderRecord(
          entity,
          record,
          options,
          `:white_check_mark: ${verb} ${escape(noun)} *${recordLink(entity, record, options)}*.`,
        );
      }
      return message('Done', [section(':white_check_mark: Done.')]);
    case 'delete':
      return message(`Deleted ${noun}`, [
        section(`:wastebasket: Deleted ${escape(noun)} *${escape(plan.name ?? plan.id)}*.`),
      ]);
    case 'digest_schedule':
    case 'digest_cancel':
      return message('Done', [section(':white_check_mark: Done.')]);
    case 'disconnect':
      return message('Disconnected EspoCRM', [
        section(':electric_plug: Disconnected EspoCRM. Run `/espo connect` to connect again.'),
      ]);
    case 'subscribe':
    case 'unsubscribe':
      return message('Done', [section(':white_check_mark: Done.')]);
    case 'run':
    case 'proxy': {
      const what =
        plan.kind === 'run'
          ? `\`${escape(plan.key)}\``
          : `\`${escape(plan.request.method)} ${escape(plan.request.path)}\``;
      return message('Done', [
        section(`:white_check_mark: Ran ${what}.`),
        section(codeBlock(JSON.stringify(reply.output ?? null, null, 2), 2900)),
      ]);
    }
  }
}
