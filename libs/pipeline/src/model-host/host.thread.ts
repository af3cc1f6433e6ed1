// Worker-thread entry of the model host: start.ts compiles it to JavaScript (thread-entry.ts) and
// spawns it.
import { parentPort, workerData } from 'node:worker_threads';
import { serveModels, type ModelHostOptions } from './host.ts';

const host = serveModels(workerData as ModelHostOptions);
// 'stop': finish the run in progress, then end the thread (terminating it inside a native run aborts the process).
parentPort!.on('message', (m) => {
  if (m === 'stop') void host.drain().then(() => process.exit(0));
});
