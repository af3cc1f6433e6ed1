// Worker-thread entry for the benchmark's "extract work alone" run: registers tsx (the parent's loader
// is not active in worker threads), like services/extract/src/processors/*.thread.mjs.
import { register } from 'tsx/esm/api';

register();
await import('./alone.worker.ts');
