import { AppError } from './errors.js';
import type { RequestContext, Tenant } from './ports.js';
import { commandText } from './text.js';

/**
 * Whose EspoCRM connection a request uses, and who manages it. In workspace scope the whole Slack
 * workspace shares one connection, a Slack admin's or owner's to manage; in user scope each
 * person has their own.
 */
export class Tenancy {
  constructor(readonly scope: 'workspace' | 'user') {}

  tenantFor(context: RequestContext): Tenant {
    const key = this.scope === 'user' ? `${context.teamId}:${context.userId}` : context.teamId;
    return { key, teamId: context.teamId, userId: context.userId };
  }

  /** Whether the person manages the connection: their own, or a shared one as a workspace admin or owner. */
  managesConnection(context: RequestContext): boolean {
    return this.scope !== 'workspace' || Boolean(context.isWorkspaceAdmin);
  }

  /**
   * Whoever opens Membrane's connect link chooses the EspoCRM instance and login behind it. When
   * the whole workspace shares that connection, only a workspace admin or owner gets the link.
   */
  guardConnectLink(context: RequestContext, error: unknown): unknown {
    if (!(error instanceof AppError) || error.code !== 'connection_required' || !error.details.connectUrl) return error;
    if (this.managesConnection(context)) return error;
    return new AppError('connection_required', ASK_AN_ADMIN, { cause: error });
  }

  /** A connection the whole workspace shares is a Slack workspace admin's or owner's to manage. */
  requireConnectionOwner(context: RequestContext, what: string): void {
    if (!this.managesConnection(context)) {
      throw new AppError(
        'forbidden',
        `The EspoCRM connection is shared by the whole workspace, so only a Slack workspace admin or owner can ${what}.`,
      );
    }
  }
}

export const ASK_AN_ADMIN = `EspoCRM is not connected for this workspace yet. Ask a Slack workspace admin to run ${commandText('connect')}; the connection they set up is shared by everyone here.`;
