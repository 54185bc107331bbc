// crypto.getRandomValues, crypto.randomUUID and structuredClone for the
// script. Random bytes come from the run's seeded stream, never the host's
// entropy, so a replay draws the same values.
(function triggerxCrypto(api) {
  "use strict";
  const integerArrays = [
    Int8Array,
    Uint8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    BigInt64Array,
    BigUint64Array,
  ];

  function getRandomValues(array) {
    if (!integerArrays.some((T) => array instanceof T)) {
      throw new TypeError(
        "The data argument must be an integer-type TypedArray",
      );
    }
    if (array.byteLength > 65536) {
      throw new RangeError(
        `The ArrayBufferView's byte length (${array.byteLength}) exceeds the number of bytes of entropy available (65536)`,
      );
    }
    const bytes = api.load("random").randomBytes(array.byteLength);
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(bytes);
    return array;
  }

  function randomUUID() {
    const b = api.load("random").randomBytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function structuredClone(value) {
    const seen = new Map();
    const clone = (v) => {
      if (typeof v === "function" || typeof v === "symbol") {
        throw new TypeError(`${String(v)} could not be cloned.`);
      }
      if (v === null || typeof v !== "object") return v;
      if (seen.has(v)) return seen.get(v);
      let out;
      if (v instanceof Date) out = new Date(v.getTime());
      else if (v instanceof RegExp) out = new RegExp(v.source, v.flags);
      else if (v instanceof ArrayBuffer) out = v.slice(0);
      else if (ArrayBuffer.isView(v))
        out = new v.constructor(
          v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength),
        );
      else if (v instanceof Map) {
        out = new Map();
        seen.set(v, out);
        for (const [k, x] of v) out.set(clone(k), clone(x));
        return out;
      } else if (v instanceof Set) {
        out = new Set();
        seen.set(v, out);
        for (const x of v) out.add(clone(x));
        return out;
      } else if (v instanceof Error) {
        out = new v.constructor(v.message);
      } else {
        out = Array.isArray(v) ? [] : {};
        seen.set(v, out);
        for (const k of Object.keys(v)) out[k] = clone(v[k]);
        return out;
      }
      seen.set(v, out);
      return out;
    };
    return clone(value);
  }

  const crypto = Object.freeze({ getRandomValues, randomUUID });
  return { crypto, structuredClone };
});
