/**
 * The job-thread side of pool.ts: a thread entry calls `serveJobs({ text, image, … })` once; each job the
 * main thread sends runs its kind's processor at once, so several jobs are in progress in the thread
 * together (while one waits for the model host or a download, another pre-processes). How many is the
 * main thread's BullMQ workers' concurrency. 'stop' ends the thread once no job is in progress.
 */
import { parentPort } from 'node:worker_threads';
import { serializeError, type FromThread, type ThreadProcessor, type ToThread } from './protocol.ts';

export function serveJobs(processors: Record<string, ThreadProcessor>): void {
  const port = parentPort;
  if (!port) throw new Error('serveJobs: not in a worker thread');
  const post = (m: FromThread) => port.postMessage(m);
  let inProgress = 0;
  let stopping = false;
  const exitIfIdle = () => {
    // process.exit in a worker thread ends the thread only; it waits for no native run (none is in progress).
    if (stopping && inProgress === 0) process.exit(0);
  };
  port.on('message', (m: ToThread) => {
    if (m.type === 'stop') {
      stopping = true;
      exitIfIdle();
      return;
    }
    const processor = processors[m.kind];
    if (!processor) {
      post({ type: 'failed', id: m.id, error: { name: 'Error', message: `no processor for job kind "${m.kind}" in this thread` } });
      return;
    }
    inProgress++;
    void Promise.resolve()
      .then(() => processor(m.job as never))
      .then(
        (value) => post({ type: 'done', id: m.id, value }),
        (err: unknown) => post({ type: 'failed', id: m.id, error: serializeError(err) }),
      )
      .finally(() => {
        inProgress--;
        exitIfIdle();
      });
  });
  post({ type: 'ready' });
}
