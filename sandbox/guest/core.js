// The part of the script's world that every run needs, evaluated inside
// QuickJS before the script. It is one function expression: the host calls
// it with its bridge and the run's configuration and keeps the control
// object it returns. Heavier web APIs (fetch, URL, TextEncoder, crypto...)
// are defined as lazy globals and loaded on first use, because QuickJS
// parses every function body eagerly and a fresh runtime pays for each byte.
(function triggerxCore(host, configJson) {
  "use strict";
  const G = globalThis;
  const config = JSON.parse(configJson);
  const geval = G.eval;
  const hostLog = host.log;
  const hostSource = host.source;

  // Garbage collection is not deterministic; nothing may observe it.
  delete G.WeakRef;
  delete G.FinalizationRegistry;

  // Console: captured by the host, line by line. Strings pass as they are;
  // anything else is formatted by the inspect module, loaded on first use.
  const consoleObject = {};
  for (const level of ["log", "info", "warn", "error", "debug"]) {
    consoleObject[level] = (...args) => {
      const plain = args.every((a) => typeof a === "string");
      const text = plain ? args.join(" ") : load("inspect").format(args);
      // The length lets the host refuse a huge line without copying it.
      hostLog(level, text, text.length);
    };
  }
  G.console = consoleObject;

  // The environment of DESIGN section 2, and nothing else of a process.
  const env = Object.create(null);
  for (const [k, v] of Object.entries(config.env)) env[k] = v;
  G.process = Object.freeze({ env: Object.freeze(env) });

  G.queueMicrotask = (fn) => {
    void Promise.resolve().then(() => fn());
  };

  // Everything else loads on first use, from the globals it defines.
  const loaded = Object.create(null);
  const api = { load, host, config, RealDate: Date };
  const define = (target, k, value) =>
    Object.defineProperty(target, k, {
      value,
      writable: true,
      configurable: true,
    });
  function load(name) {
    if (!loaded[name]) {
      loaded[name] = geval(hostSource(name))(api);
      for (const k of lazy[name]) define(G, k, loaded[name][k]);
    }
    return loaded[name];
  }
  const lazy = {
    clock: [
      "Date",
      "setTimeout",
      "setInterval",
      "clearTimeout",
      "clearInterval",
    ],
    random: [],
    inspect: [],
    encoding: ["TextEncoder", "TextDecoder", "atob", "btoa", "DOMException"],
    url: ["URL", "URLSearchParams"],
    fetch: [
      "fetch",
      "Headers",
      "Request",
      "Response",
      "AbortController",
      "AbortSignal",
    ],
    crypto: ["crypto", "structuredClone"],
  };
  for (const [name, globals] of Object.entries(lazy)) {
    for (const k of globals) {
      Object.defineProperty(G, k, {
        configurable: true,
        get: () => load(name)[k],
        set: (v) => define(G, k, v),
      });
    }
  }
  Object.defineProperty(Math, "random", {
    configurable: true,
    get: () => {
      const { random } = load("random");
      define(Math, "random", random);
      return random;
    },
    set: (v) => define(Math, "random", v),
  });

  const stringify = JSON.stringify;
  return {
    hasTimers: () => (loaded.clock ? loaded.clock.__hasTimers() : false),
    fireTimer: () => (loaded.clock ? loaded.clock.__fire() : false),
    deliver: (id, meta, body) => load("fetch").__deliver(id, meta, body),
    fail: (id, message) => load("fetch").__fail(id, message),
    settle(moduleResult) {
      return Promise.resolve(moduleResult).then((ns) => {
        const main = ns?.default;
        if (typeof main !== "function") return { kind: "stdout" };
        return Promise.resolve(main()).then((value) => {
          const json = stringify(value === undefined ? null : value) ?? "null";
          return { kind: "default", json, length: json.length };
        });
      });
    },
  };
});
