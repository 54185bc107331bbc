import type { AddressInfo } from "node:net";
import { createApp } from "./app";
import type { ApiDeps } from "./config";

/** Options of {@link startApiServer}: the app's dependencies and where to listen. */
export type ApiServerOptions = ApiDeps & {
  /** Interface to listen on; loopback by default. */
  host?: string;
  /** Port; 0 (the default) picks a free one. */
  port?: number;
};

/** A running API server. */
export interface ApiServer {
  /** `http://host:port` it listens at. */
  url: string;
  /** Stops listening and ends open connections; the deps stay open. */
  close(): Promise<void>;
}

/**
 * Starts the API on a port.
 *
 * @example
 * const api = await startApiServer({ cassandra, temporal, content, config, port: 8080 });
 * console.log(api.url); // http://127.0.0.1:8080
 * await api.close();
 */
export async function startApiServer(
  options: ApiServerOptions,
): Promise<ApiServer> {
  const host = options.host ?? "127.0.0.1";
  const app = createApp(options);
  const server = app.listen(options.port ?? 0, host);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });

  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
