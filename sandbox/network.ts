import type {
  HttpBody,
  HttpExchange,
  RecordedError,
  RecordedRequest,
  RecordedResponse,
} from "../records/transcript";
import { replayDiverged } from "./errors";

/** What came of one request: a response, or an error the script sees. */
export type Outcome = { response: RecordedResponse } | { error: RecordedError };

/** A response (or error) ready to hand to the script. */
export interface Delivery {
  /** The id the guest gave the request. */
  id: number;
  /** The request as the transcript holds it. */
  request: RecordedRequest;
  outcome: Outcome;
}

/**
 * Where a run's requests go. The engine *issues* each request the script
 * makes and, whenever the script has nothing else to do, asks for the *next*
 * delivery. The order of deliveries is the order the script observes
 * responses, which is the order of the transcript.
 */
export interface Network {
  /** Requests issued and not yet delivered. */
  readonly pending: number;
  /**
   * Issues a request. `send` is the request with secret values in place
   * (what goes on the wire); `request` is the redacted form a record holds.
   */
  issue(id: number, request: RecordedRequest, send: SendRequest): void;
  /** Waits for the next delivery. Throws `REPLAY_DIVERGED` in a replay. */
  next(): Promise<Delivery>;
  /** Checks, at the end of a run, that nothing expected is left. */
  finish(): void;
}

/** A request as it goes on the wire. */
export interface SendRequest {
  method: string;
  url: string;
  headers: Array<[string, string]>;
  body: Uint8Array | null;
  /** A response made on the host (`eth_blockNumber`), JSON text. */
  localResponse?: string;
}

/** Performs one request on the network; never rejects. */
export type Sender = (request: SendRequest) => Promise<Outcome>;

/**
 * The network of a first run: requests go out at once, concurrently, and are
 * delivered in the order their responses arrive.
 */
export class LiveNetwork implements Network {
  private readonly arrived: Delivery[] = [];
  private inFlight = 0;
  private wake: (() => void) | undefined;

  constructor(private readonly sender: Sender) {}

  get pending(): number {
    return this.inFlight;
  }

  issue(id: number, request: RecordedRequest, send: SendRequest): void {
    this.inFlight++;
    const outcome: Promise<Outcome> =
      send.localResponse === undefined
        ? this.sender(send)
        : Promise.resolve(localOutcome(send));

    void outcome.then((result) => {
      this.arrived.push({ id, request, outcome: result });
      this.wake?.();
    });
  }

  async next(): Promise<Delivery> {
    while (this.arrived.length === 0) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }

    this.inFlight--;
    return this.arrived.shift() as Delivery;
  }

  finish(): void {}
}

/**
 * The network of a replay: nothing leaves the host. The transcript is
 * served in its own order; a recorded response is delivered once the script
 * has issued the same request, whatever order it issued its requests in.
 */
export class ReplayNetwork implements Network {
  private readonly issued = new Map<number, RecordedRequest>();
  private cursor = 0;

  constructor(private readonly exchanges: readonly HttpExchange[]) {}

  get pending(): number {
    return this.issued.size;
  }

  issue(id: number, request: RecordedRequest): void {
    this.issued.set(id, request);
  }

  async next(): Promise<Delivery> {
    const index = this.cursor;
    const expected = this.exchanges[index];
    const candidates = [...this.issued];
    if (!expected) {
      const [, extra] = candidates[0] ?? [];
      throw replayDiverged(index, "the record holds no more requests", [
        `the script asked for ${extra ? describe(extra) : "more"}`,
      ]);
    }

    for (const [id, request] of candidates) {
      if (differences(expected.request, request).length > 0) continue;
      this.issued.delete(id);
      this.cursor++;
      return { id, request, outcome: outcomeOf(expected) };
    }

    throw mismatch(index, expected.request, candidates);
  }

  finish(): void {
    const expected = this.exchanges[this.cursor];
    if (!expected) return;

    throw replayDiverged(
      this.cursor,
      "the script finished without making the recorded request",
      [`the record holds ${describe(expected.request)}`],
    );
  }
}

/**
 * The fields in which two requests differ, as readable lines; empty when
 * they are the same request.
 */
function differences(
  expected: RecordedRequest,
  actual: RecordedRequest,
): string[] {
  const lines: string[] = [];
  if (expected.method !== actual.method) {
    lines.push(`method: record ${expected.method}, script ${actual.method}`);
  }
  if (expected.url !== actual.url) {
    lines.push(`url: record ${expected.url}, script ${actual.url}`);
  }

  const recordHeaders = JSON.stringify(expected.headers);
  const scriptHeaders = JSON.stringify(actual.headers);
  if (recordHeaders !== scriptHeaders) {
    lines.push(`headers: record ${recordHeaders}, script ${scriptHeaders}`);
  }

  const recordBody = JSON.stringify(expected.body);
  const scriptBody = JSON.stringify(actual.body);
  if (recordBody !== scriptBody) {
    lines.push(`body: record ${clip(recordBody)}, script ${clip(scriptBody)}`);
  }

  return lines;
}

/** Encodes a body the way a transcript holds it. */
export function toHttpBody(bytes: Uint8Array | null): HttpBody | null {
  if (!bytes) return null;

  const text = Buffer.from(bytes).toString("utf8");
  if (Buffer.byteLength(text, "utf8") === bytes.byteLength) {
    return Buffer.from(text, "utf8").equals(bytes) ? { text } : toBase64(bytes);
  }

  return toBase64(bytes);
}

function toBase64(bytes: Uint8Array): HttpBody {
  return { base64: Buffer.from(bytes).toString("base64") };
}

function localOutcome(send: SendRequest): Outcome {
  const body = Buffer.from(send.localResponse ?? "", "utf8");

  return {
    response: {
      status: 200,
      url: send.url,
      headers: [["content-type", "application/json"]],
      bodyBase64: body.toString("base64"),
    },
  };
}

function outcomeOf(exchange: HttpExchange): Outcome {
  if ("error" in exchange) return { error: exchange.error };
  return { response: exchange.response };
}

function mismatch(
  index: number,
  expected: RecordedRequest,
  candidates: Array<[number, RecordedRequest]>,
) {
  if (candidates.length === 0) {
    return replayDiverged(index, "the script made no request to match", [
      `the record holds ${describe(expected)}`,
    ]);
  }

  // The candidate to the same URL is the one the script most likely meant.
  const closest =
    candidates.find(([, request]) => request.url === expected.url) ??
    candidates[0];
  const [, request] = closest as [number, RecordedRequest];
  const lines = differences(expected, request);
  const first = lines[0]?.split(":")[0] ?? "request";

  return replayDiverged(index, `the script's ${first} differs`, lines);
}

function describe(request: RecordedRequest): string {
  return `${request.method} ${request.url}`;
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
