/**
 * What the understanding layer needs to know about the CRM's record types, so it spells none of
 * it itself: the words for each type, its natural date, its amount, its enum values by label and
 * the everyday words for groups of them. The EspoCRM implementation is crm/espo/vocabulary.ts.
 */
import type { Tenant } from '../ports.js';
import type { Report, ReportQuery } from '../reports/types.js';

/** A date or datetime field, and how a person calls it ("close date"). */
export interface DateTerm {
  field: string;
  label: string;
  /** `date`: compared as days; `datetime`: stored in UTC, compared with the bounds of the person's days. */
  type: 'date' | 'datetime';
}

/** An enum field with its options as stored, and the labels people read. */
export interface EnumTerm {
  field: string;
  label: string;
  options: { value: string; label: string }[];
}

/** An everyday word for a set of enum values ("open": every stage but the closed ones). */
export interface GroupTerm {
  words: string[];
  field: string;
  op: 'in' | 'notIn';
  values: string[];
  /** How the understood line says it: "stage is not Closed Won or Closed Lost". */
  description: string;
  /** The word alone names records of the type: "customers" are the accounts of type Customer. */
  namesType?: boolean;
}

export interface EntityTerms {
  /** The CRM's name of the record type (`Opportunity`). */
  entity: string;
  /** The plural label people read (`Opportunities`). */
  plural: string;
  /** Every word that names it, singular and plural (`deal`, `deals`, `pipeline`). */
  words: string[];
  /** The words of `words` that name one record (`deal`): "the biggest deal" is one deal. */
  singularWords: string[];
  /** The words of `words` that name only the open records (`pipeline`: the deals still open). */
  openWords: string[];
  /** What "closing", "due", "this month" are about (a deal's close date, a task's due date). */
  naturalDate: DateTerm;
  created: DateTerm;
  modified: DateTerm;
  /** The money field "over 10k" is about, when the type has one. */
  amount?: { field: string; label: string };
  /** The field holding the chance, in percent, that an open record closes (a deal's probability): weighs the pipeline. */
  probability?: string;
  /** The field holding the record's owner (a user id), when it has one. */
  owner?: string;
  /** The field a count is broken down by when the words name none ("how many leads": by source). */
  breakdown?: string;
  enums: EnumTerm[];
  groups: GroupTerm[];
  /** The group a record must be in to be "overdue" (an open task), when the type has deadlines. */
  openGroup?: GroupTerm;
  /**
   * Dates a time means once the words name a state: a task "completed yesterday" is about when it
   * was completed, not when it was due.
   */
  stateDates?: { field: string; values: string[]; date: DateTerm }[];
  /**
   * How a record says which company it is at ("contacts at Acme"): the id of its company link, or
   * the company's name typed on it (a lead's, before it is converted).
   */
  company?: { field: string; by: 'id' | 'name' };
  /** Fields a person asks for by a word ("Priya's email"). */
  contactFields: { words: string[]; field: string }[];
}

/** Totals and breakdowns (core/reports): "how much pipeline", "leads by source". */
export interface ReportRunner {
  run(tenant: Tenant, query: ReportQuery, options?: { understood?: string; title?: string }): Promise<Report>;
}

/** Each tenant's vocabulary: its own CRM may name its stages and statuses its own way. */
export interface VocabularySource {
  vocabularyFor(tenant: Tenant): Promise<Vocabulary>;
}

/** The CRM's vocabulary, for every record type the layer answers about. */
export interface Vocabulary {
  entities(): readonly EntityTerms[];
  /** The record type of the CRM's users and the field their names are in: "Bo's deals". */
  users: { entity: string; nameField: string };
  /** The record type of companies: "contacts at Acme" looks Acme up there. */
  companies: { entity: string };
}
