import type { ConnectionStatus } from '../../core/ports.js';

/** A connection as Membrane returns it (the SDK's ConnectionApiResponse, the fields read here). */
export interface MembraneConnection {
  id: string;
  name?: string;
  state?: string;
  disconnected?: boolean;
  isDefunct?: boolean;
  clientAction?: { type?: string; description?: string; uiUrl?: string; agentInstructions?: string };
  error?: { message?: string };
  errors?: { message?: string }[];
}

/**
 * A connection as the person must hear it. Only CONFIGURATION_ERROR and SETUP_FAILED are failures
 * (start over); a defunct or disconnected connection needs reconnecting, and DISCONNECTING is one
 * on its way out (the SDK's WorkspaceElementState and ConnectionApiResponse in @membranehq/sdk).
 */
export function describeConnection(connection: MembraneConnection): ConnectionStatus {
  if (connection.disconnected || connection.isDefunct) {
    return {
      state: 'action_required',
      connectionId: connection.id,
      url: connection.clientAction?.uiUrl,
      description: 'The connection was disconnected; reconnect it.',
    };
  }
  switch (connection.state) {
    case 'READY':
      return { state: 'ready', connectionId: connection.id, name: connection.name };
    case 'BUILDING':
      return { state: 'building', connectionId: connection.id };
    case 'DISCONNECTING':
      return {
        state: 'action_required',
        connectionId: connection.id,
        description: 'The connection is being disconnected; connect again in a minute.',
      };
    case 'CLIENT_ACTION_REQUIRED': {
      const action = connection.clientAction;
      // `provide-input` may come without a page to open: then its instructions are all there is to go on.
      const description = [action?.description, action?.uiUrl ? undefined : action?.agentInstructions]
        .filter(Boolean)
        .join(' ');
      return {
        state: 'action_required',
        connectionId: connection.id,
        url: action?.uiUrl,
        description: description || 'Open the link to connect your EspoCRM.',
      };
    }
    default: {
      const message =
        connection.error?.message ??
        connection.errors?.[0]?.message ??
        `Membrane reports the connection as ${connection.state ?? 'unknown'}.`;
      return { state: 'failed', connectionId: connection.id, message };
    }
  }
}
