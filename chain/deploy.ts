import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import {
  type Abi,
  type Address,
  getAddress,
  type Hex,
  type TransactionReceipt,
} from "viem";
import {
  keeperRegistryAbi,
  keeperRegistryBytecode,
} from "../contracts/artifacts/KeeperRegistry";
import {
  priceTargetAbi,
  priceTargetBytecode,
} from "../contracts/artifacts/PriceTarget";
import {
  taskGatewayAbi,
  taskGatewayBytecode,
} from "../contracts/artifacts/TaskGateway";
import { TriggerxError } from "../errors/base";
import { createLogger } from "../logging/logger";
import { type ChainWriter, connectWriter } from "./clients";
import { toChainError } from "./errors";

/**
 * Deploys the network's contracts to any EVM chain and remembers where they
 * went, so a development chain that keeps its state across restarts keeps
 * its contracts too.
 */

/** Where the network's contracts live on one chain, as written to JSON. */
export type NetworkContracts = {
  chainId: number;
  registry: Address;
  gateway: Address;
  /** The example `PriceTarget`. */
  target: Address;
  deployer: Address;
  /** The block of the registry's deployment; logs start no earlier. */
  blockNumber: number;
};

export type DeployOptions = {
  rpcUrl: string;
  deployerKey: Hex;
  /** Added to the registry by its owner, without stake. */
  keepers: readonly Address[];
  validators?: readonly Address[];
  /** Least stake, in wei, for registering without the owner; default 0. */
  minStake?: bigint;
  pollingIntervalMs?: number;
};

/** `KeeperRegistry.Role` values. */
const ROLE = { keeper: 0, validator: 1 } as const;

const log = createLogger("chain.deploy");

/**
 * Deploys the registry, the gateway and the example target from
 * `deployerKey`, which becomes the registry's owner, and adds `keepers` and
 * `validators` to the registry.
 *
 * @example
 * const contracts = await deployNetworkContracts({
 *   rpcUrl, deployerKey, keepers: [keeperAddress],
 * });
 */
export async function deployNetworkContracts(
  options: DeployOptions,
): Promise<NetworkContracts> {
  return deployWith(await connect(options), options);
}

/**
 * Reuses the contracts recorded in `file` when code still exists at their
 * addresses on the same chain (adding any keeper not yet registered);
 * otherwise deploys them and writes `file`.
 */
export async function loadOrDeploy(
  file: string,
  options: DeployOptions,
): Promise<NetworkContracts & { reused: boolean }> {
  const recorded = readContractsFile(file);
  const writer = await connect(options);
  if (recorded && (await isDeployed(writer, recorded))) {
    await addMembers(writer, recorded.registry, options);
    log.info({ file, ...recorded }, "network contracts reused");
    return { ...recorded, reused: true };
  }

  const contracts = await deployWith(writer, options);
  writeContractsFile(file, contracts);
  return { ...contracts, reused: false };
}

async function deployWith(
  writer: ChainWriter,
  options: DeployOptions,
): Promise<NetworkContracts> {
  const registry = await deploy(
    writer,
    keeperRegistryAbi,
    keeperRegistryBytecode,
    [options.minStake ?? 0n],
  );
  const gateway = await deploy(writer, taskGatewayAbi, taskGatewayBytecode, [
    registry.address,
  ]);
  const target = await deploy(writer, priceTargetAbi, priceTargetBytecode, []);

  const contracts: NetworkContracts = {
    chainId: writer.chain.id,
    registry: registry.address,
    gateway: gateway.address,
    target: target.address,
    deployer: writer.account.address,
    blockNumber: Number(registry.blockNumber),
  };

  await addMembers(writer, contracts.registry, options);
  log.info(contracts, "network contracts deployed");
  return contracts;
}

/** Reads a contracts file written by `writeContractsFile`, if it exists. */
export function readContractsFile(file: string): NetworkContracts | null {
  if (!existsSync(file)) return null;

  try {
    return JSON.parse(readFileSync(file, "utf8")) as NetworkContracts;
  } catch (cause) {
    throw new TriggerxError("CHAIN_CONTRACTS_FILE", "Unreadable file.", {
      details: [`${file} is not the JSON that deploy writes.`],
      cause,
    });
  }
}

/** Writes `contracts` to `file` as JSON, creating its directory. */
export function writeContractsFile(
  file: string,
  contracts: NetworkContracts,
): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(contracts, null, 2)}\n`);
}

async function connect(options: DeployOptions): Promise<ChainWriter> {
  return connectWriter({
    rpcUrl: options.rpcUrl,
    privateKey: options.deployerKey,
    ...(options.pollingIntervalMs === undefined
      ? {}
      : { pollingIntervalMs: options.pollingIntervalMs }),
  });
}

async function isDeployed(
  writer: ChainWriter,
  contracts: NetworkContracts,
): Promise<boolean> {
  if (contracts.chainId !== writer.chain.id) return false;

  const addresses = [contracts.registry, contracts.gateway, contracts.target];
  const codes = await Promise.all(
    addresses.map((address) => writer.publicClient.getCode({ address })),
  );
  return codes.every((code) => code !== undefined && code !== "0x");
}

async function addMembers(
  writer: ChainWriter,
  registry: Address,
  options: DeployOptions,
): Promise<void> {
  const wanted = [
    ...options.keepers.map((account) => ({ account, role: ROLE.keeper })),
    ...(options.validators ?? []).map((account) => ({
      account,
      role: ROLE.validator,
    })),
  ];

  for (const { account, role } of wanted) {
    if (await isMember(writer, registry, account, role)) continue;
    await addMember(writer, registry, account, role);
  }
}

async function isMember(
  writer: ChainWriter,
  registry: Address,
  account: Address,
  role: number,
): Promise<boolean> {
  const membership = await writer.publicClient.readContract({
    address: registry,
    abi: keeperRegistryAbi,
    functionName: "membership",
    args: [account, role],
  });
  return membership.active;
}

/** Deploys one contract and waits for it to land. */
async function deploy(
  writer: ChainWriter,
  abi: Abi,
  bytecode: Hex,
  args: readonly unknown[],
): Promise<{ address: Address; blockNumber: bigint }> {
  const context = { rpcUrl: writer.rpcUrl, action: "deploy" };
  try {
    const hash = await writer.walletClient.deployContract({
      abi,
      bytecode,
      args,
    });
    const receipt = await confirm(writer, hash);
    if (!receipt.contractAddress) throw new Error("receipt without address");
    return {
      address: getAddress(receipt.contractAddress),
      blockNumber: receipt.blockNumber,
    };
  } catch (error) {
    throw toChainError(error, context);
  }
}

async function confirm(
  writer: ChainWriter,
  hash: Hex,
): Promise<TransactionReceipt> {
  const receipt = await writer.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status === "success") return receipt;

  throw new TriggerxError("CHAIN_REVERTED", "A deploy transaction reverted.", {
    details: [`transaction ${hash}`],
  });
}

async function addMember(
  writer: ChainWriter,
  registry: Address,
  account: Address,
  role: number,
): Promise<void> {
  try {
    const hash = await writer.walletClient.writeContract({
      address: registry,
      abi: keeperRegistryAbi,
      functionName: "addMember",
      args: [account, role],
    });
    await confirm(writer, hash);
  } catch (error) {
    throw toChainError(error, { rpcUrl: writer.rpcUrl, action: "addMember" });
  }
}
