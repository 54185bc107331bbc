import type { Address, Hex } from "viem";
import { type AnvilChain, startAnvil } from "../../chain/anvil";
import { type ChainWriter, connectWriter } from "../../chain/clients";
import { deployNetworkContracts } from "../../chain/deploy";
import { toChainError } from "../../chain/errors";
import { keeperRegistryAbi } from "../../contracts/artifacts/KeeperRegistry";

const KEEPER = 0;
const VALIDATOR = 1;
const MIN_STAKE = 10n ** 17n;

let anvil: AnvilChain;
let registry: Address;
let owner: ChainWriter;
let operator: ChainWriter;

beforeAll(async () => {
  anvil = await startAnvil();
  const [first, second] = anvil.accounts;
  const contracts = await deployNetworkContracts({
    rpcUrl: anvil.rpcUrl,
    deployerKey: first?.privateKey ?? "0x",
    keepers: [],
    minStake: MIN_STAKE,
  });
  registry = contracts.registry;
  owner = await writer(first?.privateKey);
  operator = await writer(second?.privateKey);
});

afterAll(async () => {
  await anvil?.stop();
});

function writer(privateKey: Hex | undefined): Promise<ChainWriter> {
  return connectWriter({
    rpcUrl: anvil.rpcUrl,
    privateKey: privateKey ?? "0x",
    pollingIntervalMs: 50,
  });
}

/** Simulates, sends and mines one registry call from `from`. */
async function call(
  from: ChainWriter,
  functionName: "register" | "deregister" | "withdraw",
  args: readonly [number] | readonly [] = [],
  value = 0n,
) {
  try {
    const { request } = await from.publicClient.simulateContract({
      account: from.account,
      address: registry,
      abi: keeperRegistryAbi,
      functionName,
      args,
      value,
    } as never);
    const hash = await from.walletClient.writeContract(request as never);
    return await from.publicClient.waitForTransactionReceipt({ hash });
  } catch (error) {
    throw toChainError(error, { rpcUrl: anvil.rpcUrl, action: functionName });
  }
}

function read<T>(functionName: string, args: readonly unknown[]): Promise<T> {
  return owner.publicClient.readContract({
    address: registry,
    abi: keeperRegistryAbi,
    functionName,
    args,
  } as never) as Promise<T>;
}

describe("the keeper registry", () => {
  it("refuses a stake below the minimum", async () => {
    await expect(
      call(operator, "register", [KEEPER], MIN_STAKE - 1n),
    ).rejects.toMatchObject({
      message: `The contract refused: StakeTooLow(${MIN_STAKE - 1n}, ${MIN_STAKE}).`,
    });
  });

  it("registers a keeper that stakes enough, once", async () => {
    await call(operator, "register", [KEEPER], MIN_STAKE);
    const address = operator.account.address;

    expect(await read("isKeeper", [address])).toBe(true);
    expect(await read("isValidator", [address])).toBe(false);
    expect(await read("membership", [address, KEEPER])).toEqual({
      active: true,
      stake: MIN_STAKE,
    });
    await expect(
      call(operator, "register", [KEEPER], MIN_STAKE),
    ).rejects.toMatchObject({
      message: `The contract refused: AlreadyRegistered(${address}, ${KEEPER}).`,
    });
  });

  it("lets only the owner add members without stake", async () => {
    const simulation = operator.publicClient.simulateContract({
      account: operator.account,
      address: registry,
      abi: keeperRegistryAbi,
      functionName: "addMember",
      args: [operator.account.address, VALIDATOR],
    });

    await expect(simulation).rejects.toThrow(/NotOwner/);
  });

  it("releases the stake of a keeper that leaves, to withdraw once", async () => {
    const address = operator.account.address;

    await call(operator, "deregister", [KEEPER]);
    const released = await read<bigint>("withdrawable", [address]);
    const before = await operator.publicClient.getBalance({ address });
    const receipt = await call(operator, "withdraw");
    const after = await operator.publicClient.getBalance({ address });

    expect(await read("isKeeper", [address])).toBe(false);
    expect(released).toBe(MIN_STAKE);
    expect(after - before).toBe(
      MIN_STAKE - receipt.gasUsed * receipt.effectiveGasPrice,
    );
    await expect(call(operator, "withdraw")).rejects.toMatchObject({
      message: `The contract refused: NothingToWithdraw(${address}).`,
    });
  });
});
