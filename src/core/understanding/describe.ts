import type { Understanding } from './understand.js';

/**
 * The one line saying how a request was understood: "Opportunities · stage is not Closed Won or
 * Closed Lost · …". As a report's heading (`heading`), what it counts: "Leads · created this week ·
 * by source", without "how many", and with the breakdown the report chose when the words named none.
 */
export function describeUnderstanding(
  understanding: Understanding,
  ownerName?: string,
  heading?: { breakdown?: string },
): string {
  const { entity, parts, owner, order, limit, name } = understanding;
  const orderText = {
    amountDesc: 'biggest first',
    amountAsc: 'smallest first',
    newest: 'newest first',
    oldest: 'oldest first',
    soonest: `soonest ${entity.naturalDate.label} first`,
  };
  const what =
    understanding.sum && entity.amount
      ? `total ${entity.amount.label} of ${entity.plural}`
      : understanding.count && !heading
        ? `how many ${entity.plural}`
        : entity.plural;
  const breakdown = understanding.breakdown?.label ?? heading?.breakdown;
  return [
    what,
    ...(name ? [`named like “${name}”`] : []),
    ...parts,
    ...(owner ? [owner.kind === 'me' ? 'assigned to you' : `assigned to ${ownerName ?? owner.name}`] : []),
    ...(order ? [orderText[order]] : []),
    ...(limit ? [`top ${limit}`] : []),
    ...(breakdown ? [`by ${breakdown}`] : []),
  ]
    .join(' · ')
    .replace(/^./, (first) => (heading ? first.toUpperCase() : first));
}
