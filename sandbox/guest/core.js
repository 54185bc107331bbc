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
  const hostRandom = host.random;

  // Garbage collection is not deterministic; nothing may observe it.
  delete G.WeakRef;
  delete G.FinalizationRegistry;

  // Virtual time: milliseconds since the epoch, moved only by timers.
  let now = config.time;
  const RealDate = Date;
  const utcIso = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?$/;
  const asUtc = (s) => (typeof s === "string" && utcIso.test(s) ? `${s}Z` : s);
  function VirtualDate(...args) {
    if (!new.target) return new RealDate(now).toString();
    let fields = args;
    if (args.length === 0) fields = [now];
    else if (args.length === 1) fields = [asUtc(args[0])];
    else fields = [RealDate.UTC(...args)];
    return Reflect.construct(RealDate, fields, new.target);
  }
  VirtualDate.prototype = RealDate.prototype;
  VirtualDate.now = () => now;
  VirtualDate.UTC = RealDate.UTC;
  VirtualDate.parse = (s) => RealDate.parse(asUtc(s));
  const proto = RealDate.prototype;
  Object.defineProperty(proto, "constructor", {
    value: VirtualDate,
    writable: true,
    configurable: true,
  });
  // Local time is UTC on every keeper.
  for (const f of ["FullYear", "Month", "Date", "Day", "Hours", "Minutes"]) {
    proto[`get${f}`] = proto[`getUTC${f}`];
    if (f !== "Day") proto[`set${f}`] = proto[`setUTC${f}`];
  }
  for (const f of ["Seconds", "Milliseconds"]) {
    proto[`get${f}`] = proto[`getUTC${f}`];
    proto[`set${f}`] = proto[`setUTC${f}`];
  }
  proto.getTimezoneOffset = () => 0;
  proto.toString = function dateString() {
    if (Number.isNaN(this.getTime())) return "Invalid Date";
    const u = this.toUTCString();
    const [day, date, month, year, time] = u.replace(",", "").split(" ");
    return `${day} ${month} ${date} ${year} ${time} GMT+0000 (Coordinated Universal Time)`;
  };
  proto.toDateString = function toDateString() {
    return this.toString().slice(0, 15);
  };
  proto.toTimeString = function toTimeString() {
    return this.toString().slice(16);
  };
  proto.toLocaleString = proto.toString;
  proto.toLocaleDateString = proto.toDateString;
  proto.toLocaleTimeString = proto.toTimeString;
  G.Date = VirtualDate;

  // Randomness: a byte stream the host derives from the execution id.
  let pool = new Uint8Array(0);
  let poolAt = 0;
  function randomBytes(n) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (poolAt === pool.length) {
        pool = new Uint8Array(hostRandom());
        poolAt = 0;
      }
      out[i] = pool[poolAt++];
    }
    return out;
  }
  Math.random = function random() {
    const b = randomBytes(7);
    let x = b[0] & 0x1f;
    for (let i = 1; i < 7; i++) x = x * 256 + b[i];
    return x / 2 ** 53;
  };

  // Virtual timers, fired in (time, creation) order when nothing else runs.
  const timers = [];
  let timerSeq = 0;
  function addTimer(fn, ms, args, every) {
    if (typeof fn !== "function")
      throw new TypeError("callback is not a function");
    const delay = Math.max(0, Math.floor(Number(ms) || 0));
    const timer = {
      id: ++timerSeq,
      at: now + delay,
      fn,
      args,
      every: every ? Math.max(1, delay) : 0,
    };
    insertTimer(timer);
    return timer.id;
  }
  function insertTimer(timer) {
    let i = timers.length;
    while (i > 0 && timers[i - 1].at > timer.at) i--;
    timers.splice(i, 0, timer);
  }
  function clearTimer(id) {
    const i = timers.findIndex((t) => t.id === id);
    if (i >= 0) timers.splice(i, 1);
  }
  G.setTimeout = (fn, ms, ...args) => addTimer(fn, ms, args, false);
  G.setInterval = (fn, ms, ...args) => addTimer(fn, ms, args, true);
  G.clearTimeout = clearTimer;
  G.clearInterval = clearTimer;
  G.queueMicrotask = (fn) => {
    void Promise.resolve().then(() => fn());
  };

  // Console: captured by the host, line by line.
  function show(value, depth) {
    if (typeof value === "string") return depth ? JSON.stringify(value) : value;
    if (typeof value === "bigint") return `${value}n`;
    if (typeof value === "function")
      return `[Function ${value.name || "anonymous"}]`;
    if (value === null || typeof value !== "object") return String(value);
    if (value instanceof Error)
      return value.stack ? `${value}\n${value.stack}` : String(value);
    if (depth > 2) return Array.isArray(value) ? "[Array]" : "[Object]";
    if (Array.isArray(value))
      return `[ ${value.map((v) => show(v, depth + 1)).join(", ")} ]`;
    const parts = Object.keys(value).map(
      (k) => `${k}: ${show(value[k], depth + 1)}`,
    );
    return parts.length ? `{ ${parts.join(", ")} }` : "{}";
  }
  const consoleObject = {};
  for (const level of ["log", "info", "warn", "error", "debug"]) {
    consoleObject[level] = (...args) => {
      const text = args.map((a) => show(a, 0)).join(" ");
      // The length lets the host refuse a huge line without copying it.
      hostLog(level, text, text.length);
    };
  }
  G.console = consoleObject;

  // The environment of DESIGN section 2, and nothing else of a process.
  const env = Object.create(null);
  for (const [k, v] of Object.entries(config.env)) env[k] = v;
  G.process = Object.freeze({ env: Object.freeze(env) });

  // Lazily loaded web APIs.
  const loaded = Object.create(null);
  const api = { randomBytes, load, host };
  function load(name) {
    if (!loaded[name]) {
      loaded[name] = geval(hostSource(name))(api);
      for (const [k, v] of Object.entries(loaded[name])) {
        if (k.startsWith("__")) continue;
        Object.defineProperty(G, k, {
          value: v,
          writable: true,
          configurable: true,
        });
      }
    }
    return loaded[name];
  }
  const lazy = {
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
        set: (v) => {
          Object.defineProperty(G, k, {
            value: v,
            writable: true,
            configurable: true,
          });
        },
      });
    }
  }

  const stringify = JSON.stringify;
  return {
    hasTimers: () => timers.length > 0,
    fireTimer() {
      const timer = timers.shift();
      if (!timer) return false;
      if (timer.at > now) now = timer.at;
      if (timer.every) {
        timer.at = now + timer.every;
        insertTimer(timer);
      }
      timer.fn(...timer.args);
      return true;
    },
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
