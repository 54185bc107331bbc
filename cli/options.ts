import { InvalidArgumentError } from "commander";

/** Parses a TCP port option (1–65535). */
export function parsePort(value: string): number {
  const port = Number(value);
  if (Number.isInteger(port) && port >= 1 && port <= 65_535) return port;

  throw new InvalidArgumentError("expected a port number from 1 to 65535");
}

/** Parses a whole number option of at least `min`. */
export function parseInteger(min = 0): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (Number.isSafeInteger(number) && number >= min) return number;

    throw new InvalidArgumentError(
      `expected a whole number of at least ${min}`,
    );
  };
}

/** Collects a repeatable option into an array. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
