import type { Hex } from "viem" with { "resolution-mode": "import" };
import { canonicalJson, sha256Hex } from "../records/canonical";
import type { Transcript } from "../records/transcript";

/**
 * One hash per exchange of a transcript (SHA-256 of its canonical JSON).
 * Saved next to a record, they let a replay name the exchange that was
 * edited, where the transcript hash alone only says that one was.
 */
export function exchangeHashes(transcript: Transcript): Hex[] {
  return transcript.exchanges.map((exchange) =>
    sha256Hex(canonicalJson(exchange)),
  );
}
