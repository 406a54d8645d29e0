import type { AssistantThreadStartedMiddleware } from '@slack/bolt';

export const SUGGESTED_PROMPTS = [
  { title: 'My open deals', message: 'Show my open deals closing this month' },
  { title: 'Who is the contact?', message: 'Who is the contact at Acme?' },
  { title: 'Create a task', message: 'Create a task to call Bob tomorrow at 10' },
  { title: 'New leads', message: 'List leads status=New' },
];

/** A new assistant thread: a short greeting and a few things to try. */
export function assistantThreadStarted(): AssistantThreadStartedMiddleware {
  return async ({ say, setSuggestedPrompts, logger }) => {
    try {
      await say(
        'Hi! Ask me about your EspoCRM: deals, leads, contacts, tasks. I show changes to you before anything is written.',
      );
      await setSuggestedPrompts({ title: 'Try one of these', prompts: SUGGESTED_PROMPTS });
    } catch (error) {
      logger.warn(`could not greet a new assistant thread: ${String(error)}`);
    }
  };
}
