// URL and URLSearchParams for the script: the WHATWG shapes, with a parser
// that covers absolute and relative URLs of hierarchical schemes.
(function triggerxUrl() {
  "use strict";
  const defaultPorts = {
    "http:": "80",
    "https:": "443",
    "ws:": "80",
    "wss:": "443",
    "ftp:": "21",
  };
  const absolute = /^([a-zA-Z][a-zA-Z0-9+.-]*:)(.*)$/;
  const authority = /^\/\/([^/?#]*)(.*)$/;

  const encodeForm = (s) =>
    encodeURIComponent(s)
      .replace(/%20/g, "+")
      .replace(
        /[!'()~]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      );
  const decodeForm = (s) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, " "));
    } catch {
      return s;
    }
  };
  const encodePart = (s, keep) => s.replace(keep, (c) => encodeURIComponent(c));

  class URLSearchParams {
    #list = [];
    #url = null;
    constructor(init = "") {
      if (typeof init === "object" && init !== null) {
        const pairs = Symbol.iterator in init ? init : Object.entries(init);
        for (const pair of pairs) {
          const [k, v] = [...pair];
          this.#list.push([String(k), String(v)]);
        }
      } else this.#parse(String(init));
    }
    #parse(text) {
      this.#list = [];
      const s = text.startsWith("?") ? text.slice(1) : text;
      for (const part of s.split("&")) {
        if (!part) continue;
        const eq = part.indexOf("=");
        const k = eq < 0 ? part : part.slice(0, eq);
        const v = eq < 0 ? "" : part.slice(eq + 1);
        this.#list.push([decodeForm(k), decodeForm(v)]);
      }
    }
    static __bind(params, url, search) {
      params.#url = url;
      params.#parse(search);
    }
    #update() {
      if (this.#url) this.#url.__setSearch(this.toString());
    }
    get size() {
      return this.#list.length;
    }
    append(k, v) {
      this.#list.push([String(k), String(v)]);
      this.#update();
    }
    delete(k, v) {
      this.#list = this.#list.filter(
        ([a, b]) => a !== String(k) || (v !== undefined && b !== String(v)),
      );
      this.#update();
    }
    get(k) {
      const hit = this.#list.find(([a]) => a === String(k));
      return hit ? hit[1] : null;
    }
    getAll(k) {
      return this.#list.filter(([a]) => a === String(k)).map(([, b]) => b);
    }
    has(k, v) {
      return this.#list.some(
        ([a, b]) => a === String(k) && (v === undefined || b === String(v)),
      );
    }
    set(k, v) {
      const key = String(k);
      const i = this.#list.findIndex(([a]) => a === key);
      if (i < 0) this.#list.push([key, String(v)]);
      else {
        this.#list[i] = [key, String(v)];
        this.#list = this.#list.filter(([a], j) => a !== key || j <= i);
      }
      this.#update();
    }
    sort() {
      this.#list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      this.#update();
    }
    forEach(fn, thisArg) {
      for (const [k, v] of this.#list) fn.call(thisArg, v, k, this);
    }
    *entries() {
      yield* this.#list.map(([k, v]) => [k, v]);
    }
    *keys() {
      for (const [k] of this.#list) yield k;
    }
    *values() {
      for (const [, v] of this.#list) yield v;
    }
    [Symbol.iterator]() {
      return this.entries();
    }
    toString() {
      return this.#list
        .map(([k, v]) => `${encodeForm(k)}=${encodeForm(v)}`)
        .join("&");
    }
  }

  function removeDots(path) {
    const out = [];
    const segments = path.split("/");
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i];
      const last = i === segments.length - 1;
      if (seg === "..") {
        if (out.length > 1) out.pop();
        if (last) out.push("");
      } else if (seg === ".") {
        if (last) out.push("");
      } else out.push(seg);
    }
    return out.join("/");
  }

  function splitRest(rest) {
    const hashAt = rest.indexOf("#");
    const hash = hashAt < 0 ? "" : rest.slice(hashAt);
    const beforeHash = hashAt < 0 ? rest : rest.slice(0, hashAt);
    const queryAt = beforeHash.indexOf("?");
    const search = queryAt < 0 ? "" : beforeHash.slice(queryAt);
    const path = queryAt < 0 ? beforeHash : beforeHash.slice(0, queryAt);
    return {
      path,
      search: search === "?" ? "" : search,
      hash: hash === "#" ? "" : hash,
    };
  }

  function parseAuthority(text, protocol) {
    const at = text.lastIndexOf("@");
    const userinfo = at < 0 ? "" : text.slice(0, at);
    const hostport = at < 0 ? text : text.slice(at + 1);
    const colon = userinfo.indexOf(":");
    const username = colon < 0 ? userinfo : userinfo.slice(0, colon);
    const password = colon < 0 ? "" : userinfo.slice(colon + 1);
    const m = /^(\[[0-9a-fA-F:.]+\]|[^:]*)(?::(\d*))?$/.exec(hostport);
    if (!m) throw new TypeError(`Invalid URL host: ${hostport}`);
    const hostname = m[1].toLowerCase();
    if (/[\s<>^|%]/.test(hostname) || (!hostname && protocol in defaultPorts)) {
      throw new TypeError(`Invalid URL host: ${hostport}`);
    }
    let port = m[2] ?? "";
    if (port) port = String(Number(port));
    if (Number(port) > 65535) throw new TypeError(`Invalid URL port: ${port}`);
    if (defaultPorts[protocol] === port) port = "";
    return { username, password, hostname, port };
  }

  function parse(input, base) {
    const text = String(input).trim();
    const m = absolute.exec(text);
    if (m) {
      const protocol = m[1].toLowerCase();
      let rest = m[2].replace(/\\/g, protocol in defaultPorts ? "/" : "\\");
      const auth = authority.exec(rest);
      if (
        !auth &&
        protocol in defaultPorts &&
        base &&
        base.protocol === protocol
      )
        return parse(rest, base);
      if (!auth) {
        const parts = splitRest(rest);
        if (protocol in defaultPorts)
          throw new TypeError(`Invalid URL: ${text}`);
        return {
          protocol,
          username: "",
          password: "",
          hostname: "",
          port: "",
          opaque: true,
          ...parts,
        };
      }
      rest = auth[2];
      const parts = splitRest(rest);
      const path = parts.path || (protocol in defaultPorts ? "/" : "");
      return {
        protocol,
        ...parseAuthority(auth[1], protocol),
        ...parts,
        path: removeDots(path),
      };
    }
    if (!base) throw new TypeError(`Invalid URL: ${text}`);
    const b = base;
    if (text.startsWith("//")) return parse(b.protocol + text);
    const parts = splitRest(text);
    let path = b.path;
    let search = parts.search;
    if (parts.path.startsWith("/")) path = parts.path;
    else if (parts.path)
      path = b.path.slice(0, b.path.lastIndexOf("/") + 1) + parts.path;
    else if (!text.startsWith("?"))
      search = text.startsWith("#") ? b.search : parts.search || b.search;
    return { ...b, path: removeDots(path), search, hash: parts.hash };
  }

  class URL {
    #r;
    #params = new URLSearchParams();
    constructor(input, base) {
      const baseRecord = base === undefined ? undefined : new URL(base).#r;
      this.#r = parse(input, baseRecord);
      this.#r.path = encodePart(this.#r.path, /[\s"<>`{}]/g);
      this.#r.search = encodePart(this.#r.search, /[\s"<>`]/g);
      URLSearchParams.__bind(this.#params, this, this.#r.search);
    }
    static canParse(input, base) {
      try {
        new URL(input, base);
        return true;
      } catch {
        return false;
      }
    }
    __setSearch(query) {
      this.#r.search = query ? `?${query}` : "";
    }
    get protocol() {
      return this.#r.protocol;
    }
    get username() {
      return this.#r.username;
    }
    get password() {
      return this.#r.password;
    }
    get hostname() {
      return this.#r.hostname;
    }
    get port() {
      return this.#r.port;
    }
    get host() {
      return this.#r.port
        ? `${this.#r.hostname}:${this.#r.port}`
        : this.#r.hostname;
    }
    get origin() {
      return this.#r.protocol in defaultPorts
        ? `${this.#r.protocol}//${this.host}`
        : "null";
    }
    get pathname() {
      return this.#r.path;
    }
    set pathname(v) {
      const p = String(v);
      this.#r.path = removeDots(p.startsWith("/") ? p : `/${p}`);
    }
    get search() {
      return this.#r.search;
    }
    set search(v) {
      const s = String(v);
      this.#r.search = s && s !== "?" ? (s.startsWith("?") ? s : `?${s}`) : "";
      URLSearchParams.__bind(this.#params, this, this.#r.search);
    }
    get searchParams() {
      return this.#params;
    }
    get hash() {
      return this.#r.hash;
    }
    set hash(v) {
      const s = String(v);
      this.#r.hash = s && s !== "#" ? (s.startsWith("#") ? s : `#${s}`) : "";
    }
    get href() {
      const r = this.#r;
      if (r.opaque) return `${r.protocol}${r.path}${r.search}${r.hash}`;
      const auth = r.username
        ? `${r.username}${r.password ? `:${r.password}` : ""}@`
        : "";
      return `${r.protocol}//${auth}${this.host}${r.path}${r.search}${r.hash}`;
    }
    toString() {
      return this.href;
    }
    toJSON() {
      return this.href;
    }
  }
  return { URL, URLSearchParams };
});
