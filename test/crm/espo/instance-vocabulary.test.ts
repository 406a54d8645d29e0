import { describe, expect, it } from 'vitest';
import { RENAMED_STAGES } from '../../../fakes/espocrm/defs.js';
import { FakeEspoCrm } from '../../../fakes/espocrm/model.js';
import type { ProxyRequest, Tenant } from '../../../src/core/ports.js';
import type { EntityTerms } from '../../../src/core/understanding/ports.js';
import { InstanceVocabularies } from '../../../src/crm/espo/instance-vocabulary.js';
import { EspoVocabulary } from '../../../src/crm/espo/vocabulary.js';

const TENANT: Tenant = { key: 'T1', teamId: 'T1', userId: 'U1' };

/** The proxy as Membrane's is to the tests: EspoCRM's answer to a REST path, here the fake's. */
function proxyTo(espo: FakeEspoCrm, requests: ProxyRequest[] = []) {
  return {
    proxy: async (_tenant: Tenant, request: ProxyRequest) => {
      requests.push(request);
      const url = new URL(request.path, 'http://espo');
      const response = espo.request({
        method: request.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
      });
      if (response.status !== 200) throw new Error(`EspoCRM answered ${response.status}`);
      return response.body;
    },
  };
}

const quietLogger = () => {
  const warnings: unknown[] = [];
  const logger = {
    info: () => {},
    warn: (...args: unknown[]) => warnings.push(args),
    error: () => {},
    debug: () => {},
  };
  return { logger: logger as never, warnings };
};

const deals = (entities: readonly EntityTerms[]) => entities.find((terms) => terms.entity === 'Opportunity')!;
const groupOf = (terms: EntityTerms, word: string) => terms.groups.find((group) => group.words.includes(word));

describe('InstanceVocabularies', () => {
  it("reads a stock instance's metadata as EspoCRM's stock words", async () => {
    const requests: ProxyRequest[] = [];
    const { logger } = quietLogger();
    const vocabularies = new InstanceVocabularies(proxyTo(new FakeEspoCrm(), requests), logger);
    const vocabulary = await vocabularies.vocabularyFor(TENANT);
    const stock = new EspoVocabulary().entities();
    for (const [index, terms] of vocabulary.entities().entries()) {
      expect(terms.groups).toEqual(stock[index]!.groups);
      expect(terms.openGroup).toEqual(stock[index]!.openGroup);
      // The instance also tells of enums the bundled field list leaves out (a lead's salutation).
      expect(terms.enums).toEqual(expect.arrayContaining(stock[index]!.enums));
    }
    expect(requests).toContainEqual({ method: 'GET', path: '/Metadata?key=entityDefs.Opportunity.fields' });
    // A deal's lead source lists a lead's sources (optionsReference), so "deals from the website" is understood.
    expect(groupOf(deals(vocabulary.entities()), 'website')).toMatchObject({
      field: 'leadSource',
      values: ['Web Site'],
    });
  });

  it('understands stages an admin renamed: won and lost by their probability, as EspoCRM does', async () => {
    const espo = new FakeEspoCrm();
    espo.redefineField('Opportunity', 'stage', RENAMED_STAGES);
    const { logger } = quietLogger();
    const terms = deals((await new InstanceVocabularies(proxyTo(espo), logger).vocabularyFor(TENANT)).entities());
    expect(groupOf(terms, 'open')).toMatchObject({
      op: 'notIn',
      values: ['Signed', 'Lost to Competitor', 'No Decision'],
      description: 'stage is not Signed, Lost to Competitor or No Decision',
    });
    expect(groupOf(terms, 'won')).toMatchObject({ op: 'in', values: ['Signed'] });
    expect(groupOf(terms, 'lost')).toMatchObject({ op: 'in', values: ['Lost to Competitor', 'No Decision'] });
    expect(terms.enums.find((e) => e.field === 'stage')?.options.map((o) => o.value)).toContain('Contract Sent');
  });

  it('drops the words for values an instance no longer has', async () => {
    const espo = new FakeEspoCrm();
    espo.redefineField('Task', 'status', {
      type: 'enum',
      options: ['To Do', 'Doing', 'Done'],
      notActualOptions: ['Done'],
    });
    const { logger } = quietLogger();
    const tasks = (await new InstanceVocabularies(proxyTo(espo), logger).vocabularyFor(TENANT))
      .entities()
      .find((terms) => terms.entity === 'Task')!;
    expect(tasks.openGroup).toMatchObject({ op: 'notIn', values: ['Done'] });
    // No `Completed` or `Started` here: "done" and "in progress" are left to the enum's own labels.
    expect(groupOf(tasks, 'progress')).toBeUndefined();
    expect(tasks.stateDates).toBeUndefined();
  });

  it('asks once per tenant while fresh, once for concurrent requests, and again after ten minutes', async () => {
    const requests: ProxyRequest[] = [];
    let now = 0;
    const { logger } = quietLogger();
    const vocabularies = new InstanceVocabularies(proxyTo(new FakeEspoCrm(), requests), logger, () => now);
    await Promise.all([vocabularies.vocabularyFor(TENANT), vocabularies.vocabularyFor(TENANT)]);
    const perRead = requests.length;
    await vocabularies.vocabularyFor(TENANT);
    expect(requests).toHaveLength(perRead);
    now += 10 * 60_000 + 1;
    await vocabularies.vocabularyFor(TENANT);
    expect(requests).toHaveLength(2 * perRead);
  });

  it("falls back to EspoCRM's stock words when the metadata cannot be read, logs it, and asks again in a minute", async () => {
    let failing = true;
    let calls = 0;
    let now = 0;
    const { logger, warnings } = quietLogger();
    const espo = proxyTo(new FakeEspoCrm());
    const vocabularies = new InstanceVocabularies(
      {
        proxy: async (tenant, request) => {
          calls += 1;
          if (failing) throw new Error('proxy down');
          return espo.proxy(tenant, request);
        },
      },
      logger,
      () => now,
    );
    expect((await vocabularies.vocabularyFor(TENANT)).entities()).toEqual(new EspoVocabulary().entities());
    expect(warnings).toHaveLength(1);
    failing = false;
    const before = calls;
    await vocabularies.vocabularyFor(TENANT);
    expect(calls).toBe(before);
    now += 60_001;
    await vocabularies.vocabularyFor(TENANT);
    expect(calls).toBeGreaterThan(before);
  });
});
