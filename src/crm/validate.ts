import { createHash } from 'node:crypto';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/**
 * Validates action input against the action's own JSON Schema before anything is sent, so a
 * person sees the schema's complaint instead of a remote error. Compiled validators are cached
 * by schema content: the same action schema is compiled once per process.
 */
const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false });
// ajv-formats ships CommonJS; under NodeNext its default import is the module object holding `default`.
type FormatsPlugin = (instance: Ajv) => Ajv;
const formatsModule = addFormatsModule as unknown as FormatsPlugin & { default?: FormatsPlugin };
(formatsModule.default ?? formatsModule)(ajv);

const compiled = new Map<string, ValidateFunction>();
const MAX_CACHED = 500;

/** The compiled validator for a schema, or undefined when ajv cannot compile it. */
function validatorFor(schema: Record<string, unknown>): ValidateFunction | undefined {
  const key = createHash('sha1').update(JSON.stringify(schema)).digest('hex');
  let validate = compiled.get(key);
  if (!validate) {
    try {
      validate = ajv.compile(schema);
    } catch {
      // A schema ajv cannot compile is Membrane's to enforce; do not block the person on it.
      return undefined;
    }
    if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, validate);
  }
  return validate;
}

export function validateAgainstSchema(schema: Record<string, unknown> | undefined, input: unknown): string | undefined {
  const validate = schema && validatorFor(schema);
  if (!validate || validate(input)) return undefined;
  return (validate.errors ?? [])
    .slice(0, 5)
    .map((error) => {
      const where = error.instancePath ? error.instancePath.slice(1).replace(/\//g, '.') : 'input';
      const extra =
        error.keyword === 'additionalProperties'
          ? ` (\`${String((error.params as { additionalProperty?: string }).additionalProperty)}\`)`
          : error.keyword === 'enum'
            ? ` (${allowedValues(error).join(', ')})`
            : '';
      return `${where} ${error.message}${extra}`;
    })
    .join('; ');
}

/** The schema's complaints about a form's values, per field (the form shows each beside its input). */
export function fieldProblems(
  schema: Record<string, unknown>,
  input: Record<string, unknown>,
): { field: string; problem: string }[] {
  const validate = validatorFor(schema);
  if (!validate || validate(input)) return [];
  return (validate.errors ?? []).map((error) => {
    const missing = (error.params as { missingProperty?: string }).missingProperty;
    const field = missing ?? error.instancePath.split('/')[1] ?? '';
    const problem =
      error.keyword === 'required'
        ? 'Please fill this in.'
        : error.keyword === 'enum'
          ? `Choose one of: ${allowedValues(error).join(', ')}.`
          : `This ${error.message ?? 'is not valid'}.`;
    return { field, problem };
  });
}

function allowedValues(error: ErrorObject): unknown[] {
  return (error.params as { allowedValues?: unknown[] }).allowedValues ?? [];
}
