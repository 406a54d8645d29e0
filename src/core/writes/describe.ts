import type { WritePlan } from '../ports.js';

/** A write in a few words, as the audit log and the conversation's memory name it. */
export function describePlan(plan: WritePlan): string {
  switch (plan.kind) {
    case 'create':
      return `create ${plan.entity}`;
    case 'update':
      return `update ${plan.entity} ${plan.id}`;
    case 'delete':
      return `delete ${plan.entity} ${plan.id}`;
    case 'run':
      return `run ${plan.key}`;
    case 'proxy':
      return `${plan.request.method} ${plan.request.path}`;
    case 'digest_schedule':
      return `digest ${plan.digest.personal ? 'personal' : plan.digest.channelId} ${plan.digest.days} ${plan.digest.time} ${plan.digest.timeZone}`;
    case 'digest_cancel':
      return `digest stop ${plan.id}`;
    case 'disconnect':
      return 'disconnect';
    case 'subscribe':
      return `subscribe ${plan.subscription.dm ? 'DM' : plan.subscription.channelId} to ${plan.subscription.description}`;
    case 'unsubscribe':
      return `unsubscribe ${plan.id}`;
  }
}
