/**
 * Loads the dev set for the evaluation and the training script, with a progress bar (stderr) while
 * features are computed or read from the cache.
 */
import cliProgress from 'cli-progress';
import { devFeatures, type DevFeatures } from './features.ts';
import { allTexts, devSet, type DevSet } from './dataset.ts';

export interface Loaded {
  features: DevFeatures;
  dev: DevSet;
}

export async function loadDevSet(opts: { limit?: number; quiet?: boolean; refresh?: boolean } = {}): Promise<Loaded> {
  const bar = new cliProgress.SingleBar(
    {
      format: '{phase} [{bar}] {value}/{total} {cached} | {duration_formatted} (eta {eta_formatted})',
      hideCursor: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  let phase = '';
  let cachedCount = 0;
  const features = await devFeatures(allTexts, {
    ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
    ...(opts.refresh ? { refresh: true } : {}),
    onPhase: (p, total) => {
      if (opts.quiet) return;
      if (phase) bar.stop();
      phase = p === 'images' ? 'image features (detector, OCR, faces, MiniLM)' : 'text features (MiniLM, terms)';
      cachedCount = 0;
      bar.start(total, 0, { phase, cached: '' });
    },
    onProgress: (done, _total, _what, cached) => {
      if (opts.quiet) return;
      if (cached) cachedCount++;
      bar.update(done, { phase, cached: cachedCount ? `(${cachedCount} cached)` : '' });
    },
  });
  if (!opts.quiet && phase) bar.stop();
  return { features, dev: await devSet(features) };
}

/** A progress bar over named steps (cross-validation folds etc.). */
export function stepBar(total: number, label: string, quiet = false) {
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} {step} | {duration_formatted}`, hideCursor: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  if (!quiet) bar.start(total, 0, { step: '' });
  return {
    tick: (step: string) => !quiet && bar.increment(1, { step }),
    stop: () => !quiet && bar.stop(),
  };
}
