import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { InvalidArgumentError, Option } from "commander";
import { privateKeyToAccount } from "viem/accounts";
import { ApiClient, type JobAnswer } from "../../api/client";
import { CUSTOM_TASK_DEFINITION_ID } from "../../api/job-request";
import { compileScript } from "../../sandbox/compile";
import { resolveServiceConfig } from "../../services/config";
import { collect, parseInteger } from "../options";

/**
 * `triggerx job create | show | pause | resume | cancel`: a job owner's
 * commands. They talk to the API given by `--api` and sign with `--key`;
 * without them, they use what `triggerx dev` wrote in `<data dir>/dev.json`
 * (its API and a funded development key).
 */

type Target = { api?: string; key?: string; dataDir?: string; json?: boolean };

type CreateFlags = Target & {
  interval: number;
  storage: string[];
  once?: boolean;
  timeFrame: number;
  maxExecutionTime?: number;
  title?: string;
  language?: "typescript" | "javascript" | "go";
  chainId?: string;
  bundle?: boolean;
};

/** Default lifetime of a job: 30 days. */
const DEFAULT_TIME_FRAME = 30 * 24 * 3600;

/** Registers `triggerx job` and its subcommands. */
export function register(program: Command): void {
  const job = program
    .command("job")
    .description("Create, inspect, pause, resume and cancel your jobs");

  withTarget(job.command("create <script>"))
    .description("Upload a script and create a job that runs it")
    .addOption(
      new Option("--interval <s>", "seconds between runs")
        .argParser(parseInteger(1))
        .makeOptionMandatory(),
    )
    .option(
      "--storage <key=value>",
      "initial storage (repeatable)",
      collectStorage,
      [],
    )
    .option("--once", "run once instead of every interval")
    .addOption(
      new Option("--time-frame <s>", "seconds until the job expires")
        .default(DEFAULT_TIME_FRAME)
        .argParser(parseInteger(1)),
    )
    .addOption(
      new Option(
        "--max-execution-time <s>",
        "wall-clock limit of one run (30)",
      ).argParser(parseInteger(1)),
    )
    .option("--title <text>", "a title for lists and the web UI")
    .addOption(
      new Option("--language <name>", "the script's language").choices([
        "typescript",
        "javascript",
        "go",
      ]),
    )
    .option("--chain-id <id>", "target chain (dev.json's chain, or 31337)")
    .option("--bundle", "bundle npm imports into the script before upload")
    .action((script: string, flags: CreateFlags, command: Command) =>
      createJob(script, flags, command),
    );

  withTarget(job.command("show <id>"))
    .description("Show a job, its storage and its latest runs")
    .addOption(
      new Option("--runs <n>", "runs to show")
        .default(10)
        .argParser(parseInteger(1)),
    )
    .action((id: string, flags: Target & { runs: number }, command: Command) =>
      showJob(id, flags, command),
    );

  for (const action of ["pause", "resume", "cancel"] as const) {
    withTarget(job.command(`${action} <id>`))
      .description(`${capitalize(action)} a job (signed by its owner)`)
      .action((id: string, flags: Target, command: Command) =>
        changeJob(id, action, flags, command),
      );
  }
}

function withTarget(command: Command): Command {
  return command
    .option("--api <url>", "the API (default: dev.json's)")
    .option("--key <hex>", "the owner's private key (default: dev.json's)")
    .option("--data-dir <dir>", "where dev.json is (default .data)")
    .option("--json", "print machine-readable JSON");
}

async function createJob(
  file: string,
  flags: CreateFlags,
  command: Command,
): Promise<void> {
  const target = resolveTarget(flags, command, true);
  const account = target.account;
  if (!account) throw new Error("resolveTarget returned no key");
  const language = flags.language ?? languageOf(file, command);
  const source = await scriptSource(file, language, flags.bundle === true);

  const upload = await target.client.uploadScript(source.text);
  const created = await target.client.createJobs([
    {
      user_address: account.address,
      job_title: flags.title ?? path.basename(file),
      task_definition_id: CUSTOM_TASK_DEFINITION_ID,
      custom: true,
      language: source.language,
      time_frame: flags.timeFrame,
      recurring: flags.once !== true,
      created_chain_id: flags.chainId ?? target.chainId ?? "31337",
      time_interval: flags.interval,
      dynamic_arguments_script_url: upload.url,
      initial_storage: Object.fromEntries(flags.storage.map(splitPair)),
      ...(flags.maxExecutionTime
        ? { max_execution_time: flags.maxExecutionTime }
        : {}),
    },
  ]);
  const jobId = created.job_ids[0] as string;
  const shown = await target.client.getJob(jobId);

  if (flags.json) {
    print({
      ...created,
      job_id: jobId,
      script: upload,
      workflow: shown.workflow,
    });
    return;
  }
  process.stdout.write(
    [
      `job ${jobId} created`,
      `  script    ${upload.url} (sha256 ${upload.sha256})`,
      `  workflow  ${shown.workflow.url}`,
      `  show it   triggerx job show ${jobId}`,
      "",
    ].join("\n"),
  );
}

async function showJob(
  id: string,
  flags: Target & { runs: number },
  command: Command,
): Promise<void> {
  const { client } = resolveTarget(flags, command, false);
  const shown = await client.getJob(id);
  const runs = await client.listRuns(id, flags.runs);

  if (flags.json) {
    print({ ...shown, runs });
    return;
  }
  process.stdout.write(formatJob(shown, runs, client.baseUrl));
}

async function changeJob(
  id: string,
  action: "pause" | "resume" | "cancel",
  flags: Target,
  command: Command,
): Promise<void> {
  const { client } = resolveTarget(flags, command, true);
  const answer = await client.changeJob(id, action);

  if (flags.json) print(answer);
  else process.stdout.write(`job ${answer.job_id} ${answer.status}\n`);
}

/** What `triggerx dev` leaves in the data folder (see the dev command). */
type DevFile = { apiUrl?: string; ownerKey?: string; chainId?: number };

/**
 * The API and key to use: flags, then `TRIGGERX_API_URL` and
 * `TRIGGERX_KEY`, then dev.json. Neither is a usage error (exit 2).
 */
function resolveTarget(flags: Target, command: Command, needsKey: boolean) {
  const devPath = path.join(
    resolveServiceConfig({ dataDir: flags.dataDir }).dataDir,
    "dev.json",
  );
  const dev = readDevFile(devPath);
  const apiUrl = flags.api ?? process.env.TRIGGERX_API_URL ?? dev?.apiUrl;
  const key = flags.key ?? process.env.TRIGGERX_KEY ?? dev?.ownerKey;

  if (!apiUrl || (needsKey && !key)) {
    const missing = !apiUrl ? "API address" : "key to sign with";
    command.error(
      `error: no ${missing}: pass --api <url> --key <hex>, or start \`triggerx dev\`, which writes ${devPath}`,
      { exitCode: 2, code: "triggerx.noTarget" },
    );
  }
  const account = key
    ? privateKeyToAccount(normalizeKey(key, command))
    : undefined;

  return {
    client: new ApiClient(apiUrl as string, account),
    account,
    chainId: dev?.chainId === undefined ? undefined : String(dev.chainId),
  };
}

function readDevFile(file: string): DevFile | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as DevFile;
}

function normalizeKey(key: string, command: Command): `0x${string}` {
  const hex = key.startsWith("0x") ? key : `0x${key}`;
  if (/^0x[0-9a-fA-F]{64}$/.test(hex)) return hex as `0x${string}`;
  command.error("error: --key must be a private key: 64 hex digits", {
    exitCode: 2,
    code: "triggerx.badKey",
  });
}

function languageOf(file: string, command: Command): CreateFlags["language"] {
  if (/\.[cm]?tsx?$/.test(file)) return "typescript";
  if (/\.[cm]?jsx?$/.test(file)) return "javascript";
  if (file.endsWith(".go")) return "go";
  command.error(
    `error: cannot tell the language of ${file}: pass --language typescript|javascript|go`,
    { exitCode: 2, code: "triggerx.language" },
  );
}

/**
 * The bytes to upload: the file as it is, or with `--bundle` one JavaScript
 * module with its npm imports inlined (a keeper resolves no imports).
 */
async function scriptSource(
  file: string,
  language: CreateFlags["language"],
  bundle: boolean,
): Promise<{ text: string; language: string }> {
  const text = readFileSync(file, "utf8");
  if (!bundle || language === "go") return { text, language: language ?? "" };

  const compiled = await compileScript(text, file, {
    resolveDir: path.dirname(path.resolve(file)),
  });
  return { text: compiled.code, language: "javascript" };
}

function formatJob(
  shown: JobAnswer,
  runs: Array<Record<string, unknown>>,
  apiUrl: string,
): string {
  const job = shown.job;
  const storage = Object.entries(shown.storage.values);
  const lines = [
    `job ${job.job_id}  ${job.job_title}  (${job.status})`,
    `  owner       ${job.user_address}`,
    `  script      ${job.dynamic_arguments_script_url} (${job.language}, sha256 ${job.script_hash})`,
    `  schedule    every ${job.time_interval} s${job.recurring ? "" : ", once"}, expires ${job.expiration_time}`,
    `  next run    ${job.next_execution_time}`,
    `  last run    ${job.last_executed_at ?? "never"}`,
    `  web UI      ${shown.workflow.url}`,
    `storage (version ${shown.storage.version})`,
    ...(storage.length
      ? storage.map(([key, value]) => `  ${key} = ${value}`)
      : ["  (empty)"]),
    "runs (newest first)",
    ...(runs.length
      ? runs.map((run) => formatRun(run, apiUrl))
      : ["  (none yet)"]),
  ];
  return `${lines.join("\n")}\n`;
}

function formatRun(run: Record<string, unknown>, apiUrl: string): string {
  const parts = [
    `  ${run.scheduled_time}`,
    String(run.execution_status),
    run.error_code ? `error ${run.error_code}` : undefined,
    run.tx_hash ? `tx ${run.tx_hash}` : undefined,
    run.record_cid ? `record ${apiUrl}/ipfs/${run.record_cid}` : undefined,
    `id ${run.execution_id}`,
  ];
  return parts.filter((part) => part !== undefined).join("  ");
}

function collectStorage(value: string, previous: string[]): string[] {
  splitPair(value);
  return collect(value, previous);
}

function splitPair(pair: string): [string, string] {
  const at = pair.indexOf("=");
  if (at <= 0) {
    throw new InvalidArgumentError(
      "expected key=value, such as threshold=2000",
    );
  }
  return [pair.slice(0, at), pair.slice(at + 1)];
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
