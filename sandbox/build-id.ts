import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/**
 * Version of the host bridge: the guest prelude under `sandbox/guest/` and
 * the host functions of `engine.ts`. Bump it whenever either changes what a
 * script can observe, so that records name the build they need.
 */
export const HOST_BRIDGE_VERSION = "triggerx-sandbox/1";

let cached: string | undefined;

/**
 * The runtime build a record names: the SHA-256 of the QuickJS WebAssembly
 * binary and the host-bridge version, as
 * `quickjs-wasm-sha256:<hex>+triggerx-sandbox/1`.
 */
export function runtimeBuildId(): string {
  if (cached) return cached;

  const wasm = readFileSync(
    require.resolve("@jitl/quickjs-wasmfile-release-sync/wasm"),
  );
  const digest = createHash("sha256").update(wasm).digest("hex");
  cached = `quickjs-wasm-sha256:${digest}+${HOST_BRIDGE_VERSION}`;
  return cached;
}
