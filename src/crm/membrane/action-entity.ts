import type { ActionSummary } from '../../core/ports.js';
import { EspoEntityDirectory } from '../espo/entities.js';

const directory = new EspoEntityDirectory();

/**
 * The record type whose record an action changes or deletes by its `id` input, as Membrane's keys
 * name it (`update-lead`, `delete-opportunity`). A key that names no record type
 * (`update-deal-stage`) has none: its writes are previewed by their input alone.
 */
export function changedEntityOf(key: string): Pick<ActionSummary, 'entity'> {
  const word = /^(?:update|delete)-(.+)$/.exec(key)?.[1];
  const entity = word && directory.resolve(word).name;
  return entity && directory.isRecordType(entity) ? { entity } : {};
}
