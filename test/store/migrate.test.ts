import type { Client } from "cassandra-driver";
import { createCassandraClient } from "../../store/client";
import { migrate } from "../../store/migrate";
import { freshKeyspace } from "../setup/cassandra";

describe("the schema migration", () => {
  const keyspace = "test_store_migrate";
  let admin: Client;

  beforeAll(async () => {
    await (await freshKeyspace(keyspace)).shutdown();
    admin = createCassandraClient();
  });

  afterAll(async () => {
    await admin.shutdown();
  });

  it("creates the tables users and operators know", async () => {
    const tables = await admin.execute(
      "SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?",
      [keyspace],
    );
    const names = tables.rows.map((row) => row.table_name);

    expect(names).toEqual(
      expect.arrayContaining([
        "custom_jobs",
        "script_storage",
        "custom_script_executions",
        "execution_challenges",
      ]),
    );
  });

  it("applies nothing when run a second time", async () => {
    expect(await migrate(admin, { keyspace })).toEqual([]);
  });

  it("refuses a schema file that changed after it was applied", async () => {
    await admin.execute(
      `UPDATE ${keyspace}.schema_migrations SET checksum = 'edited' WHERE name = '001_jobs.cql'`,
    );

    await expect(migrate(admin, { keyspace })).rejects.toMatchObject({
      code: "SCHEMA_FILE_CHANGED",
    });
  });
});
