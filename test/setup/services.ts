import { resolveServiceConfig } from "../../services/config";
import { servicesUp } from "../../services/manager";
import { terminalProgress } from "../../services/progress";

/**
 * Jest's global setup: makes sure Temporal and Cassandra are up (provisioned
 * and started by the project's own commands, reused when already healthy),
 * and tells the suites where they are.
 */
export default async function setup(): Promise<void> {
  const config = resolveServiceConfig();
  await servicesUp(config, terminalProgress());

  process.env.TRIGGERX_TEMPORAL_ADDRESS = `127.0.0.1:${config.temporal.port}`;
  // Workers without workflows warn about it at every start; tests start many.
  process.env.TRIGGERX_TEMPORAL_LOG_LEVEL ??= "ERROR";
  process.env.TRIGGERX_CASSANDRA_CONTACT_POINTS = `127.0.0.1:${config.cassandra.port}`;
}
