import type { ReadResult } from '../../core/ports.js';
import { isObject, toPage, toRecord } from '../action-io.js';
import { EspoEntityDirectory } from '../espo/entities.js';
import { listQueryOf } from '../espo/list-call.js';

const directory = new EspoEntityDirectory();

/** Which entity a read action lists or gets, from Membrane's action type and its key (`list-deals`). */
export function readShapeOf(
  type: string | undefined,
  key: string,
): { verb: 'list' | 'get'; entity: string } | undefined {
  const match = /^(list|search|get|find)-(.+)$/.exec(key);
  if (!match) return undefined;
  const verb = type === 'find-data-record-by-id' || match[1] === 'get' || match[1] === 'find' ? 'get' : 'list';
  return { verb, entity: directory.resolve(match[2]!).name };
}

/**
 * What a read returned: records (with the ListQuery the call amounts to, when there is one, so it
 * pages like `/espo list`), one record, or other data. `params` are the call's list parameters.
 */
export function interpretRead(
  output: unknown,
  shape: { verb: 'list' | 'get'; entity: string } | undefined,
  params: Record<string, unknown>,
): ReadResult {
  if (shape?.verb === 'list') {
    const offset = Number(params.offset);
    const start = Number.isInteger(offset) && offset >= 0 ? offset : 0;
    const size = Number(params.maxSize ?? params.limit);
    const seen = toPage(output, {
      entity: shape.entity,
      filters: [],
      offset: start,
      limit: Number.isInteger(size) && size > 0 ? size : Number.MAX_SAFE_INTEGER,
    });
    if (seen) {
      const query = listQueryOf(shape.entity, params, seen.hasMore);
      // With a query, "more" is judged as /espo list judges it, so Next appears exactly when it would.
      const page = query ? (toPage(output, query) ?? seen) : seen;
      return { kind: 'records', entity: shape.entity, page, offset: start, ...(query ? { query } : {}) };
    }
  }
  if (shape?.verb === 'get') {
    const record = toRecord(isObject(output) && isObject(output.record) ? output.record : output);
    if (record) return { kind: 'record', entity: shape.entity, record };
  }
  return { kind: 'data', output };
}
