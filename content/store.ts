import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { computeCid, parseCid } from "./cid";

/**
 * A content-addressed store on a local folder: the network's stand-in for
 * IPFS on one machine. Each blob lives in `<root>/<last two characters of
 * its CID>/<CID>`, so no folder holds too many files. A blob is written to
 * a temporary file in the same folder and renamed into place, so a reader
 * never sees half a blob, and writing the same bytes twice is harmless.
 *
 * @example
 * const store = new ContentStore(".data/content");
 * const cid = await store.put(new TextEncoder().encode("hello"));
 * await store.get(cid); // the same bytes
 */
export class ContentStore {
  /** The folder the blobs live in. */
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Stores bytes and returns their CID (see `computeCid`). */
  async put(bytes: Uint8Array): Promise<string> {
    const cid = computeCid(bytes);
    const file = this.fileOf(cid);
    if (await exists(file)) return cid;

    await mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      await writeFile(temp, bytes);
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return cid;
  }

  /**
   * The bytes a CID names, or `undefined` when the store does not hold
   * them. Throws `CONTENT_INVALID_CID` for text that is not a CID, so a
   * path never reaches the file system.
   */
  async get(cid: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.fileOf(cid)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  /** Whether the store holds the bytes a CID names. */
  async has(cid: string): Promise<boolean> {
    return exists(this.fileOf(cid));
  }

  private fileOf(cid: string): string {
    const canonical = parseCid(cid).cid;
    return path.join(this.root, canonical.slice(-2), canonical);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
