/**
 * Builds calldata with viem: a `transfer(address,uint256)` of a fixed amount
 * to the recipient in storage, sent when the hour of the run's logical time
 * is even. npm imports are bundled by `triggerx build` (and by `triggerx
 * test`), never resolved on a keeper.
 */
import { encodeFunctionData, getAddress, parseAbi, parseUnits } from "viem";

const erc20 = parseAbi([
  "function transfer(address to, uint256 amount) returns (bool)",
]);

export default async function main() {
  const env = process.env;
  const token = getAddress(env.TRIGGERX_STORAGE_token ?? "");
  const recipient = getAddress(env.TRIGGERX_STORAGE_recipient ?? "");
  const amount = parseUnits(env.TRIGGERX_STORAGE_amount ?? "1", 18);
  const hour = new Date(Number(env.TRIGGERX_TIMESTAMP) * 1000).getUTCHours();

  return {
    shouldExecute: hour % 2 === 0,
    targetContract: token,
    calldata: encodeFunctionData({
      abi: erc20,
      functionName: "transfer",
      args: [recipient, amount],
    }),
    storageUpdates: { lastHour: String(hour) },
    metadata: { reason: `hour ${hour} of the run's logical time` },
  };
}
