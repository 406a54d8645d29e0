import { expect } from 'vitest';

/**
 * Waits for log lines the app writes once some work after an ack is done, instead of sleeping
 * and hoping it was: polls `lines` until `count` of them match (failing at `timeoutMs`), and
 * returns the matching ones.
 */
export async function waitForLogs(
  lines: Record<string, unknown>[],
  match: (line: Record<string, unknown>) => boolean,
  count = 1,
  timeoutMs = 5000,
): Promise<Record<string, unknown>[]> {
  await expect
    .poll(() => lines.filter(match).length, { timeout: timeoutMs, interval: 20 })
    .toBeGreaterThanOrEqual(count);
  return lines.filter(match);
}
