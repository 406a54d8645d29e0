import { AppError } from '../../core/errors.js';
import type { Tenant } from '../../core/ports.js';
import type { CurrencyFacts, MoneyAttributes, RecordScan, ScanRequest, ScanResult } from '../../core/reports/ports.js';
import { isObject } from '../action-io.js';
import { currencyFactsOf, espoMoney } from '../espo/currencies.js';
import { actionNouns, EspoEntityDirectory } from '../espo/entities.js';
import { espoListPath } from '../espo/routes.js';
import type { MembraneConnections } from './connections.js';
import type { MembraneProxy } from './proxy.js';
import type { MembraneRecords } from './records.js';

/**
 * EspoCRM's recordListMaxSizeLimit when the doctor has not read it: its default
 * (Core/Record/SearchParamsFetcher::MAX_SIZE_LIMIT, Resources/defaults/config.php). A lower limit
 * answers 403 "Max size should not exceed N", and the scan goes on with N.
 */
const ESPO_MAX_PAGE_SIZE = 200;

const directory = new EspoEntityDirectory();

/**
 * Reports' reads: every record a query matches, page after page of EspoCRM's REST list through the
 * connection's proxy, with only the attributes a report adds up (`select`). Always the proxy, not
 * the list actions: their inputs carry no `select`, and a report reads thousands of records.
 */
export class MembraneRecordScan implements RecordScan {
  constructor(
    private readonly connections: MembraneConnections,
    private readonly records: MembraneRecords,
    private readonly proxy: MembraneProxy,
  ) {}

  money(field: string): MoneyAttributes {
    return espoMoney(field);
  }

  scan(tenant: Tenant, request: ScanRequest): Promise<ScanResult> {
    const noun = actionNouns(request.entity);
    const failure = { what: `read ${noun.plural}`, entity: noun.singular, isWrite: false };
    return this.connections.withConnection(tenant, failure, async (connection) => {
      const records: Record<string, unknown>[] = [];
      // A record created or deleted while the pages are read shifts the offsets: one seen twice counts once.
      const seen = new Set<unknown>();
      let read = 0;
      let pageSize = connection.findings?.maxPageSize ?? ESPO_MAX_PAGE_SIZE;
      for (;;) {
        let asked = Math.min(pageSize, request.maxRecords - read);
        const page = await this.records.sized(tenant, connection, asked, async (size) => {
          asked = size;
          pageSize = Math.min(pageSize, size);
          const query = {
            entity: request.entity,
            filters: request.filters,
            // Oldest first: a record created while the pages are read lands after them, not in between.
            sort: { field: directory.creationField(), order: 'asc' as const },
            limit: size,
            offset: read,
          };
          const path = espoListPath(query, request.select);
          return listOf(await this.proxy.send(tenant, connection, { method: 'GET', path }));
        });
        read += page.list.length;
        for (const record of page.list) {
          if (record.id !== undefined && seen.has(record.id)) continue;
          seen.add(record.id);
          records.push(record);
        }
        // EspoCRM may not count (a negative total): then a short page is the last one.
        const total = page.total ?? records.length;
        const done = page.total === undefined ? page.list.length < asked : read >= page.total;
        if (done || page.list.length === 0) return { records, total };
        if (read >= request.maxRecords) return { records, total, bound: 'records' };
        if (Date.now() >= request.deadline) return { records, total, bound: 'time' };
      }
    });
  }

  currencies(tenant: Tenant): Promise<CurrencyFacts> {
    const failure = { what: 'read the currency rates', isWrite: false };
    return this.connections.withConnection(tenant, failure, async (connection) => {
      const [settings, user] = await Promise.all([
        // Refused (a restricted API user): no rates known, so each currency is summed apart.
        this.proxy.send(tenant, connection, { method: 'GET', path: '/Settings' }).catch(() => undefined),
        // Older EspoCRM has the rates in the settings only: the user's app params may not answer.
        this.proxy.send(tenant, connection, { method: 'GET', path: '/App/user' }).catch(() => undefined),
      ]);
      return currencyFactsOf(settings, user);
    });
  }
}

/** EspoCRM's list answer, `{total, list}`. */
function listOf(output: unknown): { total?: number; list: Record<string, unknown>[] } {
  if (!isObject(output) || !Array.isArray(output.list))
    throw new AppError('crm_unavailable', 'EspoCRM answered the list request in an unexpected shape.');
  const total = typeof output.total === 'number' && output.total >= 0 ? output.total : undefined;
  return { list: output.list.filter(isObject), ...(total === undefined ? {} : { total }) };
}
