import type { Client } from "cassandra-driver";
import { createCassandraClient } from "../../store/client";
import { migrate } from "../../store/migrate";

/**
 * Gives a test file a keyspace of its own with the full schema, dropped and
 * made anew on each call so files never see each other's rows.
 */
export async function freshKeyspace(name: string): Promise<Client> {
  const admin = createCassandraClient();
  try {
    await admin.execute(`DROP KEYSPACE IF EXISTS ${name}`);
    await migrate(admin, { keyspace: name });
  } finally {
    await admin.shutdown();
  }

  return createCassandraClient({ keyspace: name });
}
