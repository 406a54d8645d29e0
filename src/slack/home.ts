import type { webApi } from '@slack/bolt';
import { toAppError, type AppError } from '../core/errors.js';
import type { ListenerDeps } from './edge.js';
import { renderHome, renderHomeError, type HomeView } from './render/home.js';

/**
 * Reads, renders and publishes a person's App Home tab (on opening it, and again after its Connect
 * button). Every failure ends in one log line, and the tab still shows something.
 */
export async function publishHome(
  deps: ListenerDeps,
  client: webApi.WebClient,
  teamId: string,
  userId: string,
): Promise<void> {
  const started = performance.now();
  let view: HomeView;
  let problem: AppError | undefined;
  let outcome: string;
  try {
    const profile = await deps.profiles.of(client, teamId, userId);
    const data = await deps.home.load({ teamId, userId, ...profile });
    view = renderHome(data, { siteUrl: await deps.sites.urlOf(deps.service.tenantFor({ teamId, userId }).key) });
    problem =
      data.connection.state === 'unknown'
        ? data.connection.error
        : data.work.kind === 'error'
          ? data.work.error
          : undefined;
    outcome = data.work.kind === 'not_connected' ? `connection_${data.connection.state}` : data.work.kind;
  } catch (error) {
    problem = toAppError(error);
    outcome = 'error';
    view = renderHomeError(problem.userMessage);
  }
  const line = {
    kind: 'home',
    team: teamId,
    user: userId,
    outcome,
    code: problem?.code,
    ms: Math.round(performance.now() - started),
  };
  try {
    await client.views.publish({ user_id: userId, view });
  } catch (error) {
    deps.logger.error({ err: error, ...line }, 'could not publish the Home tab');
    return;
  }
  if (!problem) deps.logger.info(line, 'home published');
  else if (problem.code === 'internal')
    deps.logger.error({ err: problem.cause ?? problem, ...line }, problem.userMessage);
  else deps.logger.warn({ err: problem.cause ?? problem, ...line }, problem.userMessage);
}
