import type { LocalAccount } from "viem";
import { signRequest } from "../api/auth";
import { matchesCid } from "../content/cid";
import { TriggerxError } from "../errors/base";
import { canonicalJson } from "../records/canonical";
import type { ExecutionRecord } from "../records/record";

/**
 * The network's content store as a worker sees it: through the API's
 * `/ipfs/<cid>` (every download checked against its CID) and, for keepers,
 * `POST /api/content` signed with the keeper's key.
 */
export type ContentClient = {
  get(cid: string): Promise<Uint8Array>;
  getRecord(cid: string): Promise<ExecutionRecord>;
  putRecord(record: ExecutionRecord): Promise<string>;
};

/** A content client for the API at `apiUrl`, uploading as `account`. */
export function createContentClient(
  apiUrl: string,
  account?: LocalAccount,
): ContentClient {
  const get = async (cid: string): Promise<Uint8Array> => {
    const response = await fetch(`${apiUrl}/ipfs/${cid}`);
    if (!response.ok) {
      throw new TriggerxError("CONTENT_NOT_FOUND", `content ${cid} not found`, {
        details: [`status ${response.status} from ${apiUrl}`],
        retryable: true,
      });
    }

    const bytes = new Uint8Array(await response.arrayBuffer());
    if (!matchesCid(cid, bytes)) {
      throw new TriggerxError(
        "CONTENT_CID_MISMATCH",
        `content served for ${cid} does not match it`,
      );
    }
    return bytes;
  };

  return {
    get,
    async getRecord(cid) {
      const bytes = await get(cid);
      return JSON.parse(new TextDecoder().decode(bytes)) as ExecutionRecord;
    },
    async putRecord(record) {
      if (!account) throw new Error("uploading content needs an account");

      const body = canonicalJson(record);
      const path = "/api/content";
      const headers = await signRequest(account, {
        method: "POST",
        path,
        body,
      });
      const response = await fetch(`${apiUrl}${path}`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body,
      });
      if (!response.ok) {
        throw new TriggerxError(
          "CONTENT_UPLOAD_FAILED",
          "record upload failed",
          {
            details: [`status ${response.status}: ${await response.text()}`],
            retryable: response.status >= 500,
          },
        );
      }
      return ((await response.json()) as { cid: string }).cid;
    },
  };
}
