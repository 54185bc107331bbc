import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { toChainError } from "./errors";

/** A wallet client that always has its chain and signing account. */
export type SigningClient = WalletClient<Transport, Chain, Account>;

/** Read access to one chain. */
export type ChainReader = {
  rpcUrl: string;
  chain: Chain;
  publicClient: PublicClient;
};

/** Read and write access to one chain as one account. */
export type ChainWriter = ChainReader & {
  account: Account;
  walletClient: SigningClient;
  /** Runs transaction-sending work one at a time (see `serialQueue`). */
  serialize<T>(task: () => Promise<T>): Promise<T>;
};

const DEFAULT_POLLING_INTERVAL_MS = 1_000;

export type ConnectOptions = {
  /** Any EVM JSON-RPC endpoint over HTTP(S). */
  rpcUrl: string;
  /** How often to poll for blocks and receipts; default 1000 ms. */
  pollingIntervalMs?: number;
};

/**
 * Connects to the chain behind `rpcUrl`. The chain is described from its
 * own `eth_chainId`, so no list of known chains is needed.
 */
export async function connectReader(
  options: ConnectOptions,
): Promise<ChainReader> {
  const transport = http(options.rpcUrl);
  const pollingInterval =
    options.pollingIntervalMs ?? DEFAULT_POLLING_INTERVAL_MS;
  const probe = createPublicClient({ transport });
  const id = await probe.getChainId().catch((error: unknown) => {
    throw toChainError(error, { rpcUrl: options.rpcUrl, action: "connect" });
  });

  const chain = defineChain({
    id,
    name: `chain ${id}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [options.rpcUrl] } },
  });
  const publicClient = createPublicClient({
    chain,
    transport,
    pollingInterval,
  });
  return {
    rpcUrl: options.rpcUrl,
    chain,
    publicClient: publicClient as PublicClient,
  };
}

/**
 * Connects to the chain behind `rpcUrl` and signs with `privateKey`
 * (transactions are signed locally; the node never sees the key).
 *
 * @example
 * const writer = await connectWriter({ rpcUrl, privateKey: keeperKey });
 */
export async function connectWriter(
  options: ConnectOptions & { privateKey: Hex },
): Promise<ChainWriter> {
  const reader = await connectReader(options);
  const account = privateKeyToAccount(options.privateKey);
  const walletClient = createWalletClient({
    account,
    chain: reader.chain,
    transport: http(options.rpcUrl),
    pollingInterval: options.pollingIntervalMs ?? DEFAULT_POLLING_INTERVAL_MS,
  });
  return { ...reader, account, walletClient, serialize: serialQueue() };
}

/**
 * Runs one task at a time, in call order. Transactions from one account go
 * through it so that each reads the pending nonce after the previous one
 * reached the node: concurrent sends would all read the same nonce, and a
 * locally counted nonce goes wrong for good once a send fails midway.
 *
 * TODO(chain): behind a load-balanced RPC provider the pending nonce can lag
 * between backends; such a collision surfaces as retryable `CHAIN_NONCE`.
 */
function serialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();

  return (task) => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}
