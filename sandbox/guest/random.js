// Randomness of a run: a byte stream the host derives from the execution id
// (SHA-256 in counter mode), behind Math.random and the crypto module.
(function triggerxRandom(api) {
  "use strict";
  const hostRandom = api.host.random;

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
  function random() {
    const b = randomBytes(7);
    let x = b[0] & 0x1f;
    for (let i = 1; i < 7; i++) x = x * 256 + b[i];
    return x / 2 ** 53;
  }

  return { randomBytes, random };
});
