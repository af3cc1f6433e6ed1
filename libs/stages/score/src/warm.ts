/**
 * What scoring an article loads on first use, loaded before score takes work: the English COCO object
 * lexicon and jieba's dictionary (the first Chinese article). Built once per process; without this the
 * first articles after every start wait for them (~1 CPU s in a profiled bench run: `npm run bench --
 * --kinds img1 --skip models,transport,scaling,languages --profile --no-docs`).
 */
import { OBJECT_LEXICONS } from '@newsfuse/models/lexical/object-lexicons';
import { termsOf } from '@newsfuse/text/terms';

/** The warm-up steps, by name (the service runs them with `warmUp`, @newsfuse/shared/lifecycle). */
export function scoreWarmUp(): Record<string, () => unknown> {
  return {
    cocoLexicon: () => OBJECT_LEXICONS.en.labelsIn('a dog beside a train'),
    jieba: () => termsOf('乘客登上高铁列车', { lang: 'zh' }),
  };
}
