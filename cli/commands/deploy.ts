import type { Command } from "commander";
import { InvalidArgumentError, Option } from "commander";
import { type Address, getAddress, type Hex, isAddress, isHex } from "viem";
import {
  type DeployOptions,
  deployNetworkContracts,
  loadOrDeploy,
  writeContractsFile,
} from "../../chain/deploy";

type DeployFlags = {
  rpcUrl: string;
  key: Hex;
  keeper?: Address[];
  validator?: Address[];
  minStake: bigint;
  out?: string;
  reuse?: boolean;
};

/**
 * `triggerx deploy`: deploys the registry, the gateway and the example
 * target to the chain behind `--rpc-url` and prints their addresses as
 * JSON (also written to `--out`).
 */
export function register(program: Command): void {
  program
    .command("deploy")
    .description("Deploy the network's contracts to an EVM chain")
    .requiredOption("--rpc-url <url>", "JSON-RPC endpoint of the chain")
    .addOption(
      new Option("--key <hex>", "deployer private key; becomes registry owner")
        .env("TRIGGERX_DEPLOYER_KEY")
        .argParser(parsePrivateKey)
        .makeOptionMandatory(),
    )
    .option("--keeper <address>", "register a keeper (repeatable)", addAddress)
    .option(
      "--validator <address>",
      "register a validator (repeatable)",
      addAddress,
    )
    .addOption(
      new Option("--min-stake <wei>", "least stake for self-registration")
        .default(0n, "0")
        .argParser(parseWei),
    )
    .option("--out <file>", "write the addresses JSON to this file")
    .option("--reuse", "keep the contracts in --out if they still exist")
    .action(async (flags: DeployFlags) => {
      const options: DeployOptions = {
        rpcUrl: flags.rpcUrl,
        deployerKey: flags.key,
        keepers: flags.keeper ?? [],
        validators: flags.validator ?? [],
        minStake: flags.minStake,
      };
      const contracts = await deployTo(flags, options);
      process.stdout.write(`${JSON.stringify(contracts, null, 2)}\n`);
    });
}

async function deployTo(flags: DeployFlags, options: DeployOptions) {
  if (flags.reuse && flags.out) {
    const { reused: _, ...contracts } = await loadOrDeploy(flags.out, options);
    return contracts;
  }

  const contracts = await deployNetworkContracts(options);
  if (flags.out) writeContractsFile(flags.out, contracts);
  return contracts;
}

function parsePrivateKey(value: string): Hex {
  const key = value.startsWith("0x") ? value : `0x${value}`;
  if (isHex(key) && key.length === 66) return key;

  throw new InvalidArgumentError("expected a 32-byte hex private key");
}

function parseWei(value: string): bigint {
  if (/^\d+$/.test(value)) return BigInt(value);

  throw new InvalidArgumentError("expected a whole number of wei");
}

function addAddress(value: string, previous: Address[] = []): Address[] {
  if (!isAddress(value, { strict: false })) {
    throw new InvalidArgumentError("expected a 20-byte hex address");
  }
  return [...previous, getAddress(value)];
}
