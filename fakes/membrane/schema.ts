// The JSON Schema subset Membrane action schemas use here, and the input check Membrane performs before
// running an action (type, enum, required, additionalProperties:false, minimum/maximum, nesting).
// Formats are not checked, as documented for Membrane's run endpoint.

export interface JsonSchema {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: JsonSchema;
  enum?: unknown[];
  format?: string;
  minimum?: number;
  maximum?: number;
  /** DataSchema annotations (SDK dist/dts/data-schema/types.d.ts); the input check ignores them. */
  title?: string;
  default?: unknown;
  maxLength?: number;
  referenceCollection?: { key?: unknown };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function matchesType(value: unknown, type: string): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'object':
      return isPlainObject(value);
    case 'array':
      return Array.isArray(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

/** The first problem with `value`, phrased like ajv (`/maxSize must be <= 200`), or undefined if valid. */
export function validateAgainstSchema(schema: JsonSchema, value: unknown, path = ''): string | undefined {
  const at = path || '(root)';
  const types = schema.type === undefined ? [] : [schema.type].flat();
  if (types.length && !types.some((t) => matchesType(value, t))) return `${at} must be ${types.join(' or ')}`;
  if (schema.enum && !schema.enum.includes(value)) {
    return `${at} must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) return `${at} must be >= ${schema.minimum}`;
    if (schema.maximum !== undefined && value > schema.maximum) return `${at} must be <= ${schema.maximum}`;
  }
  if (Array.isArray(value) && schema.items) {
    for (const [i, item] of value.entries()) {
      const problem = validateAgainstSchema(schema.items, item, `${path}/${i}`);
      if (problem) return problem;
    }
  }
  if (isPlainObject(value)) {
    const missing = (schema.required ?? []).find((key) => value[key] === undefined);
    if (missing) return `${path}/${missing} is required`;
    for (const [key, child] of Object.entries(value)) {
      const property = schema.properties?.[key];
      if (!property) {
        if (schema.additionalProperties === false) return `${at} must not have additional property '${key}'`;
        continue;
      }
      const problem = child === undefined ? undefined : validateAgainstSchema(property, child, `${path}/${key}`);
      if (problem) return problem;
    }
  }
  return undefined;
}
