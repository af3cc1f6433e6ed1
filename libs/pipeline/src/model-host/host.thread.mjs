// Worker-thread entry of the model host (start.ts spawns it). The parent's TypeScript loader is not
// active in worker threads, so it registers tsx before importing the host.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { serveModels } = await import('./host.ts');
serveModels(workerData);
