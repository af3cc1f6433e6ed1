// Worker-thread entry of the model host (start.ts spawns it). The parent's TypeScript loader is not
// active in worker threads, so it registers tsx before importing the host.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { serveModels } = await import('./host.ts');
const host = serveModels(workerData);
// 'stop': finish the run in progress, then end the thread (terminating it inside a native run aborts the process).
parentPort.on('message', (m) => {
  if (m === 'stop') void host.drain().then(() => process.exit(0));
});
