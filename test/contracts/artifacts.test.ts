import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ARTIFACTS_DIR,
  compileContracts,
  renderArtifactFiles,
} from "../../contracts/compile";

describe("contract artifacts", () => {
  const expected = renderArtifactFiles(compileContracts());

  it("compiles every contract the network deploys", () => {
    const names = [...expected.keys()].filter((name) => name.endsWith(".json"));

    expect(names).toEqual([
      "KeeperRegistry.json",
      "PriceTarget.json",
      "TaskGateway.json",
    ]);
  });

  it("commits no artifact without a source", () => {
    const committed = readdirSync(ARTIFACTS_DIR).sort();

    expect(committed).toEqual([...expected.keys()].sort());
  });

  it.each([...expected.keys()])(
    "commits %s exactly as the sources compile today",
    (name) => {
      const committed = readFileSync(join(ARTIFACTS_DIR, name), "utf8");

      // On a mismatch run `npm run contracts:compile` and commit the result.
      expect(committed === expected.get(name)).toBe(true);
    },
  );
});
