import type { AllMiddlewareArgs, SlackEventMiddlewareArgs, webApi } from '@slack/bolt';
import { toAppError, type AppError } from '../../../core/errors.js';
import type { ListenerDeps } from '../../edge.js';
import { renderHome, renderHomeError, type HomeView } from '../../render/home.js';

/**
 * The App Home tab opened: publish the person's Home view (connection, their tasks and meetings,
 * quick buttons). Slack sends this event on every visit, so it only reads: never a connect.
 */
export function appHomeOpened(deps: ListenerDeps) {
  return async ({ event, body, client, context }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs): Promise<void> => {
    // The Messages and About tabs send this event too.
    if (event.tab !== 'home') return;
    const teamId = context.teamId ?? body.team_id;
    // Bolt has acked the event; let other acks go first, then queue the work like any request's.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await deps.limiter.run(() => publishHome(deps, client, teamId, event.user));
  };
}

/** Reads, renders and publishes; every failure ends in one log line, and the tab still shows something. */
async function publishHome(deps: ListenerDeps, client: webApi.WebClient, teamId: string, userId: string): Promise<void> {
  const started = performance.now();
  let view: HomeView;
  let problem: AppError | undefined;
  let outcome: string;
  try {
    const profile = await deps.profiles.of(client, teamId, userId);
    const data = await deps.home.load({ teamId, userId, ...profile });
    view = renderHome(data, { siteUrl: deps.siteUrl });
    problem = data.connection.state === 'unknown' ? data.connection.error : data.work.kind === 'error' ? data.work.error : undefined;
    outcome = data.work.kind === 'not_connected' ? `connection_${data.connection.state}` : data.work.kind;
  } catch (error) {
    problem = toAppError(error);
    outcome = 'error';
    view = renderHomeError(problem.userMessage);
  }
  const line = { kind: 'home', team: teamId, user: userId, outcome, code: problem?.code, ms: Math.round(performance.now() - started) };
  try {
    await client.views.publish({ user_id: userId, view });
  } catch (error) {
    deps.logger.error({ err: error, ...line }, 'could not publish the Home tab');
    return;
  }
  if (!problem) deps.logger.info(line, 'home published');
  else if (problem.code === 'internal') deps.logger.error({ err: problem.cause ?? problem, ...line }, problem.userMessage);
  else deps.logger.warn({ err: problem.cause ?? problem, ...line }, problem.userMessage);
}
