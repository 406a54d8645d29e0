import type { CrmGateway, Logger, Tenant } from '../../core/ports.js';
import type { Vocabulary, VocabularySource } from '../../core/understanding/ports.js';
import {
  EspoVocabulary,
  STOCK_ENUMS,
  VOCABULARY_ENTITIES,
  type EnumMetadata,
  type EnumsByEntity,
  withReferencedOptions,
} from './vocabulary.js';

/** How long an instance's vocabulary is trusted: an admin's new stage is understood within this. */
const FRESH_MS = 10 * 60_000;
/** After a failed read the stock vocabulary stands in, and the instance is asked again after this. */
const RETRY_MS = 60_000;

const STOCK = new EspoVocabulary();

const strings = (list: unknown) =>
  Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : undefined;

/** The enum fields of one entity's field definitions, as `GET /Metadata?key=entityDefs.{Entity}.fields` gives them. */
function enumsOf(fields: unknown): Map<string, EnumMetadata> | undefined {
  if (!fields || typeof fields !== 'object' || Array.isArray(fields)) return undefined;
  const enums = new Map<string, EnumMetadata>();
  for (const [name, definition] of Object.entries(fields as Record<string, unknown>)) {
    const field = (definition ?? {}) as Record<string, unknown>;
    const options = strings(field.options);
    const reference = typeof field.optionsReference === 'string' ? field.optionsReference : undefined;
    // A read-only enum is the CRM's own bookkeeping (a deal's `lastStage`): its values would make
    // "Prospecting" mean two fields.
    if (field.type !== 'enum' || field.readOnly === true || (!options && !reference)) continue;
    const notActual = strings(field.notActualOptions);
    const probabilityMap = field.probabilityMap;
    enums.set(name, {
      options: options ?? [],
      ...(probabilityMap && typeof probabilityMap === 'object'
        ? { probabilityMap: probabilityMap as Record<string, number | null> }
        : {}),
      ...(notActual ? { notActualOptions: notActual } : {}),
      ...(reference ? { optionsReference: reference } : {}),
    });
  }
  return enums;
}

const sameEnums = (a: EnumsByEntity, b: EnumsByEntity) =>
  JSON.stringify([...a].map(([entity, fields]) => [entity, [...fields]])) ===
  JSON.stringify([...b].map(([entity, fields]) => [entity, [...fields]]));

/**
 * Each tenant's vocabulary, from its own EspoCRM's metadata: the stages, statuses and sources an
 * admin defined, and which stages are won or lost by their probability. Read with
 * `GET /Metadata?key=entityDefs.{Entity}.fields` through the proxy: EspoCRM answers it to any
 * user, with the entity types their role cannot read left out (Controllers/Metadata.php
 * `getActionRead`, Tools/App/MetadataService.php `getDataForFrontendByKey`); an entity it does not
 * answer for keeps EspoCRM's stock words. Kept for a while per tenant, read once at a time.
 */
export class InstanceVocabularies implements VocabularySource {
  private readonly cache = new Map<string, { vocabulary: Vocabulary; until: number }>();
  private readonly reading = new Map<string, Promise<Vocabulary>>();

  constructor(
    private readonly crm: Pick<CrmGateway, 'proxy'>,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async vocabularyFor(tenant: Tenant): Promise<Vocabulary> {
    const cached = this.cache.get(tenant.key);
    if (cached && cached.until > this.now()) return cached.vocabulary;
    const pending = this.reading.get(tenant.key);
    if (pending) return pending;
    const read = this.read(tenant).finally(() => this.reading.delete(tenant.key));
    this.reading.set(tenant.key, read);
    return read;
  }

  private async read(tenant: Tenant): Promise<Vocabulary> {
    // Each type on its own: one the instance does not answer for keeps EspoCRM's stock words.
    const answers = await Promise.allSettled(
      VOCABULARY_ENTITIES.map((entity) =>
        this.crm.proxy(tenant, {
          method: 'GET',
          path: `/Metadata?key=${encodeURIComponent(`entityDefs.${entity}.fields`)}`,
        }),
      ),
    );
    const failed = answers.flatMap((answer, index) =>
      answer.status === 'rejected' ? [{ entity: VOCABULARY_ENTITIES[index], err: answer.reason as unknown }] : [],
    );
    const enums: EnumsByEntity = withReferencedOptions(
      new Map(
        VOCABULARY_ENTITIES.map((entity, index) => {
          const answer = answers[index]!;
          const read = answer.status === 'fulfilled' ? enumsOf(answer.value) : undefined;
          return [entity, read ?? STOCK_ENUMS.get(entity) ?? new Map()];
        }),
      ),
    );
    // Most instances keep the stock stages: they share one vocabulary (and its word index).
    const vocabulary = sameEnums(enums, STOCK_ENUMS) ? STOCK : new EspoVocabulary(enums);
    if (failed.length)
      this.logger.warn(
        { err: failed[0]!.err, tenant: tenant.key, entities: failed.map((each) => each.entity) },
        "could not read EspoCRM's metadata of some record types; plain language uses EspoCRM's stock stages and statuses for them for now",
      );
    this.cache.set(tenant.key, { vocabulary, until: this.now() + (failed.length ? RETRY_MS : FRESH_MS) });
    return vocabulary;
  }
}
