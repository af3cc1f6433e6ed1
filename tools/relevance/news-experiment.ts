/**
 * The news part of `npm run eval:relevance`: features (cached), nested CV, the shipped choice, and the
 * committed weights to compare with. Rendered by news-report.ts.
 */
import { loadCalibration, loadFusionWeights } from '@newsfuse/pipeline/weights';
import { newsFeatures } from './news-features.ts';
import { crossValidateNews, finalCaptionModel, newsData, selectConfig } from './news-run.ts';
import { loadNewsSet, NEWS_FOLDS } from './news.ts';
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
  // one choice over all folds: the shipped model and the candidates' table come from it
  const selection = selectConfig(d, [...Array(NEWS_FOLDS).keys()]);
  const final = finalCaptionModel(d, selection);
  const candidates = selection.scores;
  // the same protocol on the pairs of the earlier definition (news.ts NewsDefinition 'v1'), reported beside
  const v1Set = loadNewsSet(undefined, undefined, 'v1');
  const v1Features = v1Set ? await newsFeatures({ set: v1Set }) : undefined;
  const previous = v1Features ? crossValidateNews(newsData(v1Features)) : undefined;
  return {
    started,
    features,
    cv,
    final,
    candidates,
    ...(previous ? { previous } : {}),
    committed: { weights: loadFusionWeights(), calibration: loadCalibration() },
  };
}
