/**
 * Ordered, idempotent shutdown (after bullmq Worker.close / kafkajs sharedPromiseTo): steps run in the
 * order they were registered, every step runs even if an earlier one throws, close() is memoised.
 */
import type { Logger } from './logger.ts';

export interface Lifecycle {
  /** Register a shutdown step; steps run in registration order (register intake first). */
  onClose(name: string, step: () => unknown): void;
  close(reason?: string): Promise<void>;
  readonly closing: boolean;
  installSignalHandlers(exit?: (code: number) => void): void;
  [Symbol.asyncDispose](): Promise<void>;
}

export function createLifecycle(logger: Pick<Logger, 'info' | 'error' | 'warn'>, timeoutMs = 20_000): Lifecycle {
  const steps: { name: string; step: () => unknown }[] = [];
  let closing: Promise<void> | undefined;

  const close = (reason = 'close'): Promise<void> => {
    closing ??= (async () => {
      logger.info({ reason }, 'shutting down');
      for (const { name, step } of steps) {
        try {
          await step();
        } catch (err) {
          logger.error({ err, step: name }, 'shutdown step failed');
        }
      }
      logger.info('shut down');
    })();
    return closing;
  };

  return {
    onClose(name, step) {
      steps.push({ name, step });
    },
    close,
    get closing() {
      return closing !== undefined;
    },
    installSignalHandlers(exit = (code) => process.exit(code)) {
      const handler = (signal: NodeJS.Signals) => {
        if (closing) {
          logger.warn({ signal }, 'second signal: exiting now');
          exit(130);
          return;
        }
        const timer = setTimeout(() => {
          logger.error({ timeoutMs }, 'shutdown timed out');
          exit(1);
        }, timeoutMs);
        timer.unref();
        void close(signal).then(() => exit(0));
      };
      process.on('SIGTERM', handler);
      process.on('SIGINT', handler);
    },
    [Symbol.asyncDispose]: () => close('dispose'),
  };
}

/**
 * Runs a service's warm-up steps (what its stage would otherwise load on its first articles: lexicons,
 * a segmenter's dictionary, a tagger) one after the other, before it takes work; the ms each took.
 */
export function warmUp(steps: Record<string, () => unknown>): Record<string, number> {
  const took: Record<string, number> = {};
  for (const [name, step] of Object.entries(steps)) {
    const t = performance.now();
    step();
    took[name] = Math.round(performance.now() - t);
  }
  return took;
}
