import { Client } from "cassandra-driver";

/** Options for connecting to Cassandra; loopback defaults. */
export type CassandraOptions = {
  contactPoints?: string[];
  keyspace?: string;
  localDataCenter?: string;
};

/**
 * Creates a driver client. Contact points default to
 * `TRIGGERX_CASSANDRA_CONTACT_POINTS` (comma separated) or 127.0.0.1:9042.
 */
export function createCassandraClient(options: CassandraOptions = {}): Client {
  const contactPoints = options.contactPoints ??
    process.env.TRIGGERX_CASSANDRA_CONTACT_POINTS?.split(",") ?? [
      "127.0.0.1:9042",
    ];

  return new Client({
    contactPoints,
    localDataCenter: options.localDataCenter ?? "datacenter1",
    ...(options.keyspace ? { keyspace: options.keyspace } : {}),
    queryOptions: { prepare: true },
  });
}
