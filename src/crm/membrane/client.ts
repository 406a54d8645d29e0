import { MembraneClient } from '@membranehq/sdk';
import { currentDeadline, currentRequestId } from '../../observability/request-scope.js';

export type MembraneCredentials =
  { kind: 'workspace'; workspaceKey: string; workspaceSecret: string } | { kind: 'token'; token: string };

type MembraneClientOptions = ConstructorParameters<typeof MembraneClient>[0];
/** The axios options the SDK's generic calls take for one request. */
type RequestOptions = NonNullable<Parameters<MembraneClient['post']>[2]>;

/**
 * An SDK client whose every request carries this bot's axios options. The SDK sends all requests
 * through one axios instance shared by every client in the process, but each of its accessors
 * (connections, actions, the proxy) goes through the client's get/post/put/patch/delete, which
 * take axios options per request: overriding those five is the per-client seam, so the shared
 * instance's defaults and interceptors are left alone.
 */
class ConfiguredMembraneClient extends MembraneClient {
  constructor(
    options: MembraneClientOptions,
    private readonly timeoutMs: number,
  ) {
    super(options);
  }

  override get<T = unknown>(uri: string, queryParams?: Record<string, unknown>, options?: RequestOptions): Promise<T> {
    return super.get(uri, queryParams, this.requestOptions(options));
  }

  override post<T = unknown>(uri: string, data?: unknown, options?: RequestOptions): Promise<T> {
    return super.post(uri, data, this.requestOptions(options));
  }

  override put<T = unknown>(uri: string, data?: unknown, options?: RequestOptions): Promise<T> {
    return super.put(uri, data, this.requestOptions(options));
  }

  override patch<T = unknown>(uri: string, data?: unknown, options?: RequestOptions): Promise<T> {
    return super.patch(uri, data, this.requestOptions(options));
  }

  override delete<T = unknown>(uri: string, data?: unknown, options?: RequestOptions): Promise<T> {
    return super.delete(uri, data, this.requestOptions(options));
  }

  /**
   * The request id (Membrane's logs can be matched with ours) and a timeout that ends with the
   * call's deadline, retries included. Membrane's API does not redirect, so the redirect wrapper
   * is skipped: that saves work on every call.
   */
  private requestOptions(options: RequestOptions = {}): RequestOptions {
    const requestId = currentRequestId();
    const deadline = currentDeadline();
    const timeout = options.timeout || this.timeoutMs;
    return {
      ...options,
      timeout: deadline === undefined ? timeout : Math.max(1, Math.min(timeout, deadline - Date.now())),
      maxRedirects: 0,
      ...(requestId ? { headers: { ...options.headers, 'x-request-id': requestId } } : {}),
    };
  }
}

/**
 * An SDK client acting for one tenant (a Membrane customer); a fixed token is one customer whatever
 * the tenant. Each request ends after `timeoutMs`, or sooner when the call's deadline comes first.
 */
export function membraneClient(
  credentials: MembraneCredentials,
  apiUri: string,
  tenantKey: string,
  timeoutMs: number,
): MembraneClient {
  return new ConfiguredMembraneClient(
    credentials.kind === 'token'
      ? { token: credentials.token, apiUri }
      : {
          workspaceKey: credentials.workspaceKey,
          workspaceSecret: credentials.workspaceSecret,
          tenantKey,
          apiUri,
        },
    timeoutMs,
  );
}
