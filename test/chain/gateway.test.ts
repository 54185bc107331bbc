import { join } from "node:path";
import {
  type Address,
  encodeErrorResult,
  encodeFunctionData,
  type Hex,
  keccak256,
  toHex,
} from "viem";
import { type AnvilChain, startAnvil } from "../../chain/anvil";
import { connectWriter } from "../../chain/clients";
import {
  deployNetworkContracts,
  type NetworkContracts,
} from "../../chain/deploy";
import {
  estimateAndSubmitTask,
  findTaskSubmitted,
  type GatewayWriter,
  isTaskSubmitted,
  waitForTaskSubmitted,
} from "../../chain/gateway";
import { priceTargetAbi } from "../../contracts/artifacts/PriceTarget";
import { taskGatewayAbi } from "../../contracts/artifacts/TaskGateway";
import { compileContracts } from "../../contracts/compile";

let anvil: AnvilChain;
let contracts: NetworkContracts;
let keeper: GatewayWriter;
let otherKeeper: GatewayWriter;
let outsider: GatewayWriter;
let nextTaskId = 1n;

beforeAll(async () => {
  anvil = await startAnvil();
  const [deployer, first, second, third] = anvil.accounts;
  if (!deployer || !first || !second || !third) throw new Error("accounts");

  contracts = await deployNetworkContracts({
    rpcUrl: anvil.rpcUrl,
    deployerKey: deployer.privateKey,
    keepers: [first.address, second.address],
    pollingIntervalMs: 50,
  });
  keeper = await gatewayWriter(first.privateKey);
  otherKeeper = await gatewayWriter(second.privateKey);
  outsider = await gatewayWriter(third.privateKey);
});

afterAll(async () => {
  await anvil?.stop();
});

async function gatewayWriter(privateKey: Hex): Promise<GatewayWriter> {
  const writer = await connectWriter({
    rpcUrl: anvil.rpcUrl,
    privateKey,
    pollingIntervalMs: 50,
  });
  return { ...writer, gateway: contracts.gateway };
}

function swapTask(price: bigint) {
  return {
    jobId: 7n,
    taskId: nextTaskId++,
    target: contracts.target,
    data: encodeFunctionData({
      abi: priceTargetAbi,
      functionName: "swap",
      args: [price],
    }),
    outputHash: keccak256(toHex(`output ${price}`)),
    recordCid: `bafy-record-${price}`,
  };
}

function readTarget(functionName: "lastPrice" | "swapCount" | "pingCount") {
  return keeper.publicClient.readContract({
    address: contracts.target,
    abi: priceTargetAbi,
    functionName,
  });
}

describe("the task gateway", () => {
  it("refuses a caller the registry does not know", async () => {
    const submission = estimateAndSubmitTask(outsider, swapTask(1n));

    await expect(submission).rejects.toMatchObject({
      code: "GATEWAY_NOT_KEEPER",
      retryable: false,
      message: `The contract refused: NotKeeper(${outsider.account.address}).`,
    });
  });

  it("forwards a keeper's swap to the target and emits TaskSubmitted", async () => {
    const task = swapTask(2500n);

    const txHash = await estimateAndSubmitTask(keeper, task);
    const event = await waitForTaskSubmitted(keeper, {
      taskId: task.taskId,
      txHash,
    });

    expect(event).toMatchObject({
      jobId: 7n,
      taskId: task.taskId,
      performer: keeper.account.address,
      target: contracts.target,
      success: true,
      outputHash: task.outputHash,
      recordCid: task.recordCid,
      revertData: null,
      transactionHash: txHash,
    });
    expect(await readTarget("lastPrice")).toBe(2500n);
    expect(await readTarget("swapCount")).toBe(1n);
  });

  it("refuses a task id it has seen, whichever keeper sends it", async () => {
    const task = swapTask(3000n);
    await waitForTaskSubmitted(keeper, {
      taskId: task.taskId,
      txHash: await estimateAndSubmitTask(keeper, task),
    });

    for (const again of [keeper, otherKeeper]) {
      await expect(estimateAndSubmitTask(again, task)).rejects.toMatchObject({
        code: "GATEWAY_TASK_ALREADY_SUBMITTED",
        message: `The contract refused: TaskAlreadySubmitted(${task.taskId}).`,
      });
    }
    expect(await readTarget("swapCount")).toBe(2n);
  });

  it("refuses the task id on chain too, when a second transaction is mined", async () => {
    const task = swapTask(3100n);
    const first = await estimateAndSubmitTask(keeper, task);

    // Sent without simulation, as a keeper racing the first one would.
    const second = await otherKeeper.walletClient.writeContract({
      address: contracts.gateway,
      abi: taskGatewayAbi,
      functionName: "submitTask",
      args: [
        task.jobId,
        task.taskId,
        task.target,
        task.data,
        100_000n,
        task.outputHash,
        "other",
      ],
      gas: 300_000n,
    });
    const receipt = await keeper.publicClient.waitForTransactionReceipt({
      hash: second,
    });
    const event = await waitForTaskSubmitted(otherKeeper, {
      taskId: task.taskId,
      txHash: second,
    });

    expect(receipt.status).toBe("reverted");
    expect(event.transactionHash).toBe(first);
    expect(event.performer).toBe(keeper.account.address);
  });

  it("records a reverting target as a failed call while the submission succeeds", async () => {
    const task = {
      ...swapTask(0n),
      data: encodeFunctionData({
        abi: priceTargetAbi,
        functionName: "refuse",
        args: [42n],
      }),
    };

    const txHash = await estimateAndSubmitTask(keeper, task);
    const event = await waitForTaskSubmitted(keeper, {
      taskId: task.taskId,
      txHash,
    });
    const receipt = await keeper.publicClient.getTransactionReceipt({
      hash: txHash,
    });

    expect(receipt.status).toBe("success");
    expect(event.success).toBe(false);
    expect(event.revertData).toBe(
      encodeErrorResult({
        abi: priceTargetAbi,
        errorName: "Refused",
        args: [42n],
      }),
    );
    expect(await isTaskSubmitted(keeper, task.taskId)).toBe(true);
  });

  it("records a call to an address without code as failed", async () => {
    const task = { ...swapTask(1n), target: outsider.account.address };

    await estimateAndSubmitTask(keeper, task);
    const event = await waitForTaskSubmitted(keeper, { taskId: task.taskId });

    expect(event.success).toBe(false);
    expect(event.revertData).toBe("0x");
  });

  it("submits a run's record without a transaction", async () => {
    const pings = await readTarget("pingCount");
    const task = { ...swapTask(0n), target: null, data: undefined };

    const { data: _, ...recordOnly } = task;
    const txHash = await estimateAndSubmitTask(keeper, recordOnly);
    const event = await waitForTaskSubmitted(keeper, {
      taskId: task.taskId,
      txHash,
    });

    expect(event).toMatchObject({ target: null, success: true });
    expect(event.recordCid).toBe(task.recordCid);
    expect(await readTarget("pingCount")).toBe(pings);
  });

  it("lands concurrent submissions from one keeper", async () => {
    const tasks = [swapTask(6001n), swapTask(6002n), swapTask(6003n)];

    await Promise.all(tasks.map((task) => estimateAndSubmitTask(keeper, task)));
    const events = await Promise.all(
      tasks.map((task) =>
        waitForTaskSubmitted(keeper, { taskId: task.taskId }),
      ),
    );

    expect(events.map((event) => event.success)).toEqual([true, true, true]);
  });

  it("reports an unknown task as not submitted", async () => {
    expect(await isTaskSubmitted(keeper, 999_999n)).toBe(false);
    expect(await findTaskSubmitted(keeper, 999_999n)).toBeNull();
  });

  it("finds a landed task from a fresh connection, as after a restart", async () => {
    const task = swapTask(4000n);
    const txHash = await estimateAndSubmitTask(keeper, task);
    await waitForTaskSubmitted(keeper, { taskId: task.taskId, txHash });

    const restarted = await gatewayWriter(anvil.accounts[1]?.privateKey as Hex);
    const found = await findTaskSubmitted(restarted, task.taskId);

    expect(found?.transactionHash).toBe(txHash);
    expect(found?.recordCid).toBe(task.recordCid);
  });

  it("waits until the event is as deep as asked", async () => {
    const task = swapTask(5000n);
    await estimateAndSubmitTask(keeper, task);
    const landed = await waitForTaskSubmitted(keeper, { taskId: task.taskId });

    const deep = waitForTaskSubmitted(keeper, {
      taskId: task.taskId,
      confirmations: 3,
    });
    await keeper.publicClient.request({
      method: "anvil_mine" as never,
      params: ["0x2"] as never,
    });

    const confirmed = await deep;
    const head = await keeper.publicClient.getBlockNumber({ cacheTime: 0 });
    expect(confirmed.blockNumber).toBe(landed.blockNumber);
    expect(head - landed.blockNumber + 1n).toBeGreaterThanOrEqual(3n);
  });

  it("stops a target from submitting through the gateway while it is called", async () => {
    const reentrant = await deployReentrantTarget();
    const inner = nextTaskId++;
    const task = {
      ...swapTask(0n),
      target: reentrant.address,
      data: encodeFunctionData({
        abi: reentrant.abi,
        functionName: "reenter",
        args: [contracts.gateway, inner],
      }),
      gasLimit: 200_000n,
    };

    await estimateAndSubmitTask(keeper, task);
    const event = await waitForTaskSubmitted(keeper, { taskId: task.taskId });

    expect(event.success).toBe(false);
    expect(event.revertData).toBe(
      encodeErrorResult({ abi: taskGatewayAbi, errorName: "Reentered" }),
    );
    expect(await isTaskSubmitted(keeper, inner)).toBe(false);
  });
});

async function deployReentrantTarget() {
  const [artifact] = compileContracts(join(__dirname, "fixtures"));
  if (!artifact) throw new Error("fixture did not compile");

  const hash = await keeper.walletClient.deployContract({
    abi: artifact.abi,
    bytecode: artifact.bytecode,
  });
  const receipt = await keeper.publicClient.waitForTransactionReceipt({ hash });
  return { address: receipt.contractAddress as Address, abi: artifact.abi };
}
