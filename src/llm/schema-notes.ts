import { compiles, isScalar, isSchema, STRICT_FORMATS, type JsonSchema } from './schema-basics.js';

/**
 * Keywords OpenAI's subset lacks that still tell the model something (a default, a length limit, a
 * format such as uri) become words in the schema's description.
 */

const MAX_DESCRIPTION = 300;

/** Keywords OpenAI does not take that still tell the model something, in a few words. */
export function constraintNotes(node: JsonSchema): string[] {
  const notes: string[] = [];
  const short = (value: unknown) => JSON.stringify(value).slice(0, 60);
  if (isScalar(node.default) && node.default !== '') notes.push(`default ${short(node.default)}`);
  const min = node.minLength;
  const max = node.maxLength;
  if (typeof max === 'number')
    notes.push(typeof min === 'number' && min > 0 ? `${min}-${max} chars` : `max ${max} chars`);
  else if (typeof min === 'number' && min > 0) notes.push(`min ${min} chars`);
  if (typeof node.format === 'string' && !STRICT_FORMATS.has(node.format)) notes.push(`format ${node.format}`);
  if (typeof node.pattern === 'string' && !compiles(node.pattern)) notes.push(`pattern ${node.pattern.slice(0, 60)}`);
  if (node.uniqueItems === true) notes.push('no repeats');
  if (typeof node.minProperties === 'number' && node.minProperties > 0)
    notes.push(`at least ${node.minProperties} keys`);
  if (typeof node.exclusiveMinimum === 'boolean' || typeof node.exclusiveMaximum === 'boolean')
    notes.push('bounds exclusive');
  if (Array.isArray(node.enum) && node.enum.some((value) => !isScalar(value))) notes.push(`one of ${short(node.enum)}`);
  if ('const' in node && !isScalar(node.const)) notes.push(`must be ${short(node.const)}`);
  if ('not' in node) notes.push(`must not be ${short(node.not)}`);
  if ('if' in node) notes.push('conditional rules apply');
  if (isSchema(node.dependentRequired) || isSchema(node.dependencies)) notes.push('some keys need others');
  return notes;
}

export const joinDescription = (...parts: unknown[]): string | undefined => {
  const text = parts.filter((part): part is string => typeof part === 'string' && part.trim() !== '').join('; ');
  return text ? (text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION - 1)}…` : text) : undefined;
};

export function describe(schema: JsonSchema, description: string | undefined, notes: string[]): JsonSchema {
  const text = joinDescription(description, ...new Set(notes));
  return text ? { ...schema, description: text } : schema;
}
