import { AppError } from '../../core/errors.js';
import type { Transient } from '../../core/retry.js';
import { isObject } from '../action-io.js';
import { commandText } from '../../core/text.js';

/**
 * Turns whatever the Membrane SDK throws into an AppError a salesperson can act on.
 * The SDK throws typed MembraneErrors (`isMembraneError`, `data.type`, `data.key`) when Membrane's
 * body says what went wrong, and the raw axios error otherwise (the proxy passes EspoCRM's status,
 * `X-Status-Reason` header and body through; timeouts and refused connections have no response).
 */
export interface FailureContext {
  /** What was being done, for messages: "find that lead", "create the task". */
  what: string;
  /** Label of the entity involved, lowercase, if any. */
  entity?: string;
  /** Writes whose outcome is unknown must say so, never "try again". */
  isWrite: boolean;
}

interface HttpFailure {
  status: number;
  reason?: string;
  body: unknown;
  retryAfter?: string;
}

function header(headers: unknown, name: string): string | undefined {
  if (!isObject(headers)) return undefined;
  const getter = (headers as { get?: (n: string) => unknown }).get;
  const value =
    typeof getter === 'function' ? getter.call(headers, name) : (headers[name] ?? headers[name.toLowerCase()]);
  return typeof value === 'string' ? value : undefined;
}

/** The EspoCRM HTTP answer behind an error, whether it came raw (proxy) or wrapped (action run). */
function httpFailure(error: unknown): HttpFailure | undefined {
  if (!isObject(error)) return undefined;
  const response = error.response;
  if (isObject(response) && typeof response.status === 'number') {
    const body = response.data;
    // A Membrane envelope that wraps EspoCRM's own answer (action_run) is unwrapped below.
    if (!(isObject(body) && typeof body.type === 'string')) {
      return {
        status: response.status,
        reason: header(response.headers, 'x-status-reason'),
        body,
        retryAfter: header(response.headers, 'retry-after'),
      };
    }
  }
  const wrapped = isObject(error.data) && isObject(error.data.data) ? error.data.data.response : undefined;
  if (isObject(wrapped) && typeof wrapped.status === 'number') {
    return { status: wrapped.status, reason: header(wrapped.headers, 'x-status-reason'), body: wrapped.data };
  }
  return undefined;
}

/**
 * Membrane says the connection itself is unusable (defunct, or not there any more), so the cached
 * id must go. Its other connection errors (rate limits, an expired token Membrane will refresh) are
 * passing: re-ensuring on them would repeat work for nothing.
 */
export function isConnectionGone(error: unknown): boolean {
  if (!isObject(error) || error.isMembraneError !== true || !isObject(error.data)) return false;
  const { type, key } = error.data;
  if (type === 'connection') return key !== 'rate_limit_exceeded' && key !== 'access_token_expired';
  return refusedBeforeStart(error);
}

/**
 * Membrane refused before anything ran: the connection the call named does not exist (archived,
 * or never was). Its connection errors (defunct, expired token, rate limit) come from the
 * connector's handling of the app's answers, so a request may have gone out before them.
 */
export function refusedBeforeStart(error: unknown): boolean {
  if (!isObject(error) || error.isMembraneError !== true || !isObject(error.data)) return false;
  const { type, key, message } = error.data;
  return type === 'bad_request' && key === 'not_found' && /connection/i.test(String(message ?? ''));
}

/**
 * EspoCRM's refusal of a page larger than its recordListMaxSizeLimit: 403 "Max size should not
 * exceed N. Use offset and limit." (Core/Record/SearchParamsFetcher::handleMaxSize), through the
 * proxy or wrapped in an action run. N, or undefined for any other error.
 */
export function maxSizeRefused(error: unknown): number | undefined {
  const http = httpFailure(error);
  const limit = http?.status === 403 ? /Max size should not exceed (\d+)/.exec(http.reason ?? '')?.[1] : undefined;
  return limit === undefined ? undefined : Number(limit);
}

/** Transport failures that say nothing about the request except that it did not complete. */
const PASSING_TRANSPORT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. */
function retryAfterMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * Whether a failed call may succeed if simply made again: a 5xx, a 429 (after its Retry-After),
 * Membrane's own rate limit, internal or concurrency errors, a timeout or a dropped connection.
 * Used for reads only; nothing here says a write did not happen.
 */
export function transientFailure(error: unknown): Transient | undefined {
  if (error instanceof AppError || !isObject(error)) return undefined;
  const http = httpFailure(error);
  if (http) {
    if (http.status === 429) return { reason: 'rate_limited', afterMs: retryAfterMs(http.retryAfter) };
    return http.status >= 500 ? { reason: `http_${http.status}` } : undefined;
  }
  if (error.isMembraneError === true && isObject(error.data)) {
    const { type, key } = error.data;
    const afterMs = isObject(error.response) ? retryAfterMs(header(error.response.headers, 'retry-after')) : undefined;
    if (key === 'rate_limit_exceeded') return { reason: 'rate_limited', afterMs };
    return type === 'internal' || type === 'concurrency' ? { reason: `membrane_${String(type)}` } : undefined;
  }
  const code = typeof error.code === 'string' ? error.code : '';
  if (PASSING_TRANSPORT_CODES.has(code)) return { reason: code };
  return /socket hang up|timeout/i.test(String(error.message ?? '')) ? { reason: 'transport' } : undefined;
}

export function toCrmError(error: unknown, context: FailureContext): AppError {
  if (error instanceof AppError) return error;
  const http = httpFailure(error);
  if (http) return fromHttp(http, error, context);
  if (isObject(error) && error.isMembraneError === true && isObject(error.data))
    return fromMembrane(error.data, error, context);
  return fromTransport(error, context);
}

function fromHttp(http: HttpFailure, cause: unknown, context: FailureContext): AppError {
  const thing = context.entity ? `that ${context.entity}` : 'that record';
  switch (http.status) {
    case 400:
      return validationError(http, cause);
    case 401:
      return new AppError(
        'connection_required',
        `EspoCRM no longer accepts this connection's credentials. Run ${commandText('connect')} to reconnect.`,
        { cause },
      );
    case 403:
      return new AppError(
        'forbidden',
        http.reason && http.reason.length < 200 && !/^[a-z]+$/i.test(http.reason)
          ? `EspoCRM refused: ${http.reason}`
          : `Your EspoCRM role does not allow you to ${context.what}. Ask your EspoCRM admin if you need access.`,
        { cause },
      );
    case 404:
      return new AppError(
        'not_found',
        `I could not find ${thing} in EspoCRM. Check the id, or search with ${commandText('find')}.`,
        { cause },
      );
    case 409: {
      if (http.reason === 'duplicate' || Array.isArray(http.body)) {
        const duplicates = (Array.isArray(http.body) ? http.body : [])
          .filter(isObject)
          .slice(0, 5)
          .map((record) => ({
            id: String(record.id ?? ''),
            name: typeof record.name === 'string' ? record.name : undefined,
          }));
        return new AppError(
          'duplicate',
          `EspoCRM already has ${withArticle(context.entity ?? 'record')} like this, so nothing was created.`,
          {
            cause,
            details: { duplicates },
          },
        );
      }
      return new AppError(
        'forbidden',
        'EspoCRM says the record is locked or changed meanwhile. Open it in EspoCRM and try again.',
        { cause },
      );
    }
    case 429:
      return new AppError(
        'rate_limited',
        `EspoCRM is busy right now${http.retryAfter ? ` (try again in ${http.retryAfter}s)` : ''}. Please try again shortly.`,
        { cause },
      );
    default:
      if (http.status >= 500) {
        return context.isWrite
          ? new AppError(
              'outcome_unknown',
              'EspoCRM ran into a problem while writing, so I cannot tell whether the change went through. Please check in EspoCRM.',
              { cause },
            )
          : new AppError('crm_unavailable', 'EspoCRM is having trouble right now. Please try again in a minute.', {
              cause,
            });
      }
      return new AppError('crm_unavailable', `EspoCRM answered with an unexpected error (${http.status}).`, { cause });
  }
}

const withArticle = (noun: string) => `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;

function validationError(http: HttpFailure, cause: unknown): AppError {
  const translation =
    isObject(http.body) && isObject(http.body.messageTranslation) ? http.body.messageTranslation : undefined;
  const data = translation && isObject(translation.data) ? translation.data : undefined;
  if (data && typeof data.field === 'string') {
    const problem =
      data.type === 'required'
        ? 'is required'
        : data.type === 'valid'
          ? 'has a value EspoCRM does not accept'
          : `failed the "${String(data.type)}" check`;
    return new AppError('validation', `EspoCRM could not save this: \`${data.field}\` ${problem}.`, {
      cause,
      details: { fields: [{ field: data.field, problem }] },
    });
  }
  const reason = http.reason && http.reason !== 'validationFailure' ? `: ${http.reason}` : '';
  return new AppError('validation', `EspoCRM did not accept the request${reason}. Check the field names and values.`, {
    cause,
  });
}

function fromMembrane(data: Record<string, unknown>, cause: unknown, context: FailureContext): AppError {
  const message = typeof data.message === 'string' ? data.message : '';
  if (data.key === 'rate_limit_exceeded') {
    return new AppError(
      'rate_limited',
      'EspoCRM (through Membrane) is getting too many requests right now. Please try again in a minute.',
      { cause },
    );
  }
  switch (data.type) {
    case 'connection':
      return new AppError(
        'connection_required',
        `The EspoCRM connection needs attention. Run ${commandText('connect')} to check it.`,
        { cause },
      );
    case 'bad_request':
      if (data.key === 'not_found')
        return new AppError('not_found', `Membrane could not find what was needed to ${context.what}.`, { cause });
      if (data.key === 'not_authenticated' || data.key === 'access_denied') {
        return new AppError(
          'crm_unavailable',
          "The bot's Membrane credentials were rejected. An admin needs to check MEMBRANE_* settings.",
          { cause },
        );
      }
      return new AppError('validation', `Membrane did not accept the input${message ? `: ${message}` : '.'}`, {
        cause,
      });
    case 'concurrency':
    case 'insufficient_credit':
      return new AppError(
        'rate_limited',
        'The CRM connection is busy or out of quota right now. Please try again later.',
        { cause },
      );
    case 'configuration':
      return new AppError(
        'connection_failed',
        `The EspoCRM connection is misconfigured${message ? `: ${message}` : '.'}`,
        { cause },
      );
    default:
      return context.isWrite
        ? new AppError(
            'outcome_unknown',
            `Something failed while trying to ${context.what}, and I cannot tell whether it went through. Please check in EspoCRM.`,
            { cause },
          )
        : new AppError('crm_unavailable', `I could not ${context.what}${message ? `: ${message}` : '.'}`, { cause });
  }
}

function fromTransport(error: unknown, context: FailureContext): AppError {
  const code = isObject(error) && typeof error.code === 'string' ? error.code : '';
  const neverSent = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
  if (neverSent) {
    return new AppError('crm_unavailable', 'I cannot reach the CRM service right now. Please try again in a minute.', {
      cause: error,
    });
  }
  if (context.isWrite) {
    return new AppError(
      'outcome_unknown',
      `The CRM did not answer while I tried to ${context.what}, so I cannot tell whether it went through. Please check in EspoCRM before trying again.`,
      {
        cause: error,
      },
    );
  }
  const timedOut =
    code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout/i.test(String((error as Error)?.message ?? ''));
  return new AppError(
    timedOut ? 'timeout' : 'crm_unavailable',
    'EspoCRM took too long to answer. Please try again in a moment.',
    { cause: error },
  );
}

/** The HTTP status of the answer an error carries (an axios `response`), if any. */
export function httpStatus(error: unknown): number | undefined {
  const response = (error as { response?: { status?: unknown } } | undefined)?.response;
  return typeof response?.status === 'number' ? response.status : undefined;
}
