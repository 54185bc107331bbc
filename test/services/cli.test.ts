import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const bin = path.resolve(__dirname, "../../bin/triggerx.js");

function triggerx(args: string[]) {
  const run = spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function listen(): Promise<net.Server> {
  return new Promise((resolve) => {
    const server = net.createServer((socket) => socket.destroy());
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

function portOf(server: net.Server): number {
  return (server.address() as net.AddressInfo).port;
}

describe("triggerx services", () => {
  it("reports both services healthy with where they listen and log", () => {
    const status = triggerx(["services", "status", "--json"]);

    expect(status.code).toBe(0);
    const services = JSON.parse(status.stdout);
    expect(services.map((s: { name: string }) => s.name)).toEqual([
      "temporal",
      "cassandra",
    ]);
    for (const service of services) {
      expect(service).toMatchObject({ running: true, healthy: true });
      expect(service.log).toMatch(/logs\/\w+\.log$/);
    }
  });

  it("is a no-op when everything already runs", () => {
    const up = triggerx(["services", "up"]);

    expect(up.code).toBe(0);
    expect(up.stderr).toContain("temporal: already running");
    expect(up.stderr).toContain("cassandra: already running");
    expect(up.stderr).not.toContain("provisioned");
  });

  it("refuses a taken port and leaves nothing half-started", async () => {
    const taken = await listen();
    const free = await listen();
    const temporalPort = portOf(free);
    const uiPort = temporalPort === 65_535 ? 65_534 : temporalPort + 1;
    await new Promise((resolve) => free.close(resolve));
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "triggerx-services-"));

    try {
      const up = triggerx([
        "services",
        "up",
        "--data-dir",
        dataDir,
        "--temporal-port",
        String(temporalPort),
        "--temporal-ui-port",
        String(uiPort),
        "--cassandra-port",
        String(portOf(taken)),
      ]);

      expect(up.code).toBe(1);
      expect(up.stderr).toContain(
        `error SERVICE_PORT_TAKEN: cassandra: port ${portOf(taken)} on 127.0.0.1 is already in use by another process`,
      );
      expect(up.stderr).toContain("temporal: stopping after the failed start");
      const status = triggerx([
        "services",
        "status",
        "--json",
        "--data-dir",
        dataDir,
      ]);
      for (const service of JSON.parse(status.stdout)) {
        expect(service.running).toBe(false);
      }
    } finally {
      taken.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
