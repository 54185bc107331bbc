import { randomUUID } from "node:crypto";
import { Client, Connection } from "@temporalio/client";
import { NativeConnection, Worker } from "@temporalio/worker";

const address = process.env.TRIGGERX_TEMPORAL_ADDRESS ?? "127.0.0.1:7233";

describe("the local Temporal server", () => {
  let connection: Connection;
  let nativeConnection: NativeConnection;

  beforeAll(async () => {
    connection = await Connection.connect({ address });
    nativeConnection = await NativeConnection.connect({ address });
  });

  afterAll(async () => {
    await connection.close();
    await nativeConnection.close();
  });

  it("runs a workflow on a worker and keeps its history", async () => {
    const taskQueue = `services-test-${randomUUID()}`;
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowsPath: require.resolve("./fixtures/greeting-workflow"),
      activities: { greet: async (name: string) => `hello, ${name}` },
    });
    const client = new Client({ connection });

    const handle = await client.workflow.start("greetingWorkflow", {
      taskQueue,
      workflowId: `greeting-${randomUUID()}`,
      args: ["keeper"],
    });
    const result = await worker.runUntil(handle.result());

    expect(result).toBe("hello, keeper");
    const history = await handle.fetchHistory();
    const eventTypes = (history.events ?? []).map((event) => event.eventType);
    expect(eventTypes[0]).toBe(1); // WORKFLOW_EXECUTION_STARTED
    expect(eventTypes).toContain(12); // ACTIVITY_TASK_COMPLETED
    expect(eventTypes.at(-1)).toBe(2); // WORKFLOW_EXECUTION_COMPLETED
  });
});
