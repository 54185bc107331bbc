/**
 * Receives the steps of provisioning and starting services, so the command
 * line can show them as they happen and tests can stay quiet.
 */
export type Progress = {
  step(service: string, message: string): void;
  done(service: string, message: string): void;
};

/** Writes progress lines to standard error. */
export function terminalProgress(
  stream: NodeJS.WritableStream = process.stderr,
): Progress {
  return {
    step: (service, message) => stream.write(`… ${service}: ${message}\n`),
    done: (service, message) => stream.write(`✓ ${service}: ${message}\n`),
  };
}

/** Discards progress. */
export const silentProgress: Progress = { step() {}, done() {} };
