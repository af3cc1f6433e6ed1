/**
 * Preloaded into every service the main job starts (`node --import <this> …`): if the supervisor
 * dies without stopping its services (kill -9, a crash), the service notices that its parent changed
 * and stops itself with SIGTERM (a normal drain), instead of running on unsupervised.
 * Plain JavaScript: worker threads inherit the preload and load it before any TypeScript loader.
 */
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      process.kill(process.pid, 'SIGTERM');
    }
  }, 1_000);
  timer.unref();
}
