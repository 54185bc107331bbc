import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { type AnvilChain, startAnvil } from "../../../chain/anvil";
import { register } from "../../../cli/commands/deploy";

let anvil: AnvilChain;

beforeAll(async () => {
  anvil = await startAnvil();
});

afterAll(async () => {
  await anvil?.stop();
});

async function runDeploy(args: string[]): Promise<string> {
  const program = new Command("triggerx").exitOverride();
  program.configureOutput({ writeErr: () => {} });
  register(program);

  const printed: string[] = [];
  const write = jest
    .spyOn(process.stdout, "write")
    .mockImplementation((chunk) => printed.push(String(chunk)) > 0);
  try {
    await program.parseAsync(["deploy", ...args], { from: "user" });
  } finally {
    write.mockRestore();
  }
  return printed.join("");
}

describe("triggerx deploy", () => {
  it("deploys to a running chain and writes the addresses JSON", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "triggerx-cli-")), "c.json");
    const [deployer, keeper] = anvil.accounts;

    const printed = await runDeploy([
      "--rpc-url",
      anvil.rpcUrl,
      "--key",
      deployer?.privateKey ?? "",
      "--keeper",
      keeper?.address.toLowerCase() ?? "",
      "--out",
      out,
    ]);
    const written = JSON.parse(readFileSync(out, "utf8"));

    expect(JSON.parse(printed)).toEqual(written);
    expect(Object.keys(written).sort()).toEqual([
      "blockNumber",
      "chainId",
      "deployer",
      "gateway",
      "registry",
      "target",
    ]);
    expect(written.chainId).toBe(31337);
  });

  it("reuses the contracts in --out with --reuse", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "triggerx-cli-")), "c.json");
    const key = anvil.accounts[0]?.privateKey ?? "";
    const args = ["--rpc-url", anvil.rpcUrl, "--key", key, "--out", out];

    const first = JSON.parse(await runDeploy([...args, "--reuse"]));
    const second = JSON.parse(await runDeploy([...args, "--reuse"]));

    expect(second).toEqual(first);
  });

  it("refuses a keeper that is not an address", async () => {
    const key = anvil.accounts[0]?.privateKey ?? "";
    const args = ["--rpc-url", anvil.rpcUrl, "--key", key, "--keeper", "0x12"];

    await expect(runDeploy(args)).rejects.toMatchObject({
      code: "commander.invalidArgument",
    });
  });
});
