import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

/**
 * The request a piece of work belongs to, carried through every await without being passed
 * around: log lines get its id (the logger's mixin), and so do the calls it makes to Membrane and
 * the model (an `x-request-id` header), so one id follows a Slack event through all three.
 */
interface RequestScope {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestScope>();

export function newRequestId(): string {
  return randomBytes(8).toString('hex');
}

/** Runs `work` (and everything it awaits or schedules) as part of the request `requestId`. */
export function inRequestScope<T>(requestId: string, work: () => T): T {
  return storage.run({ requestId }, work);
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
