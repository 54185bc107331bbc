import type { RunInputs } from "./types";

/**
 * The environment a script sees as `process.env` (DESIGN section 2): the
 * run's ids and time, one `TRIGGERX_STORAGE_<key>` per stored key, the whole
 * storage as `TRIGGERX_STORAGE`, and one `SECRET_<NAME>` per secret.
 * Keys are sorted so that the object is built the same way on every host.
 *
 * @example
 * buildEnv({ jobId: "1", taskId: "2", executionId: "e", timestamp: 1700000000,
 *   chainId: "1", storage: { n: "3" }, secrets: {} }).TRIGGERX_STORAGE_n // "3"
 */
export function buildEnv(inputs: RunInputs): Record<string, string> {
  const env: Record<string, string> = {
    TRIGGERX_JOB_ID: inputs.jobId,
    TRIGGERX_TASK_ID: inputs.taskId,
    TRIGGERX_EXECUTION_ID: inputs.executionId,
    TRIGGERX_TIMESTAMP: String(inputs.timestamp),
    TRIGGERX_CHAIN_ID: inputs.chainId,
  };

  const keys = Object.keys(inputs.storage).sort();
  const storage: Record<string, string> = {};
  for (const key of keys) {
    const value = inputs.storage[key] as string;
    // `__proto__` is a valid storage key; plain assignment would not keep it.
    Object.defineProperty(storage, key, { value, enumerable: true });
    env[`TRIGGERX_STORAGE_${key}`] = value;
  }
  env.TRIGGERX_STORAGE = JSON.stringify(storage);

  for (const name of Object.keys(inputs.secrets).sort()) {
    env[`SECRET_${name}`] = inputs.secrets[name] as string;
  }

  return env;
}
