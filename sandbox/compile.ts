import path from "node:path";
import { build, type Message } from "esbuild";
import type { Hex } from "viem" with { "resolution-mode": "import" };
import { TriggerxError } from "../errors/base";
import { scriptHash } from "../records/hashes";
import type { ScriptLanguage } from "../records/record";

/** A script ready for the sandbox: one ES module of plain JavaScript. */
export interface CompiledScript {
  /** The JavaScript the sandbox evaluates; records hold these bytes. */
  code: string;
  /** A name for stack traces, such as `price-threshold.ts`. */
  filename: string;
  /** The language the script was written in. */
  language: ScriptLanguage;
  /** SHA-256 of `code`. */
  hash: Hex;
}

/** Options of {@link compileScript}. */
export interface CompileOptions {
  /**
   * Directory to resolve `import`s from. When given, npm imports are
   * bundled into the script (what `triggerx build` and `triggerx test` do);
   * when omitted the script is transpiled alone, and any import it keeps
   * fails inside the sandbox, as it must on a keeper.
   */
  resolveDir?: string;
  /** Minify the output; default false. */
  minify?: boolean;
}

/**
 * Compiles a TypeScript or JavaScript script into one ES module for the
 * sandbox with esbuild: types stripped, top-level `await` kept, imports
 * bundled when `resolveDir` is given. Node built-ins cannot be bundled: the
 * sandbox has none.
 *
 * @throws TriggerxError `SCRIPT_COMPILE_FAILED` with esbuild's messages.
 * @example
 * const script = await compileScript(source, "job.ts");
 */
export async function compileScript(
  source: string,
  filename: string,
  options: CompileOptions = {},
): Promise<CompiledScript> {
  const language: ScriptLanguage = /\.[cm]?tsx?$/.test(filename)
    ? "typescript"
    : "javascript";

  let code: string;
  try {
    const result = await build({
      stdin: {
        contents: source,
        loader: language === "typescript" ? "ts" : "js",
        sourcefile: path.basename(filename),
        ...(options.resolveDir ? { resolveDir: options.resolveDir } : {}),
      },
      bundle: options.resolveDir !== undefined,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      mainFields: ["browser", "module", "main"],
      conditions: ["browser", "import", "default"],
      minify: options.minify ?? false,
      legalComments: "none",
      charset: "utf8",
      write: false,
      logLevel: "silent",
    });
    code = result.outputFiles[0]?.text ?? "";
  } catch (error) {
    throw compileFailed(filename, error);
  }

  return {
    code,
    filename: path.basename(filename),
    language,
    hash: scriptHash(code),
  };
}

/**
 * Wraps JavaScript that is already compiled (a bundle made by `triggerx
 * build`, or the source a record holds) without touching its bytes.
 */
export function precompiledScript(
  code: string,
  filename: string,
  language: ScriptLanguage = "javascript",
): CompiledScript {
  return { code, filename, language, hash: scriptHash(code) };
}

function compileFailed(filename: string, error: unknown): TriggerxError {
  const messages = ((error as { errors?: Message[] }).errors ?? []).map(
    (message) => {
      const where = message.location
        ? `${message.location.file}:${message.location.line}:${message.location.column}: `
        : "";
      return `${where}${message.text}`;
    },
  );

  return new TriggerxError(
    "SCRIPT_COMPILE_FAILED",
    `could not compile ${path.basename(filename)}`,
    { details: messages.length ? messages : [String(error)], cause: error },
  );
}
