import type { ListenerDeps } from '../../edge.js';
import { jsonButtonListener, shareTargetSchema } from './payload.js';

/**
 * "Share in channel": reads are private until the person chooses to share. The read runs again
 * (so the channel sees current data, with the clicker's access) and is posted for everyone.
 */
export function shareInChannel(deps: ListenerDeps) {
  return jsonButtonListener(deps, {
    kind: 'share',
    schema: shareTargetSchema,
    invalid: 'That share button is no longer valid. Please run the command again.',
    detail: (target) => target.t,
    work: (context, target) => {
      switch (target.t) {
        case 'list':
          return deps.service.list(context, target.q);
        case 'record':
          return deps.service.show(context, target.e, target.id);
        case 'report':
          return deps.service.report(context, target.q, target.title);
      }
    },
    delivery: (context, client) => ({
      client,
      responseType: 'in_channel',
      replaceOriginal: false,
      render: { sharedBy: context.userId },
    }),
  });
}
