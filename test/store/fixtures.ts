import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import type { ConversationTurn } from '../../src/core/conversation/ports.js';
import type { PendingWrite } from '../../src/core/writes/ports.js';
import { openStore, type Store } from '../../src/store/store.js';
import { freshPostgresSchema } from '../support/databases.js';

/** The same behaviour, checked on both databases the bot supports. */
const backends: { name: string; open(): Promise<{ store: Store; cleanup(): Promise<void> }> }[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'espo-store-'));
      const store = await openStore(`sqlite:${join(dir, 'nested', 'bot.db')}`);
      return { store, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = await freshPostgresSchema();
      const store = await openStore(schema.url);
      return { store, cleanup: () => schema.drop() };
    },
  },
];

export const now = new Date('2026-11-25T12:00:00Z');
/** Who presses Confirm: a person of workspace T1 unless told otherwise. */
export const by = (userId: string, teamId = 'T1') => ({ teamId, userId });
let sequence = 0;
export function turn(
  role: ConversationTurn['role'],
  text: string,
  offsetMs: number,
  extra: Partial<ConversationTurn> = {},
): ConversationTurn {
  return { role, text, at: new Date(now.getTime() + offsetMs), ...extra };
}

export function pending(overrides: Partial<PendingWrite> = {}): PendingWrite {
  return {
    id: `pw-${++sequence}`,
    tenantKey: 'T1',
    teamId: 'T1',
    userId: 'U1',
    channelId: 'C1',
    plan: { kind: 'create', entity: 'Lead', fields: { lastName: 'Doe' } },
    createdAt: now,
    expiresAt: new Date(now.getTime() + 15 * 60_000),
    ...overrides,
  };
}

/**
 * `body`'s tests, once on each database; `opened()` is the store, open from the suite's start to
 * its end (read it in a hook or a test, not while the suite is being declared).
 */
export function describeOnEachBackend(title: string, body: (opened: () => Store, backend: string) => void): void {
  for (const backend of backends) {
    describe(`${title} on ${backend.name}`, () => {
      let opened: { store: Store; cleanup(): Promise<void> };
      beforeAll(async () => {
        opened = await backend.open();
      });
      afterAll(async () => {
        await opened.store.close();
        await opened.cleanup();
      });
      body(() => opened.store, backend.name);
    });
  }
}
