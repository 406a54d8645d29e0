import type { Filter, Tenant } from '../ports.js';

/** A bounded read of every record a query matches, only the fields a report adds up. */
export interface ScanRequest {
  entity: string;
  filters: Filter[];
  /** The attributes to read; nothing else is asked for. */
  select: string[];
  /** Stop after this many records. */
  maxRecords: number;
  /** Stop reading pages after this moment (epoch ms). */
  deadline: number;
}

export interface ScanResult {
  records: Record<string, unknown>[];
  /** How many records match in all, as the CRM counts them. */
  total: number;
  /** Why the read stopped before the last record: the record limit, or the deadline. */
  bound?: 'records' | 'time';
}

/** The attributes a money field is kept in besides its amount. */
export interface MoneyAttributes {
  /** The record's currency code. */
  currency: string;
  /** The amount converted with the CRM's rates into one currency (see CurrencyFacts.into). */
  converted: string;
}

/** What the CRM says about its currencies, so amounts in several are converted only when it can. */
export interface CurrencyFacts {
  /** The currency converted amounts are in. */
  into: string;
  /** Currencies the CRM has a rate for; an amount in any other is converted at a made-up rate. */
  rated: string[];
}

/** What reports need from the CRM. The Membrane/EspoCRM implementation is crm/membrane/scan.ts. */
export interface RecordScan {
  scan(tenant: Tenant, request: ScanRequest): Promise<ScanResult>;
  money(field: string): MoneyAttributes;
  currencies(tenant: Tenant): Promise<CurrencyFacts>;
}
