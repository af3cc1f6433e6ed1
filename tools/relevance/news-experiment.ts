/**
 * The news part of `npm run eval:relevance`: features (cached), nested CV, the shipped choice, and the
 * committed weights to compare with. Rendered by news-report.ts.
 */
import { loadCalibration, loadFusionWeights } from '@newsfuse/pipeline/weights';
import { newsFeatures } from './news-features.ts';
import { crossValidateNews, finalCaptionModel, newsData, selectConfig } from './news-run.ts';
import { NEWS_FOLDS } from './news.ts';
import type { NewsExperiment } from './news-report.ts';

export async function runNewsExperiment(opts: { quiet?: boolean } = {}): Promise<NewsExperiment | undefined> {
  const started = Date.now();
  const features = await newsFeatures({
    ...(opts.quiet
      ? {}
      : { onProgress: (done, total) => process.stderr.write(`\rnews text features ${done}/${total}${done === total ? '\n' : ''}`) }),
  });
  if (!features) return undefined;
  const d = newsData(features);
  const cv = crossValidateNews(d);
  const final = finalCaptionModel(d);
  const candidates = selectConfig(d, [...Array(NEWS_FOLDS).keys()]).scores;
  return { started, features, cv, final, candidates, committed: { weights: loadFusionWeights(), calibration: loadCalibration() } };
}
