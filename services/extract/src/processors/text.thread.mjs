// Entry point of the sandboxed text processor. BullMQ loads it in a worker thread, where the parent's
// TypeScript loader is not active, so it registers tsx before importing the TypeScript processor.
import { register } from 'tsx/esm/api';

register();
const { default: processor } = await import('./text.ts');
export default processor;
