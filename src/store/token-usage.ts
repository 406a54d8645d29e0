import type { TokenUsage } from '../core/ports.js';

/** The model's token usage as a JSON column (confirmations and the audit log keep it). */
export function usageToJson(usage: TokenUsage | undefined): string | null {
  return usage ? JSON.stringify(usage) : null;
}

/** Spread into a result: `{ usage }` when stored, nothing (not even the key) when null. */
export function usageFromJson(json: string | null): { usage?: TokenUsage } {
  return json ? { usage: JSON.parse(json) as TokenUsage } : {};
}
