// Worker-thread side of the JS backend's async form: runs the JS kernel on a range of groups,
// reading and writing SharedArrayBuffer-backed arrays the main thread owns.
import { parentPort } from 'worker_threads';
import { computeJs, KernelArgs } from './kernel-js';

export interface ChunkTask {
  id: number;
  args: KernelArgs;
  begin: number;
  end: number;
}

parentPort?.on('message', (t: ChunkTask) => {
  let result;
  try {
    result = { id: t.id, r: computeJs(t.args, t.begin, t.end), error: null };
  } catch (e) {
    result = { id: t.id, r: null, error: e instanceof Error ? e.message : String(e) };
  }
  parentPort!.postMessage(result);
});
