import type { Client } from "cassandra-driver";
import { compareAndSetStorage, readStorage } from "../../store/storage";
import { freshKeyspace } from "../setup/cassandra";

describe("job storage in Cassandra", () => {
  let client: Client;

  beforeAll(async () => {
    client = await freshKeyspace("test_store_storage");
  });

  afterAll(async () => {
    await client.shutdown();
  });

  it("reads back what a run wrote, at the next version", async () => {
    const swap = await compareAndSetStorage(client, {
      jobId: 1n,
      expectedVersion: 0,
      updates: { lastPrice: "1999.5", executionCount: "1" },
      before: {},
      executionId: "exec-1",
    });

    expect(swap).toEqual({ applied: true, version: 1 });
    expect(await readStorage(client, 1n)).toEqual({
      version: 1,
      values: { lastPrice: "1999.5", executionCount: "1" },
    });
  });

  it("refuses updates from a run that read a stale version", async () => {
    const first = await compareAndSetStorage(client, {
      jobId: 2n,
      expectedVersion: 0,
      updates: { counter: "1" },
      before: {},
      executionId: "exec-a",
    });
    const stale = await compareAndSetStorage(client, {
      jobId: 2n,
      expectedVersion: 0,
      updates: { counter: "99" },
      before: {},
      executionId: "exec-b",
    });

    expect(first.applied).toBe(true);
    expect(stale).toEqual({ applied: false, currentVersion: 1 });
    expect((await readStorage(client, 2n)).values).toEqual({ counter: "1" });
  });

  it("deletes keys set to null and keeps every version's snapshot", async () => {
    await compareAndSetStorage(client, {
      jobId: 3n,
      expectedVersion: 0,
      updates: { a: "1", b: "2" },
      before: {},
      executionId: "exec-1",
    });
    await compareAndSetStorage(client, {
      jobId: 3n,
      expectedVersion: 1,
      updates: { a: null, c: "3" },
      before: { a: "1", b: "2" },
      executionId: "exec-2",
    });

    expect(await readStorage(client, 3n)).toEqual({
      version: 2,
      values: { b: "2", c: "3" },
    });
    const history = await client.execute(
      "SELECT storage_version, snapshot FROM script_storage_history WHERE job_id = 3",
    );
    expect(
      history.rows.map((row) => [row.storage_version.toNumber(), row.snapshot]),
    ).toEqual([
      [2, '{"b":"2","c":"3"}'],
      [1, '{"a":"1","b":"2"}'],
    ]);
  });
});
