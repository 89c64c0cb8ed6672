// The executor for the dataset tests that run programs, loaded lazily, so that such a file still collects
// (and skips those tests, saying why) on a machine where the native addon cannot be built.
import type { Executor as ExecutorType } from '../../lib/exec';

export type ExecutorClass = new (o: object) => ExecutorType;

/** The Executor class when one can be made here, else null (with a warning naming `what` and the reason). */
export async function executorOrSkip(what: string): Promise<ExecutorClass | null> {
  try {
    const E = (await import('../../lib/exec')).Executor as unknown as ExecutorClass;
    await new E({ concurrency: 1 }).close();
    return E;
  } catch (e) {
    console.warn(`${what} skipped: the executor does not load (${(e as Error).message})`);
    return null;
  }
}
