import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { Client } from "cassandra-driver";
import { TriggerxError } from "../errors/base";
import type { ServiceConfig } from "./config";
import { logFile, pidFile } from "./config";
import type { DetachedCommand } from "./process";
import type { Progress } from "./progress";

/**
 * A single Cassandra node run straight from the jars that Maven Central
 * publishes for `org.apache.cassandra:cassandra-all`, on the machine's
 * Java 17, with a configuration this module writes: loopback only, small
 * heap, no authentication (it never listens beyond 127.0.0.1).
 */
export const CASSANDRA_VERSION = "5.0.9";

const COMPLETE_MARKER = ".complete";

/** The folder that holds the node's jars. */
export function cassandraHome(config: ServiceConfig): string {
  return path.join(config.toolsDir, `cassandra-${CASSANDRA_VERSION}`);
}

/** Whether the jars were fully downloaded before. */
export function isCassandraProvisioned(config: ServiceConfig): boolean {
  return existsSync(path.join(cassandraHome(config), COMPLETE_MARKER));
}

/**
 * Resolves `cassandra-all` and its runtime dependencies from Maven Central
 * into the tools folder with Maven's dependency plugin, unless done before.
 */
export function provisionCassandra(
  config: ServiceConfig,
  progress: Progress,
): void {
  requireJava17();
  if (isCassandraProvisioned(config)) return;

  const home = cassandraHome(config);
  const scratch = `${home}.partial`;
  progress.step(
    "cassandra",
    `resolving org.apache.cassandra:cassandra-all:${CASSANDRA_VERSION} from Maven Central`,
  );
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  writeFileSync(path.join(scratch, "pom.xml"), nodePom());

  const resolve = spawnSync(
    "mvn",
    [
      "-B",
      "-q",
      "dependency:copy-dependencies",
      "-DincludeScope=runtime",
      `-DoutputDirectory=${path.join(scratch, "lib")}`,
    ],
    { cwd: scratch, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  if (resolve.error || resolve.status !== 0) {
    throw new TriggerxError(
      "SERVICE_PROVISION_FAILED",
      "cassandra: resolving the jars from Maven Central failed",
      {
        details:
          `${resolve.stdout ?? ""}${resolve.stderr ?? ""}${resolve.error ?? ""}`
            .trimEnd()
            .split("\n")
            .slice(-20),
        retryable: true,
      },
    );
  }

  writeFileSync(path.join(scratch, COMPLETE_MARKER), `${CASSANDRA_VERSION}\n`);
  rmSync(home, { recursive: true, force: true });
  renameSync(scratch, home);
}

function nodePom(): string {
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.triggerx</groupId>
  <artifactId>cassandra-node</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>org.apache.cassandra</groupId>
      <artifactId>cassandra-all</artifactId>
      <version>${CASSANDRA_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`;
}

/** Fails with a clear message unless `java -version` reports release 17. */
export function requireJava17(): void {
  const probe = spawnSync(javaCommand(), ["-version"], { encoding: "utf8" });
  const banner = `${probe.stderr ?? ""}${probe.stdout ?? ""}`;
  const major = banner.match(/version "(\d+)/)?.[1];

  if (probe.error || major !== "17") {
    throw new TriggerxError(
      "SERVICE_JAVA_MISSING",
      "cassandra: Java 17 is required to run the Cassandra node",
      {
        details: [
          `found: ${banner.split("\n")[0] || String(probe.error)}`,
          "install OpenJDK 17 or point JAVA_HOME at one",
        ],
      },
    );
  }
}

function javaCommand(): string {
  const home = process.env.JAVA_HOME;
  return home ? path.join(home, "bin", "java") : "java";
}

/** Writes the node's configuration into the data folder; returns its dir. */
export function writeCassandraConfig(config: ServiceConfig): string {
  const root = path.join(config.dataDir, "cassandra");
  const confDir = path.join(root, "conf");
  mkdirSync(confDir, { recursive: true });
  writeFileSync(path.join(confDir, "cassandra.yaml"), nodeYaml(config, root));
  writeFileSync(path.join(confDir, "logback.xml"), LOGBACK_XML);
  return confDir;
}

function nodeYaml(config: ServiceConfig, root: string): string {
  const dir = (name: string) => path.join(root, name);

  return `# Written by triggerx services up; edits are overwritten.
cluster_name: triggerx-local
num_tokens: 16
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "127.0.0.1:${config.cassandra.storagePort}"
listen_address: 127.0.0.1
rpc_address: 127.0.0.1
storage_port: ${config.cassandra.storagePort}
native_transport_port: ${config.cassandra.port}
start_native_transport: true
commitlog_sync: periodic
commitlog_sync_period: 10000ms
data_file_directories: [${dir("data")}]
commitlog_directory: ${dir("commitlog")}
saved_caches_directory: ${dir("saved_caches")}
hints_directory: ${dir("hints")}
cdc_raw_directory: ${dir("cdc_raw")}
# Tests truncate and drop keyspaces often; snapshots of them only fill disk.
auto_snapshot: false
authenticator: AllowAllAuthenticator
authorizer: AllowAllAuthorizer
`;
}

const LOGBACK_XML = `<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%-5level %date{ISO8601} [%thread] %logger{0}: %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="STDOUT"/></root>
</configuration>
`;

/**
 * Module exports and opens that Cassandra 5.0 needs on Java 17 (the same
 * set its own launcher passes): it reaches into JDK internals for off-heap
 * memory, direct buffers and JMX.
 */
const JAVA17_OPENS = [
  ["add-exports", "java.base/jdk.internal.misc"],
  ["add-exports", "java.base/jdk.internal.ref"],
  ["add-exports", "java.base/sun.nio.ch"],
  ["add-exports", "java.management.rmi/com.sun.jmx.remote.internal.rmi"],
  ["add-exports", "java.rmi/sun.rmi.registry"],
  ["add-exports", "java.rmi/sun.rmi.server"],
  ["add-exports", "java.sql/java.sql"],
  ["add-opens", "java.base/java.lang.module"],
  ["add-opens", "java.base/jdk.internal.loader"],
  ["add-opens", "java.base/jdk.internal.ref"],
  ["add-opens", "java.base/jdk.internal.reflect"],
  ["add-opens", "java.base/jdk.internal.math"],
  ["add-opens", "java.base/jdk.internal.module"],
  ["add-opens", "java.base/jdk.internal.util.jar"],
  ["add-opens", "jdk.management/com.sun.management.internal"],
  ["add-opens", "java.base/sun.nio.ch"],
  ["add-opens", "java.base/java.io"],
  ["add-opens", "java.base/java.nio"],
  ["add-opens", "java.base/java.util.concurrent"],
  ["add-opens", "java.base/java.util"],
  ["add-opens", "java.base/java.util.concurrent.atomic"],
  ["add-opens", "java.base/java.lang"],
  ["add-opens", "java.base/java.math"],
  ["add-opens", "java.base/java.lang.reflect"],
  ["add-opens", "java.base/java.net"],
].map(([flag, target]) => `--${flag}=${target}=ALL-UNNAMED`);

/** The command line that starts the node with this configuration. */
export function cassandraCommand(config: ServiceConfig): DetachedCommand {
  const confDir = writeCassandraConfig(config);
  const lib = path.join(cassandraHome(config), "lib");
  const heap = `${config.cassandra.heapMb}m`;
  const classpath = [
    confDir,
    ...readdirSync(lib).map((jar) => path.join(lib, jar)),
  ].join(":");

  return {
    command: javaCommand(),
    argv: [
      `-Xms${heap}`,
      `-Xmx${heap}`,
      "-XX:+UseG1GC",
      "-XX:+HeapDumpOnOutOfMemoryError",
      `-XX:HeapDumpPath=${path.join(config.dataDir, "cassandra")}`,
      "-Djdk.attach.allowAttachSelf=true",
      ...JAVA17_OPENS,
      `-Dcassandra.config=file://${path.join(confDir, "cassandra.yaml")}`,
      `-Dlogback.configurationFile=file://${path.join(confDir, "logback.xml")}`,
      `-Dcassandra.storagedir=${path.join(config.dataDir, "cassandra")}`,
      `-Dcassandra.jmx.local.port=${config.cassandra.jmxPort}`,
      "-Dcassandra-foreground=yes",
      // A single node has no ring to wait for.
      "-Dcassandra.skip_wait_for_gossip_to_settle=0",
      "-cp",
      classpath,
      "org.apache.cassandra.service.CassandraDaemon",
    ],
    logPath: logFile(config, "cassandra"),
    pidPath: pidFile(config, "cassandra"),
  };
}

/** Healthy means the native protocol answers a query on `system.local`. */
export async function isCassandraHealthy(
  config: ServiceConfig,
): Promise<boolean> {
  const client = new Client({
    contactPoints: [`127.0.0.1:${config.cassandra.port}`],
    localDataCenter: "datacenter1",
    socketOptions: { connectTimeout: 2_000, readTimeout: 4_000 },
  });

  try {
    const result = await client.execute(
      "SELECT release_version FROM system.local",
    );
    return result.rows.length === 1;
  } finally {
    await client.shutdown();
  }
}
