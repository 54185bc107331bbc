import type { Client } from "cassandra-driver";

/** A keeper or validator that announced itself to the network. */
export type KeeperRow = {
  address: string;
  role: "keeper" | "validator";
  taskQueue: string;
  status: "active" | "draining" | "offline";
  lastSeenAt: Date;
};

/**
 * Records that a keeper is alive and which task queue its worker polls.
 * Keepers call it at start and then every few seconds; the orchestrator
 * only hands tasks to keepers seen recently.
 */
export async function announceKeeper(
  client: Client,
  keeper: Omit<KeeperRow, "lastSeenAt">,
): Promise<void> {
  const now = new Date();
  await client.execute(
    "UPDATE keepers SET role = ?, task_queue = ?, status = ?, last_seen_at = ?, registered_at = ? WHERE keeper_address = ?",
    [
      keeper.role,
      keeper.taskQueue,
      keeper.status,
      now,
      now,
      keeper.address.toLowerCase(),
    ],
  );
}

/** Every keeper and validator, in no particular order. */
export async function listKeepers(client: Client): Promise<KeeperRow[]> {
  // A full scan is fine here: the table holds one row per operator.
  const result = await client.execute(
    "SELECT keeper_address, role, task_queue, status, last_seen_at FROM keepers",
  );
  return result.rows.map((row) => ({
    address: row.keeper_address,
    role: row.role,
    taskQueue: row.task_queue,
    status: row.status,
    lastSeenAt: row.last_seen_at,
  }));
}

/**
 * Keepers that are active and were seen within `freshMs`, sorted by
 * address so every orchestrator rotates through them in the same order.
 */
export async function listHealthyKeepers(
  client: Client,
  freshMs = 15_000,
  now = Date.now(),
): Promise<KeeperRow[]> {
  const keepers = await listKeepers(client);
  return keepers
    .filter(
      (keeper) =>
        keeper.role === "keeper" &&
        keeper.status === "active" &&
        now - keeper.lastSeenAt.getTime() <= freshMs,
    )
    .sort((a, b) => a.address.localeCompare(b.address));
}

/** Whether an address announced itself as a keeper or validator. */
export async function isRegisteredKeeper(
  client: Client,
  address: string,
): Promise<boolean> {
  const result = await client.execute(
    "SELECT keeper_address FROM keepers WHERE keeper_address = ?",
    [address.toLowerCase()],
  );
  return result.rowLength > 0;
}
