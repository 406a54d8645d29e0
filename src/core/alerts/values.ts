import { createHash } from 'node:crypto';

/** A short, fixed-size key for a text (alert keys, payload digests, overlong record ids). */
export function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/** JSON with keys sorted, so the same item always gives the same key. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** A text that says something, or undefined (empty, blank, or not text). */
export function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value : undefined;
}
