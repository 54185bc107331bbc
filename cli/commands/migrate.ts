import type { Command } from "commander";
import { createCassandraClient } from "../../store/client";
import { migrate } from "../../store/migrate";

type MigrateFlags = {
  cassandra: string;
  keyspace: string;
  replicationFactor: string;
  datacenter?: string;
};

/**
 * `triggerx migrate`: applies the schema to any Cassandra cluster. Safe to
 * run again; `services up` does the same for the local node.
 */
export function register(program: Command): void {
  program
    .command("migrate")
    .description("Apply the CQL schema to a keyspace (safe to run twice)")
    .option(
      "--cassandra <host:port,...>",
      "contact points",
      process.env.TRIGGERX_CASSANDRA_CONTACT_POINTS ?? "127.0.0.1:9042",
    )
    .option(
      "--keyspace <name>",
      "keyspace",
      process.env.TRIGGERX_KEYSPACE ?? "triggerx",
    )
    .option("--replication-factor <n>", "replicas of a new keyspace", "1")
    .option(
      "--datacenter <name>",
      "with NetworkTopologyStrategy: the data center the replicas live in",
    )
    .action(async (flags: MigrateFlags) => {
      const client = createCassandraClient({
        contactPoints: flags.cassandra.split(","),
      });
      const replication = flags.datacenter
        ? {
            class: "NetworkTopologyStrategy",
            [flags.datacenter]: Number(flags.replicationFactor),
          }
        : {
            class: "SimpleStrategy",
            replication_factor: Number(flags.replicationFactor),
          };

      try {
        const applied = await migrate(client, {
          keyspace: flags.keyspace,
          replication,
        });
        process.stdout.write(
          applied.length === 0
            ? `keyspace ${flags.keyspace} is up to date\n`
            : `applied ${applied.join(", ")} to ${flags.keyspace}\n`,
        );
      } finally {
        await client.shutdown();
      }
    });
}
