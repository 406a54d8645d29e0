import type { RecordHistory } from '../../core/alerts/ports.js';
import type { CrmGateway, Tenant } from '../../core/ports.js';
import { valuesBefore, type StreamNote } from './record-stream.js';
import { SYSTEM_FIELDS } from './system-fields.js';

/** Notes read from a record's stream for an alert's old values; an older one shows the new value only. */
const STREAM_PAGE = 20;

/** A record's past as EspoCRM keeps it: its stream (`GET /{Entity}/{id}/stream`), read through the Membrane proxy. */
export class EspoRecordHistory implements RecordHistory {
  constructor(private readonly crm: Pick<CrmGateway, 'proxy'>) {}

  isSystemAttribute(attribute: string): boolean {
    return SYSTEM_FIELDS.has(attribute);
  }

  async valuesBefore(
    tenant: Tenant,
    record: { entity: string; id: string; statusField?: string },
    values: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const stream = (await this.crm.proxy(tenant, {
      method: 'GET',
      path: `/${record.entity}/${encodeURIComponent(record.id)}/stream?maxSize=${STREAM_PAGE}`,
    })) as { list?: StreamNote[] } | undefined;
    return valuesBefore(Array.isArray(stream?.list) ? stream.list : [], record.id, values, record.statusField);
  }
}
