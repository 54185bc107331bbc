import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Client } from "cassandra-driver";
import { TriggerxError } from "../errors/base";

/** The folder of the CQL schema files, applied in file-name order. */
export const SCHEMA_DIR = path.resolve(__dirname, "..", "schema");

/**
 * Replication of a new keyspace. A single local node wants
 * `SimpleStrategy` with one replica; a cluster passes its own.
 */
export type Replication = Record<string, string | number>;

/**
 * Applies the schema files that the keyspace has not seen yet and records
 * each in `schema_migrations` with its checksum. Every statement is
 * `IF NOT EXISTS`, so a run interrupted halfway is simply run again. A file
 * whose content changed after it was applied is refused: schema changes go
 * in a new file. Returns the names of the files applied by this call.
 *
 * The files name tables as `triggerx.<table>`; another keyspace (one per
 * test suite, say) gets the same tables under its own name.
 */
export async function migrate(
  client: Client,
  options: { keyspace: string; replication?: Replication },
): Promise<string[]> {
  const keyspace = options.keyspace;
  assertIdentifier(keyspace);
  const replication = options.replication ?? {
    class: "SimpleStrategy",
    replication_factor: 1,
  };

  await client.execute(
    `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = ${cqlMap(replication)}`,
  );
  await client.execute(
    `CREATE TABLE IF NOT EXISTS ${keyspace}.schema_migrations (name text PRIMARY KEY, checksum text, applied_at timestamp)`,
  );

  const applied = await appliedChecksums(client, keyspace);
  const names: string[] = [];
  for (const file of schemaFiles()) {
    const text = readFileSync(path.join(SCHEMA_DIR, file), "utf8");
    const checksum = createHash("sha256").update(text).digest("hex");
    const seen = applied.get(file);
    if (seen === checksum) continue;
    if (seen !== undefined) throw changedFile(file, keyspace);

    for (const statement of splitStatements(text)) {
      await client.execute(statement.replace(/\btriggerx\./g, `${keyspace}.`));
    }
    await client.execute(
      `INSERT INTO ${keyspace}.schema_migrations (name, checksum, applied_at) VALUES (?, ?, toTimestamp(now()))`,
      [file, checksum],
    );
    names.push(file);
  }
  return names;
}

function schemaFiles(): string[] {
  return readdirSync(SCHEMA_DIR)
    .filter((file) => file.endsWith(".cql"))
    .sort();
}

async function appliedChecksums(
  client: Client,
  keyspace: string,
): Promise<Map<string, string>> {
  const result = await client.execute(
    `SELECT name, checksum FROM ${keyspace}.schema_migrations`,
  );
  return new Map(result.rows.map((row) => [row.name, row.checksum]));
}

/** Splits a CQL file into statements, dropping `--` comments. */
export function splitStatements(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.replace(/--.*$/, ""))
    .join("\n")
    .split(";")
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

function cqlMap(map: Replication): string {
  const entries = Object.entries(map).map(([key, value]) => {
    const literal = typeof value === "number" ? value : `'${value}'`;
    return `'${key}': ${literal}`;
  });
  return `{${entries.join(", ")}}`;
}

function assertIdentifier(name: string): void {
  if (/^[a-z][a-z0-9_]{0,47}$/.test(name)) return;

  throw new TriggerxError(
    "SCHEMA_BAD_KEYSPACE",
    `keyspace name "${name}" is not a plain lower-case identifier`,
  );
}

function changedFile(file: string, keyspace: string): TriggerxError {
  return new TriggerxError(
    "SCHEMA_FILE_CHANGED",
    `schema file ${file} changed after it was applied to ${keyspace}`,
    { details: ["put schema changes in a new file under schema/"] },
  );
}
