import type { Understanding } from './understand.js';

/** The one line saying how a request was understood: "Opportunities · stage is not Closed Won or Closed Lost · …". */
export function describeUnderstanding(understanding: Understanding, ownerName?: string): string {
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
      : understanding.count
        ? `how many ${entity.plural}`
        : entity.plural;
  return [
    what,
    ...(name ? [`named like “${name}”`] : []),
    ...parts,
    ...(owner ? [owner.kind === 'me' ? 'assigned to you' : `assigned to ${ownerName ?? owner.name}`] : []),
    ...(order ? [orderText[order]] : []),
    ...(limit ? [`top ${limit}`] : []),
    ...(understanding.breakdown ? [`by ${understanding.breakdown.label}`] : []),
  ].join(' · ');
}
