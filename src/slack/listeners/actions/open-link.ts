import type { AllMiddlewareArgs, SlackActionMiddlewareArgs } from '@slack/bolt';

/** Link buttons (Open in EspoCRM, Connect) open in the browser, but Slack still sends the click: acknowledge it. */
export function acknowledgeLinkClick() {
  return async ({ ack }: SlackActionMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await ack();
  };
}
