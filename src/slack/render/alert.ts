import type { Alert, AlertMessage, AlertStatus, Subscription } from '../../core/alerts/types.js';
import type { Reply } from '../../core/replies.js';
import { describeRule } from '../../core/alerts/match.js';
import { label } from '../../core/writes/forms.js';
import { recordUrl } from '../../crm/espo/entities.js';
import {
  actions,
  button,
  context,
  fieldsSection,
  header,
  message,
  section,
  type AnyBlock,
  type Message,
} from './blocks.js';
import { escape, link, truncate } from './mrkdwn.js';
import { formatValue, shownFields, titleOf } from './fields.js';

/** Buttons on alert cards and the subscriptions list; the listeners register these ids. */
export const ALERT_ACTION_IDS = {
  markDone: 'espo_alert_done',
  assignToMe: 'espo_alert_assign',
  unsubscribe: 'espo_unsubscribe',
} as const;

const VERBS: Record<Alert['kind'], string> = {
  created: 'New',
  updated: 'Updated',
  deleted: 'Deleted',
  assigned: 'Assigned',
};
const TASK_DONE = new Set(['Completed', 'Canceled']);

function value(alert: Alert, field: string, raw: unknown): string {
  const view = alert.entity.keyFields.find((f) => f.field === field);
  return formatValue(raw, view?.format ?? 'text', alert.record, field);
}

function headline(alert: Alert, siteUrl: string | undefined): string {
  const { entity, record } = alert;
  const name =
    alert.kind === 'deleted'
      ? escape(titleOf(record))
      : link(recordUrl(siteUrl, entity.name, record.id), titleOf(record));
  const verb =
    alert.kind === 'assigned'
      ? `${escape(entity.label)} assigned`
      : `${VERBS[alert.kind]} ${escape(entity.label.toLowerCase())}`;
  return `:bell: *${verb}:* ${name}`;
}

/** The key field's label, else the attribute in words: `assignedUserName` → "Assigned user name". */
function changeLabel(alert: Alert, field: string): string {
  return alert.entity.keyFields.find((f) => f.field === field)?.label ?? label(field);
}

/** "Stage: Prospecting → Closed Won" (or "→ Closed Won" when EspoCRM did not record the old value). */
function changeLine(alert: Alert, change: Alert['changes'][number]): string {
  const after = value(alert, change.field, change.after);
  const before = change.before ? `${value(alert, change.field, change.before.value)} → ` : '→ ';
  return `*${escape(changeLabel(alert, change.field))}:* ${before}${after}`;
}

function alertButtons(alert: Alert, siteUrl: string | undefined): AnyBlock | undefined {
  if (alert.kind === 'deleted') return undefined;
  const { entity, record } = alert;
  const url = recordUrl(siteUrl, entity.name, record.id);
  const ref = JSON.stringify({ e: entity.name, id: record.id });
  const fitsId = record.id.length <= 64;
  return actions(
    'espo_alert_actions',
    url ? button({ actionId: 'espo_open_alert', text: 'Open in EspoCRM', url }) : undefined,
    entity.name === 'Task' && fitsId && !TASK_DONE.has(String(record.fields.status))
      ? button({ actionId: ALERT_ACTION_IDS.markDone, text: 'Mark done', value: ref })
      : undefined,
    entity.name === 'Lead' && fitsId
      ? button({ actionId: ALERT_ACTION_IDS.assignToMe, text: 'Assign to me', value: ref })
      : undefined,
  );
}

function footer(alert: Alert, subscription: Subscription): string {
  const parts = [
    alert.actor ? `by ${escape(alert.actor)}` : undefined,
    alert.source === 'polling' ? 'found by polling' : undefined,
    `subscription \`${escape(subscription.id)}\`: ${escape(describeRule(subscription))}`,
  ];
  return parts.filter(Boolean).join(' · ');
}

/** One alert as a card: what happened, the changes, the record's key fields, who did it, buttons. */
export function renderAlert(alert: Alert, subscription: Subscription, siteUrl?: string): Message {
  const changed = new Set(alert.changes.map((c) => c.field));
  const views =
    alert.kind === 'deleted'
      ? []
      : shownFields(alert.entity, alert.record, 6).filter((view) => !changed.has(view.field));
  const blocks: (AnyBlock | undefined)[] = [
    section(headline(alert, siteUrl)),
    alert.changes.length
      ? section(
          alert.changes
            .slice(0, 10)
            .map((change) => changeLine(alert, change))
            .join('\n'),
        )
      : undefined,
    views.length
      ? fieldsSection(
          views.map(
            (view) =>
              `*${escape(view.label)}*\n${formatValue(alert.record.fields[view.field], view.format, alert.record, view.field)}`,
          ),
        )
      : undefined,
    context(footer(alert, subscription)),
    alertButtons(alert, siteUrl),
  ];
  const change = alert.changes[0];
  const fallback = `${VERBS[alert.kind]} ${alert.entity.label.toLowerCase()}: ${titleOf(alert.record)}${change ? ` (${changeLabel(alert, change.field)}: ${change.before ? `${String(change.before.value ?? '')} → ` : '→ '}${String(change.after ?? '')})` : ''}`;
  return message(fallback, blocks);
}

/** A burst for one subscription: one message listing the records, each linked. */
export function renderSummary(alerts: Alert[], subscription: Subscription, siteUrl?: string): Message {
  const first = alerts[0]!;
  const noun = alerts.length === 1 ? first.entity.label.toLowerCase() : first.entity.plural.toLowerCase();
  const title = `:bell: *${alerts.length} ${escape(noun)}* ${first.kind === 'created' ? 'created' : first.kind === 'deleted' ? 'deleted' : first.kind === 'assigned' ? 'assigned' : 'updated'}`;
  const shown = alerts.slice(0, 20).map((alert) => {
    const name =
      alert.kind === 'deleted'
        ? escape(titleOf(alert.record))
        : link(recordUrl(siteUrl, alert.entity.name, alert.record.id), titleOf(alert.record));
    const change = alert.changes[0];
    return `• ${name}${change ? ` — ${changeLine(alert, change)}` : ''}${alert.actor ? ` _(${escape(alert.actor)})_` : ''}`;
  });
  const more = alerts.length > shown.length ? `\n…and ${alerts.length - shown.length} more.` : '';
  return message(`${alerts.length} ${noun} alerts`, [
    section(title),
    section(truncate(shown.join('\n'), 2900) + more),
    context(`subscription \`${escape(subscription.id)}\`: ${escape(describeRule(subscription))}`),
  ]);
}

export function renderAlertMessage(alert: AlertMessage, siteUrl?: string): Message {
  return alert.kind === 'alert'
    ? renderAlert(alert.alert, alert.subscription, siteUrl)
    : renderSummary(alert.alerts, alert.subscription, siteUrl);
}

/** How a tenant's alerts arrive, for `/espo status` and the subscriptions list. */
export function alertsLine(status: AlertStatus): string {
  const count = `${status.subscriptions} alert subscription${status.subscriptions === 1 ? '' : 's'}`;
  return status.mode === 'webhook'
    ? `:satellite_antenna: Alerts: webhooks (EspoCRM sends changes as they happen), ${count}.`
    : `:hourglass: Alerts: polling every ${status.pollSeconds} s (${escape(status.reason ?? 'webhooks unavailable')}), ${count}. Polling sees creates and updates, not deletions.`;
}

/** "Subscribed (id): alerts about … go to #channel." and how they arrive. */
export function renderSubscribed(reply: Extract<Reply, { kind: 'subscribed' }>): Message {
  const where = reply.channelId ? `<#${escape(reply.channelId)}>` : 'your DMs';
  const { delivery } = reply;
  const how =
    delivery.mode === 'webhook'
      ? 'EspoCRM sends them as they happen (webhooks).'
      : `EspoCRM cannot send them to the bot (${escape(delivery.reason ?? 'webhooks unavailable')}), so the bot checks every ${delivery.pollSeconds} s (polling).${delivery.deletions ? ' Polling cannot see deletions.' : ''}`;
  const text = `Subscribed (${escape(reply.id)}): alerts about ${escape(reply.description)} go to ${where}. ${how} Remove it with \`/espo unsubscribe ${escape(reply.id)}\`.`;
  return message(`Subscribed (${reply.id}): alerts about ${reply.description}`, [
    section(`:white_check_mark: ${text}`),
  ]);
}

export function renderSubscriptions(reply: Extract<Reply, { kind: 'subscriptions' }>): Message {
  if (!reply.items.length) {
    return message('No alert subscriptions here', [
      section(
        'No alert subscriptions in this channel yet. Try `/espo subscribe opportunity stage="Closed Won"` or `/espo subscribe task assigned to=me`.',
      ),
    ]);
  }
  const blocks: (AnyBlock | undefined)[] = [header('Alert subscriptions')];
  for (const item of reply.items.slice(0, 40)) {
    const where = item.dm ? 'to your DMs' : 'to this channel';
    blocks.push(
      section(
        `\`${escape(item.id)}\` ${escape(item.description)} ${where} · by <@${escape(item.createdBy)}>`,
        button({ actionId: ALERT_ACTION_IDS.unsubscribe, text: 'Unsubscribe', value: item.id }),
      ),
    );
  }
  if (reply.status) blocks.push(context(alertsLine(reply.status)));
  return message(`${reply.items.length} alert subscriptions`, blocks);
}
