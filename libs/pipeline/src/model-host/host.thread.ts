// Worker-thread entry of the model host: start.ts compiles it to JavaScript (thread-entry.ts) and
// spawns it.
import { parentPort, workerData } from 'node:worker_threads';
import { serveModels, type ModelHostOptions } from './host.ts';
import { threadMemory } from '../thread-memory.ts';

const host = serveModels(workerData as ModelHostOptions);
// 'stop': finish the run in progress, then end the thread (terminating it inside a native run aborts the process).
// 'memory': what this thread holds (the memory breakdown).
parentPort!.on('message', (m) => {
  if (m === 'stop') void host.drain().then(() => process.exit(0));
  else if (m === 'memory') parentPort!.postMessage({ memory: threadMemory() });
});
