// The backends the conformance suite runs against. A backend adds one entry here: how to tell whether it can
// run on this machine, and how to make a fresh empty database. SQLite (a real file in a temp dir) always runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { openStore } from '../../src/store/open-store.js';
import type { StoreSettings, Stores } from '../../src/store/stores.js';
import { createTestDatabase, postgresUnavailable } from '../support/postgres.js';

export interface FreshDatabase {
  readonly settings: StoreSettings;
  drop(): Promise<void>;
}

export interface BackendUnderTest {
  readonly name: string;
  /** undefined when it can run here, else why not (printed as a loud SKIPPED line) */
  unavailable(): Promise<string | undefined>;
  /** a new, empty database (its migrations not yet run: openStore runs them) */
  create(): Promise<FreshDatabase>;
}

export const sqliteBackend: BackendUnderTest = {
  name: 'sqlite',
  unavailable: async () => undefined,
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'protopost-store-'));
    return { settings: { databasePath: join(dir, 'emails.db') }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};

/** A database of its own on the PostgreSQL server (test/support/postgres.ts), dropped afterwards. */
export const postgresBackend: BackendUnderTest = {
  name: 'postgres',
  unavailable: async () => (await postgresUnavailable()) ?? undefined,
  async create() {
    const db = await createTestDatabase();
    return { settings: { databasePath: '', databaseUrl: db.url }, drop: () => db.drop() };
  },
};

export const backends: BackendUnderTest[] = [sqliteBackend, postgresBackend];

export interface StoreContext {
  readonly settings: StoreSettings;
  /** the stores every case starts with */
  readonly stores: Stores;
  /** another connection (pool) on the same database, closed when the test ends */
  another(): Promise<Stores>;
}

/** Checked once per test file: which backends run here, and a loud line for each that does not. */
const availability = new Map<BackendUnderTest, string | undefined>();
for (const b of backends) {
  const why = await b.unavailable();
  availability.set(b, why);
  if (why) process.stderr.write(`\n*** SKIPPED: store conformance on ${b.name}: ${why} ***\n\n`);
}

/** Registers `body` once per backend, each run on a fresh database; node:test marks an unavailable one skipped. */
export function storeTest(title: string, body: (s: StoreContext, t: TestContext) => Promise<void>): void {
  for (const backend of backends) {
    const why = availability.get(backend);
    test(`${backend.name}: ${title}`, { skip: why ? `${backend.name} unavailable: ${why}` : false }, async (t) => {
      const db = await backend.create();
      const opened: Stores[] = [];
      const open = async () => {
        const s = await openStore(db.settings);
        opened.push(s);
        return s;
      };
      try {
        await body({ settings: db.settings, stores: await open(), another: open }, t);
      } finally {
        for (const s of opened.reverse()) await s.close();
        await db.drop();
      }
    });
  }
}
