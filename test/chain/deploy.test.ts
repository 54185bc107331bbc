import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AnvilChain, startAnvil } from "../../chain/anvil";
import { connectReader } from "../../chain/clients";
import {
  type DeployOptions,
  deployNetworkContracts,
  loadOrDeploy,
  type NetworkContracts,
} from "../../chain/deploy";
import { keeperRegistryAbi } from "../../contracts/artifacts/KeeperRegistry";
import { taskGatewayAbi } from "../../contracts/artifacts/TaskGateway";

const dir = mkdtempSync(join(tmpdir(), "triggerx-deploy-"));
let anvil: AnvilChain | undefined;

afterEach(async () => {
  await anvil?.stop();
  anvil = undefined;
});

function optionsFor(chain: AnvilChain, keeperCount = 1): DeployOptions {
  const [deployer, ...others] = chain.accounts;
  return {
    rpcUrl: chain.rpcUrl,
    deployerKey: deployer?.privateKey ?? "0x",
    keepers: others.slice(0, keeperCount).map((account) => account.address),
    pollingIntervalMs: 50,
  };
}

async function isKeeper(
  chain: AnvilChain,
  contracts: NetworkContracts,
  account: `0x${string}`,
): Promise<boolean> {
  const { publicClient } = await connectReader({ rpcUrl: chain.rpcUrl });
  return publicClient.readContract({
    address: contracts.registry,
    abi: keeperRegistryAbi,
    functionName: "isKeeper",
    args: [account],
  });
}

describe("deployNetworkContracts", () => {
  it("deploys the contracts, wires the gateway to the registry and adds the keepers", async () => {
    anvil = await startAnvil();
    const options = { ...optionsFor(anvil, 2), minStake: 10n ** 18n };

    const contracts = await deployNetworkContracts(options);
    const { publicClient } = await connectReader({ rpcUrl: anvil.rpcUrl });

    expect(contracts.chainId).toBe(31337);
    expect(contracts.deployer).toBe(anvil.accounts[0]?.address);
    expect(
      await publicClient.readContract({
        address: contracts.gateway,
        abi: taskGatewayAbi,
        functionName: "registry",
      }),
    ).toBe(contracts.registry);
    expect(
      await publicClient.readContract({
        address: contracts.registry,
        abi: keeperRegistryAbi,
        functionName: "minStake",
      }),
    ).toBe(10n ** 18n);
    for (const keeper of options.keepers) {
      expect(await isKeeper(anvil, contracts, keeper)).toBe(true);
    }
  });
});

describe("loadOrDeploy", () => {
  it("keeps the contracts of a chain restarted from its state file", async () => {
    const stateFile = join(dir, "state.json");
    const file = join(dir, "kept", "contracts.json");
    anvil = await startAnvil({ stateFile });
    const first = await loadOrDeploy(file, optionsFor(anvil));
    await anvil.stop();

    anvil = await startAnvil({ stateFile });
    const second = await loadOrDeploy(file, optionsFor(anvil, 2));

    expect(first.reused).toBe(false);
    expect(second.reused).toBe(true);
    expect(second.gateway).toBe(first.gateway);
    expect(JSON.parse(readFileSync(file, "utf8")).gateway).toBe(first.gateway);
    expect(
      await isKeeper(anvil, second, optionsFor(anvil, 2).keepers[1] ?? "0x"),
    ).toBe(true);
  });

  it("deploys again when the chain no longer has the contracts", async () => {
    const file = join(dir, "lost", "contracts.json");
    anvil = await startAnvil();
    await loadOrDeploy(file, optionsFor(anvil));
    await anvil.stop();

    anvil = await startAnvil();
    const again = await loadOrDeploy(file, optionsFor(anvil));

    expect(again.reused).toBe(false);
    expect(JSON.parse(readFileSync(file, "utf8")).gateway).toBe(again.gateway);
  });
});
