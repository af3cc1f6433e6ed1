/**
 * Faces against detected people on the shared ImageNet dev photos: how many photos BlazeFace finds a
 * face in (the face analyzer's defaults) while CenterNet finds no person at or above a score — faces
 * that fuse's `caption_people_gap` counts as people (max of faces and persons). Most ImageNet photos
 * are of animals and things, so these are mostly animal faces; the list names each photo.
 *
 *   npx tsx bench/faces-persons.ts [--photos 500]
 *
 * Prints a table and the photos with a face and no person ≥ 0.3.
 */
import { parseArgs } from 'node:util';
import { decodeImage } from '@newsfuse/models/image/decode';
import { createCenterNetDetector } from '@newsfuse/models/image/detector';
import { createFaceAnalyzer } from '@newsfuse/models/image/faces';
import { imagenetFiles, imagenetImage, sharedMissing } from '@newsfuse/testkit/paths';

const { values } = parseArgs({ options: { photos: { type: 'string', default: '500' } } });
const missing = sharedMissing('the faces-vs-persons count (ImageNet dev photos)');
if (missing) throw new Error(missing);
const THRESHOLDS = [0.05, 0.1, 0.2, 0.3];
const files = imagenetFiles(Number(values.photos));
const detector = await createCenterNetDetector({ threads: 1, minScore: Math.min(...THRESHOLDS) });
const faces = await createFaceAnalyzer({ threads: 1 });

let withFaces = 0;
const noPerson = THRESHOLDS.map(() => 0);
const faceNoPerson = THRESHOLDS.map(() => 0);
const listed: string[] = [];
for (const f of files) {
  const img = await decodeImage(await imagenetImage(f));
  const person = Math.max(0, ...(await detector.detect(img)).filter((o) => o.label === 'person').map((o) => o.score));
  const found = await faces.analyze(img);
  if (found.length) withFaces++;
  THRESHOLDS.forEach((t, i) => {
    if (person >= t) return;
    noPerson[i]!++;
    if (found.length) faceNoPerson[i]!++;
  });
  if (found.length && person < 0.3)
    listed.push(`${f}: ${found.length} face(s), best ${found[0]!.score.toFixed(2)}; person ${person.toFixed(2)}`);
}
const rows = THRESHOLDS.map((t, i) => `| ${t} | ${noPerson[i]} | ${faceNoPerson[i]} of ${withFaces} |`);
process.stdout.write(
  [
    `${files.length} photos, ${withFaces} with a face`,
    '',
    '| person score below | photos without such a person | of them with a face |',
    '| --- | --- | --- |',
    ...rows,
    '',
    ...listed,
    '',
  ].join('\n'),
);
process.exit(0);
