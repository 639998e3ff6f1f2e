import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { startPostgresServer } from './postgres-server';

/** A fresh PostgreSQL database for a test run, and where it lives. */
export interface TestPostgres {
  /** A connection URL of the fresh database. */
  readonly url: string;
  /** TEST_DATABASE_URL's server, the local one on 127.0.0.1:5432, or one this run started. */
  readonly source: 'env' | 'local' | 'private';
  /** Drops the database (and stops the server when this run started it). */
  stop(): Promise<void>;
}

const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A fresh database for tests, on the first server that answers: TEST_DATABASE_URL's; else the local one
 * on 127.0.0.1:5432 (user postgres, trust); else a private server started in a temp dir on a free port
 * (startPostgresServer). The database is created here and dropped by stop(); a shared server is never
 * stopped.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const envUrl = process.env.TEST_DATABASE_URL;
  if (envUrl) return freshDatabase(envUrl, 'env');
  if (await answers(LOCAL_URL)) return freshDatabase(LOCAL_URL, 'local');
  const server = await startPostgresServer();
  const db = await freshDatabase(server.url, 'private');
  return {
    ...db,
    stop: async () => {
      await db.stop().catch(() => undefined);
      await server.stop();
    },
  };
}

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function freshDatabase(serverUrl: string, source: TestPostgres['source']): Promise<TestPostgres> {
  const name = `tq_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    source,
    stop: async () => {
      const client = new Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
