// fetch, Headers, Request, Response and AbortController for the script.
// Every request goes to the host, which performs it (or, in a replay,
// serves it from the transcript) and answers through __deliver or __fail.
(function triggerxFetch(api) {
  "use strict";
  const { TextEncoder, TextDecoder } = api.load("encoding");
  const { URL, URLSearchParams } = api.load("url");
  const hostFetch = api.host.fetch;
  const pending = new Map();

  class Headers {
    #map = new Map();
    constructor(init) {
      if (init instanceof Headers) {
        for (const [k, v] of init) this.append(k, v);
      } else if (init && typeof init === "object") {
        const pairs = Symbol.iterator in init ? init : Object.entries(init);
        for (const pair of pairs) {
          const [k, v] = [...pair];
          this.append(k, v);
        }
      }
    }
    #name(name) {
      const n = String(name).toLowerCase();
      if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(n))
        throw new TypeError(`Invalid header name: ${name}`);
      return n;
    }
    append(name, value) {
      const n = this.#name(name);
      const v = String(value).trim();
      const old = this.#map.get(n);
      this.#map.set(n, old === undefined ? v : `${old}, ${v}`);
    }
    set(name, value) {
      this.#map.set(this.#name(name), String(value).trim());
    }
    get(name) {
      return this.#map.get(this.#name(name)) ?? null;
    }
    has(name) {
      return this.#map.has(this.#name(name));
    }
    delete(name) {
      this.#map.delete(this.#name(name));
    }
    forEach(fn, thisArg) {
      for (const [k, v] of this) fn.call(thisArg, v, k, this);
    }
    *entries() {
      yield* [...this.#map.entries()].sort(([a], [b]) =>
        a < b ? -1 : a > b ? 1 : 0,
      );
    }
    *keys() {
      for (const [k] of this.entries()) yield k;
    }
    *values() {
      for (const [, v] of this.entries()) yield v;
    }
    [Symbol.iterator]() {
      return this.entries();
    }
  }

  function bodyBytes(body) {
    if (body === undefined || body === null) return null;
    if (typeof body === "string") return new TextEncoder().encode(body);
    if (body instanceof URLSearchParams)
      return new TextEncoder().encode(body.toString());
    if (body instanceof ArrayBuffer) return new Uint8Array(body.slice(0));
    if (ArrayBuffer.isView(body))
      return new Uint8Array(
        body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength),
      );
    return new TextEncoder().encode(String(body));
  }

  function contentType(body) {
    if (typeof body === "string") return "text/plain;charset=UTF-8";
    if (body instanceof URLSearchParams)
      return "application/x-www-form-urlencoded;charset=UTF-8";
    return null;
  }

  class Body {
    #bytes;
    #used = false;
    constructor(bytes) {
      this.#bytes = bytes;
    }
    get bodyUsed() {
      return this.#used;
    }
    get body() {
      return this.#bytes;
    }
    #take() {
      if (this.#used)
        return Promise.reject(new TypeError("Body has already been consumed"));
      this.#used = true;
      return Promise.resolve(this.#bytes ?? new Uint8Array(0));
    }
    arrayBuffer() {
      return this.#take().then((b) =>
        b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength),
      );
    }
    bytes() {
      return this.#take().then((b) => new Uint8Array(b));
    }
    text() {
      return this.#take().then((b) => new TextDecoder().decode(b));
    }
    json() {
      return this.text().then((t) => JSON.parse(t));
    }
  }

  class AbortSignal {
    aborted = false;
    reason = undefined;
    onabort = null;
    #listeners = [];
    static abort(reason) {
      const c = new AbortController();
      c.abort(reason);
      return c.signal;
    }
    static timeout(ms) {
      const c = new AbortController();
      setTimeout(() => c.abort(new Error("The operation timed out")), ms);
      return c.signal;
    }
    addEventListener(type, fn) {
      if (type === "abort") this.#listeners.push(fn);
    }
    removeEventListener(_type, fn) {
      this.#listeners = this.#listeners.filter((f) => f !== fn);
    }
    throwIfAborted() {
      if (this.aborted) throw this.reason;
    }
    __abort(reason) {
      if (this.aborted) return;
      this.aborted = true;
      this.reason = reason ?? new Error("This operation was aborted");
      if (this.reason instanceof Error) this.reason.name = "AbortError";
      const event = { type: "abort", target: this };
      if (typeof this.onabort === "function") this.onabort(event);
      for (const fn of this.#listeners) fn(event);
    }
  }
  class AbortController {
    signal = new AbortSignal();
    abort(reason) {
      this.signal.__abort(reason);
    }
  }

  class Request extends Body {
    constructor(input, init = {}) {
      const from = input instanceof Request ? input : null;
      const method = String(init.method ?? from?.method ?? "GET").toUpperCase();
      const body =
        init.body !== undefined ? bodyBytes(init.body) : (from?.body ?? null);
      if (body && (method === "GET" || method === "HEAD")) {
        throw new TypeError("Request with GET/HEAD method cannot have body.");
      }
      super(body);
      this.url = new URL(from ? from.url : String(input)).href;
      this.method = method;
      this.headers = new Headers(init.headers ?? from?.headers);
      const type = contentType(init.body);
      if (type && !this.headers.has("content-type"))
        this.headers.set("content-type", type);
      this.signal = init.signal ?? from?.signal ?? new AbortSignal();
      this.redirect = init.redirect ?? "follow";
    }
    clone() {
      return new Request(this);
    }
  }

  class Response extends Body {
    constructor(body = null, init = {}) {
      super(bodyBytes(body));
      this.status = init.status ?? 200;
      this.statusText = init.statusText ?? "";
      this.headers = new Headers(init.headers);
      const type = contentType(body);
      if (type && !this.headers.has("content-type"))
        this.headers.set("content-type", type);
      this.url = init.url ?? "";
      this.redirected = Boolean(init.redirected);
      this.type = "basic";
    }
    get ok() {
      return this.status >= 200 && this.status < 300;
    }
    clone() {
      return new Response(this.body, this);
    }
    static json(data, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has("content-type"))
        headers.set("content-type", "application/json");
      return new Response(JSON.stringify(data), { ...init, headers });
    }
    static error() {
      return new Response(null, { status: 0 });
    }
  }

  function fetch(input, init) {
    let request;
    try {
      request = new Request(input, init);
    } catch (error) {
      return Promise.reject(error);
    }
    // TODO(sandbox): a signal that aborts after the request was sent is
    // ignored; the host would have to cancel it and record the cancellation.
    if (request.signal.aborted) return Promise.reject(request.signal.reason);
    const meta = JSON.stringify({
      method: request.method,
      url: request.url,
      headers: [...request.headers],
    });
    const body = request.body;
    const id = hostFetch(
      meta,
      body
        ? body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)
        : undefined,
    );
    return new Promise((resolve, reject) =>
      pending.set(id, { resolve, reject }),
    );
  }

  function __deliver(id, metaJson, body) {
    const waiter = pending.get(id);
    if (!waiter) return;
    pending.delete(id);
    const meta = JSON.parse(metaJson);
    waiter.resolve(new Response(new Uint8Array(body), meta));
  }
  function __fail(id, message) {
    const waiter = pending.get(id);
    if (!waiter) return;
    pending.delete(id);
    waiter.reject(new TypeError(message));
  }

  return {
    fetch,
    Headers,
    Request,
    Response,
    AbortController,
    AbortSignal,
    __deliver,
    __fail,
  };
});
