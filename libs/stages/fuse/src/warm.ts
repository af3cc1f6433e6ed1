/**
 * What fusing an article loads on first use, loaded before fuse takes work: the English COCO object
 * lexicon (built from its table and stemmed), jieba's dictionary (the first Chinese article or caption)
 * and the `compromise` tagger (the first caption naming people without a count). Each is built once per
 * process; without this the first articles after every start wait for all three (~1–2 CPU s in a
 * profiled bench run: `npm run bench -- --kinds img1 --skip models,transport,scaling,languages --profile
 * --no-docs`).
 */
import { OBJECT_LEXICONS } from '@newsfuse/models/lexical/object-lexicons';
import { peopleCount } from '@newsfuse/text/captions';

/** The warm-up steps, by name (the service runs them with `warmUp`, @newsfuse/shared/lifecycle). */
export function fuseWarmUp(): Record<string, () => unknown> {
  return {
    cocoLexicon: () => OBJECT_LEXICONS.en.labelsIn('a dog beside a train'),
    jieba: () => OBJECT_LEXICONS.zh.labelsIn('乘客登上高铁列车'),
    compromise: () => peopleCount('Kauri Parata, watched by his father Hori Parata'),
  };
}
