import type { AdminField, AdminList, AdminResult } from '../crm-admin.js';
import { get, post } from './api.js';
import { append, h } from './dom.js';

/**
 * The sample EspoCRM's admin view: pick an entity, see its records newest first, create, edit a
 * field, delete. Changes go through the fake EspoCRM's API, so its webhooks reach the bot and
 * alerts for subscribed channels appear in Slack. Record values are data: text nodes only.
 */
export class CrmView {
  readonly root = h('section', { class: 'crm', attrs: { 'aria-label': 'Sample EspoCRM' } });
  private entity = 'Opportunity';
  private list?: AdminList;
  private editing?: { id?: string; record?: Record<string, unknown> };
  private highlight?: string;
  private message = '';
  private refreshing?: Promise<void>;

  /** Opens an entity (and a record in it), as a link to `…/crm#Entity/view/id` does. */
  async open(entity: string, id?: string): Promise<void> {
    this.entity = entity;
    this.highlight = id;
    this.editing = undefined;
    await this.refresh();
  }

  /** Reads the records again (the bot may have changed them). */
  refresh(): Promise<void> {
    this.refreshing ??= get<AdminList>(`/api/crm/${encodeURIComponent(this.entity)}`)
      .then((list) => {
        this.list = list;
        this.render();
      })
      .catch((error: unknown) => {
        this.message = `Could not read ${this.entity}: ${error instanceof Error ? error.message : String(error)}`;
        this.render();
      })
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async entities(): Promise<{ name: string; total: number }[]> {
    return get('/api/crm');
  }

  async render(): Promise<void> {
    const entities = await this.entities();
    const tabs = h('nav', { class: 'crm-tabs', attrs: { 'aria-label': 'Entities' } });
    for (const entity of entities) {
      const tab = h(
        'button',
        { class: `crm-tab${entity.name === this.entity ? ' active' : ''}`, attrs: { type: 'button' } },
        `${entity.name} (${entity.total})`,
      );
      tab.addEventListener('click', () => void this.open(entity.name));
      tabs.appendChild(tab);
    }
    const create = h('button', { class: 'bk-button primary', attrs: { type: 'button' } }, `New ${this.entity}`);
    create.addEventListener('click', () => {
      this.editing = {};
      void this.render();
    });
    const list = this.list?.entity === this.entity ? this.list : undefined;
    this.root.replaceChildren();
    append(
      this.root,
      h(
        'header',
        { class: 'crm-header' },
        h('h2', {}, 'Sample EspoCRM'),
        h(
          'p',
          { class: 'crm-note' },
          "Changes here are made through EspoCRM's API, so its webhooks tell the bot: subscribe a channel with /espo subscribe to see alerts.",
        ),
      ),
      tabs,
      h(
        'div',
        { class: 'crm-toolbar' },
        create,
        this.message ? h('span', { class: 'crm-message', attrs: { role: 'status' } }, this.message) : null,
      ),
      this.editing ? this.editor(list) : null,
      list ? this.table(list) : h('p', {}, 'Loading…'),
    );
    if (this.highlight) this.root.querySelector('tr.highlight')?.scrollIntoView({ block: 'center' });
  }

  private table(list: AdminList): HTMLElement {
    const head = h('tr', {}, ...list.columns.map((column) => h('th', {}, column)), h('th', {}, ''));
    const rows = list.records.map((record) => {
      const id = String(record.id);
      const edit = h('button', { class: 'bk-button', attrs: { type: 'button' } }, 'Edit');
      edit.addEventListener('click', () => {
        this.editing = { id, record };
        void this.render();
      });
      const remove = h('button', { class: 'bk-button danger', attrs: { type: 'button' } }, 'Delete');
      remove.addEventListener(
        'click',
        () =>
          void this.change(
            () => post<AdminResult>(`/api/crm/${this.entity}/${encodeURIComponent(id)}`, {}, 'DELETE'),
            `Deleted ${String(record.name ?? id)}.`,
          ),
      );
      return h(
        'tr',
        { class: id === this.highlight ? 'highlight' : undefined, attrs: { 'data-id': id } },
        ...list.columns.map((column) => h('td', {}, shown(record[column]))),
        h('td', { class: 'crm-row-actions' }, edit, remove),
      );
    });
    return h(
      'table',
      { class: 'crm-table' },
      h('thead', {}, head),
      h('tbody', {}, ...rows),
      h('caption', {}, `${list.total} ${list.entity} records, newest first`),
    );
  }

  private editor(list: AdminList | undefined): HTMLElement {
    const editing = this.editing!;
    const fields = list?.fields ?? [];
    const controls = new Map<string, HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>();
    const rows = fields.map((field) => {
      const control = controlFor(field, editing.record?.[field.name]);
      controls.set(field.name, control);
      return h('label', { class: 'crm-field' }, h('span', {}, `${field.name}${field.required ? ' *' : ''}`), control);
    });
    const save = h('button', { class: 'bk-button primary', attrs: { type: 'submit' } }, editing.id ? 'Save' : 'Create');
    const cancel = h('button', { class: 'bk-button', attrs: { type: 'button' } }, 'Cancel');
    cancel.addEventListener('click', () => {
      this.editing = undefined;
      void this.render();
    });
    const form = h(
      'form',
      { class: 'crm-editor', attrs: { 'aria-label': editing.id ? `Edit ${this.entity}` : `New ${this.entity}` } },
      h('h3', {}, editing.id ? `Edit ${String(editing.record?.name ?? editing.id)}` : `New ${this.entity}`),
      h('div', { class: 'crm-fields' }, ...rows),
      h('div', { class: 'crm-buttons' }, save, cancel),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      // Only what changed is sent, as EspoCRM's own form does.
      const changed: Record<string, unknown> = {};
      for (const field of fields) {
        const value = valueOf(field, controls.get(field.name)!);
        const before = editing.record?.[field.name] ?? null;
        if (editing.id ? JSON.stringify(value) !== JSON.stringify(before) : value !== null) changed[field.name] = value;
      }
      const path = editing.id ? `/api/crm/${this.entity}/${encodeURIComponent(editing.id)}` : `/api/crm/${this.entity}`;
      void this.change(
        () => post<AdminResult>(path, { fields: changed }, editing.id ? 'PUT' : 'POST'),
        editing.id ? 'Saved.' : 'Created.',
        true,
      );
    });
    return form;
  }

  private async change(run: () => Promise<AdminResult>, done: string, closesEditor = false): Promise<void> {
    try {
      const result = await run();
      if (result.status !== 200) this.message = `EspoCRM refused it: ${result.reason ?? result.status}`;
      else {
        this.message = `${done}${result.webhooks.length ? ` Webhooks sent: ${result.webhooks.length} batch${result.webhooks.length === 1 ? '' : 'es'}.` : ''}`;
        if (closesEditor) this.editing = undefined;
        if (result.record?.id) this.highlight = String(result.record.id);
      }
    } catch (error) {
      this.message = error instanceof Error ? error.message : String(error);
    }
    await this.refresh();
  }
}

function shown(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function controlFor(field: AdminField, value: unknown): HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement {
  const current = value === null || value === undefined ? '' : String(value);
  if (field.options || field.choices) {
    const select = h('select', { attrs: { name: field.name } }, h('option', { attrs: { value: '' } }, '—'));
    for (const option of field.options ?? [])
      select.appendChild(h('option', { attrs: { value: option } }, option || '(none)'));
    for (const choice of field.choices ?? [])
      select.appendChild(h('option', { attrs: { value: choice.id } }, choice.name));
    select.value = current;
    return select;
  }
  if (field.type === 'bool') {
    const box = h('input', { attrs: { type: 'checkbox', name: field.name } });
    box.checked = value === true;
    return box;
  }
  if (field.type === 'text') {
    const area = h('textarea', { attrs: { name: field.name, rows: '2' } });
    area.value = current;
    return area;
  }
  const input = h('input', { attrs: { name: field.name, type: 'text', placeholder: placeholderOf(field.type) } });
  input.value = current;
  return input;
}

function placeholderOf(type: string): string | undefined {
  return {
    date: 'YYYY-MM-DD',
    datetime: 'YYYY-MM-DD HH:mm:ss (UTC)',
    datetimeOptional: 'YYYY-MM-DD or YYYY-MM-DD HH:mm:ss',
    int: 'a whole number',
    float: 'a number',
    currency: 'an amount',
  }[type];
}

function valueOf(field: AdminField, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement): unknown {
  if (field.type === 'bool') return (control as HTMLInputElement).checked;
  const text = control.value.trim();
  if (text === '') return null;
  if (['int', 'float', 'currency'].includes(field.type) && Number.isFinite(Number(text))) return Number(text);
  return text;
}
