/**
 * When the run after the one scheduled at `scheduledAt` is due. Runs keep
 * to the grid `firstRunAt + k * interval`, so lag never accumulates (no
 * drift); slots that passed while a run was late or the job was paused are
 * skipped rather than run one after another.
 *
 * @example nextSlot(1000, 500, 1200) === 1500
 * @example nextSlot(1000, 500, 2600) === 3000 // 1500, 2000, 2500 passed
 */
export function nextSlot(
  scheduledAt: number,
  intervalMs: number,
  now: number,
): number {
  const next = scheduledAt + intervalMs;
  if (next > now) return next;

  const missed = Math.floor((now - next) / intervalMs) + 1;
  return next + missed * intervalMs;
}

/**
 * Task ids are unique across the network and derivable from the job and
 * the run's index: the job id in the high bits, the run index in the low
 * 32. The gateway refuses a task id twice, so a retried run cannot land
 * two transactions.
 */
export function taskIdOf(jobId: string, runIndex: number): string {
  return ((BigInt(jobId) << 32n) | BigInt(runIndex)).toString();
}

/** The execution id of a run; one per task, whichever keeper performs it. */
export function executionIdOf(jobId: string, runIndex: number): string {
  return `${jobId}-${runIndex}`;
}
