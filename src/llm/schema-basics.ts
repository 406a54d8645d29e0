/** The plain pieces every part of the tool-schema conversion shares. */
export type JsonSchema = Record<string, unknown>;

/** String formats strict mode supports (Structured Outputs, "Supported properties"). */
export const STRICT_FORMATS = new Set([
  'date-time',
  'time',
  'date',
  'duration',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'uuid',
]);

export const NUMBER_KEYWORDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'] as const;

export type Scalar = string | number | boolean | null;

export const isSchema = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const isScalar = (value: unknown): value is Scalar =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value);

export const strings = (value: unknown): string[] =>
  Array.isArray(value) ? [...new Set(value.filter((item): item is string => typeof item === 'string'))] : [];

/** A value of no declared type, in terms every model can produce: a scalar or a list of scalars. */
export const anyScalar = (): JsonSchema => ({ anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] });

export const anyValue = (): JsonSchema => ({
  anyOf: [...(anyScalar().anyOf as JsonSchema[]), { type: 'array', items: anyScalar() }],
});

export function matchesType(value: unknown, type: string): boolean {
  if (type === 'integer') return Number.isInteger(value);
  if (type === 'number') return typeof value === 'number' && Number.isFinite(value);
  return typeof value === type;
}

export function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}
