import type { Harness } from './harness.js';

/**
 * Submits a modal as Slack does (`view_submission`, signed): the view as the bot opened it, with
 * `state.values` for the inputs. Returns the HTTP ack, whose JSON body carries any
 * `response_action` (field errors, an updated view); an empty body closes the modal.
 */
export async function submitView(
  h: Harness,
  view: Record<string, unknown>,
  values: Record<string, Record<string, unknown>>,
  who: { user?: string; team?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
  const team = who.team ?? 'T1';
  const payload = {
    type: 'view_submission',
    team: { id: team, domain: 'test' },
    user: { id: who.user ?? 'U1', username: 'alice', team_id: team },
    api_app_id: 'A1',
    token: 'legacy',
    trigger_id: 'trigger-submit',
    view: { ...view, id: (view.id as string | undefined) ?? 'V1', type: 'modal', hash: 'h', state: { values } },
  };
  const ack = await h.post({ payload: JSON.stringify(payload) });
  return { status: ack.status, body: ack.body ? (JSON.parse(ack.body) as Record<string, unknown>) : undefined };
}
