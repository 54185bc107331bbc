import fc from "fast-check";
import { nextSlot, taskIdOf } from "../../workflows/schedule";

describe("the job schedule", () => {
  it("keeps to the grid of the first run, whatever the lag", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 1, max: 10 ** 7 }),
        fc.integer({ min: 0, max: 10 ** 9 }),
        (scheduledAt, interval, lag) => {
          const next = nextSlot(scheduledAt, interval, scheduledAt + lag);

          expect((next - scheduledAt) % interval).toBe(0);
          expect(next).toBeGreaterThan(scheduledAt + lag);
          expect(next - interval).toBeLessThanOrEqual(
            Math.max(scheduledAt, scheduledAt + lag),
          );
        },
      ),
    );
  });

  it("runs the next slot when a run finished in time", () => {
    expect(nextSlot(1_000, 500, 1_200)).toBe(1_500);
  });

  it("skips the slots that passed while the job was paused", () => {
    expect(nextSlot(1_000, 500, 2_600)).toBe(3_000);
  });

  it("gives every run of every job its own task id", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 2n ** 60n }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.bigInt({ min: 1n, max: 2n ** 60n }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (jobA, runA, jobB, runB) => {
          fc.pre(jobA !== jobB || runA !== runB);
          expect(taskIdOf(jobA.toString(), runA)).not.toBe(
            taskIdOf(jobB.toString(), runB),
          );
        },
      ),
    );
  });
});
