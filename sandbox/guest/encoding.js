// TextEncoder, TextDecoder (UTF-8 only), atob and btoa for the script.
(function triggerxEncoding() {
  "use strict";
  class TextEncoder {
    get encoding() {
      return "utf-8";
    }
    encode(input = "") {
      const s = String(input);
      const out = [];
      for (let i = 0; i < s.length; i++) {
        let c = s.charCodeAt(i);
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
          const d = s.charCodeAt(i + 1);
          if (d >= 0xdc00 && d <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            i++;
          }
        }
        if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
        if (c < 0x80) out.push(c);
        else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
        else if (c < 0x10000)
          out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
        else
          out.push(
            0xf0 | (c >> 18),
            0x80 | ((c >> 12) & 63),
            0x80 | ((c >> 6) & 63),
            0x80 | (c & 63),
          );
      }
      return new Uint8Array(out);
    }
    encodeInto(input, dest) {
      const bytes = this.encode(input);
      const n = Math.min(bytes.length, dest.length);
      dest.set(bytes.subarray(0, n));
      return { read: String(input).length, written: n };
    }
  }

  function toBytes(input) {
    if (input === undefined) return new Uint8Array(0);
    if (input instanceof ArrayBuffer) return new Uint8Array(input);
    if (ArrayBuffer.isView(input))
      return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    throw new TypeError("The input must be an ArrayBuffer or a view of one");
  }

  class TextDecoder {
    constructor(label = "utf-8", options = {}) {
      const name = String(label).toLowerCase();
      if (name !== "utf-8" && name !== "utf8")
        throw new RangeError(`The encoding "${label}" is not supported`);
      this.fatal = Boolean(options.fatal);
      this.ignoreBOM = Boolean(options.ignoreBOM);
    }
    get encoding() {
      return "utf-8";
    }
    decode(input) {
      const b = toBytes(input);
      let s = "";
      let i = 0;
      if (!this.ignoreBOM && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf)
        i = 3;
      const bad = () => {
        if (this.fatal)
          throw new TypeError("The encoded data was not valid utf-8");
        return 0xfffd;
      };
      const cont = (k) => k < b.length && (b[k] & 0xc0) === 0x80;
      const parts = [];
      while (i < b.length) {
        const c = b[i];
        let cp;
        let n = 1;
        if (c < 0x80) cp = c;
        else if (c >= 0xc2 && c < 0xe0 && cont(i + 1)) {
          cp = ((c & 31) << 6) | (b[i + 1] & 63);
          n = 2;
        } else if (c >= 0xe0 && c < 0xf0 && cont(i + 1) && cont(i + 2)) {
          cp = ((c & 15) << 12) | ((b[i + 1] & 63) << 6) | (b[i + 2] & 63);
          n = 3;
          if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) cp = bad();
        } else if (
          c >= 0xf0 &&
          c < 0xf5 &&
          cont(i + 1) &&
          cont(i + 2) &&
          cont(i + 3)
        ) {
          cp =
            ((c & 7) << 18) |
            ((b[i + 1] & 63) << 12) |
            ((b[i + 2] & 63) << 6) |
            (b[i + 3] & 63);
          n = 4;
          if (cp < 0x10000 || cp > 0x10ffff) cp = bad();
        } else cp = bad();
        i += n;
        if (cp >= 0x10000) {
          cp -= 0x10000;
          parts.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 1023));
        } else parts.push(cp);
        if (parts.length > 8192) {
          s += String.fromCharCode(...parts);
          parts.length = 0;
        }
      }
      return s + String.fromCharCode(...parts);
    }
  }

  const alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  function btoa(input) {
    const s = String(input);
    let out = "";
    for (let i = 0; i < s.length; i += 3) {
      const a = s.charCodeAt(i);
      const b = s.charCodeAt(i + 1);
      const c = s.charCodeAt(i + 2);
      if (a > 255 || b > 255 || c > 255)
        throw new DOMException("Invalid character", "InvalidCharacterError");
      const n = (a << 16) | ((b || 0) << 8) | (c || 0);
      out += alphabet[n >> 18] + alphabet[(n >> 12) & 63];
      out += i + 1 < s.length ? alphabet[(n >> 6) & 63] : "=";
      out += i + 2 < s.length ? alphabet[n & 63] : "=";
    }
    return out;
  }
  function atob(input) {
    const s = String(input)
      .replace(/[\t\n\f\r ]/g, "")
      .replace(/==?$/, "");
    if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s)) {
      throw new DOMException(
        "The string to be decoded is not correctly encoded.",
        "InvalidCharacterError",
      );
    }
    let out = "";
    let bits = 0;
    let value = 0;
    for (const ch of s) {
      value = (value << 6) | alphabet.indexOf(ch);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out += String.fromCharCode((value >> bits) & 255);
      }
    }
    return out;
  }
  class DOMException extends Error {
    constructor(message = "", name = "Error") {
      super(message);
      this.name = name;
    }
  }
  return { TextEncoder, TextDecoder, atob, btoa, DOMException };
});
