/**
 * Fetch and verify every model in models/manifest.json into the cache.
 *
 *   npm run models:fetch                    fetch what is missing, verify everything, print a table
 *   npm run models:fetch -- --pin           also write sha256/bytes of unpinned entries into the manifest
 *   npm run models:fetch -- --only a,b      restrict to some names
 *   npm run models:fetch -- --offline       never download (same as NEWSFUSE_MODELS_OFFLINE=1)
 *   npm run models:fetch -- --readme        only regenerate the table in models/README.md from the manifest
 *
 * Idempotent: a second run only re-hashes the cached files (no network).
 * Entries of kind "converted" (the TFJS models as ONNX) are made here from their source entry by the
 * project's converter (tools/tfjs-onnx) and verified against their pinned sha256 like the others.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import {
  cacheRoot,
  ensureModel,
  loadManifest,
  manifestPath,
  replaceReadmeTable,
  saveManifest,
  sourceId,
  type ModelReport,
} from '@newsfuse/models/registry';
import { CONVERTERS } from '../tools/tfjs-onnx/src/index.ts';
import { FINETUNE_CONVERTERS } from '../tools/finetune-zh/src/pack.ts';
import { REPO_ROOT } from '@newsfuse/testkit/paths';

const { values } = parseArgs({
  options: {
    pin: { type: 'boolean', default: false },
    only: { type: 'string' },
    offline: { type: 'boolean', default: false },
    readme: { type: 'boolean', default: false },
  },
});
if (values.offline) process.env.NEWSFUSE_MODELS_OFFLINE = '1';

const readmePath = join(dirname(manifestPath()), 'README.md');
/** Regenerate the README table from the manifest, formatted with the repo's prettier config. */
async function updateReadme(entries: Awaited<ReturnType<typeof loadManifest>>): Promise<void> {
  const text = replaceReadmeTable(await readFile(readmePath, 'utf8'), entries);
  const options = (await prettier.resolveConfig(readmePath)) ?? {};
  await writeFile(readmePath, await prettier.format(text, { ...options, filepath: readmePath }));
  console.log(`updated ${relative(REPO_ROOT, readmePath)}`);
}

if (values.readme) {
  await updateReadme(await loadManifest());
  process.exit(0);
}

const only = values.only ? new Set(values.only.split(',').map((s) => s.trim())) : null;
const manifest = await loadManifest();
const entries = manifest.filter((e) => !only || only.has(e.name));
const t0 = performance.now();
const reports: ModelReport[] = [];
const failures: string[] = [];
const downloads: string[] = [];

for (const entry of entries) {
  try {
    reports.push(
      await ensureModel(entry, {
        onDownload: (s) => (downloads.push(s), console.log(`downloading ${s} ...`)),
        converters: { ...CONVERTERS, ...FINETUNE_CONVERTERS },
        manifest,
      }),
    );
  } catch (err) {
    failures.push(`${entry.name}: ${(err as Error).message}`);
  }
}

// Table
const rows = reports.flatMap((r) =>
  r.files.map((f, i) => [
    i === 0 ? r.entry.name : '  +',
    i === 0 ? sourceId(r.entry.source) : '',
    f.path,
    (f.bytes / 1e6).toFixed(2) + ' MB',
    f.sha256.slice(0, 16),
    f.status,
    i === 0 ? r.entry.licence : '',
  ]),
);
const header = ['name', 'source', 'path', 'size', 'sha256', 'status', 'licence'];
const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
const line = (cells: string[]) =>
  cells
    .map((s, c) => s.padEnd(widths[c]!))
    .join('  ')
    .trimEnd();
console.log(`cache: ${relative(REPO_ROOT, cacheRoot()) || cacheRoot()}`);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
console.log(
  `${reports.length}/${entries.length} models ok, ${downloads.length} download(s), ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

const unpinned = reports.filter((r) => r.files.some((f) => f.status === 'unpinned'));
if (values.pin && unpinned.length) {
  // Re-read right before writing so concurrent edits of other entries are kept.
  const fresh = await loadManifest();
  for (const r of unpinned) {
    const e = fresh.find((x) => x.name === r.entry.name);
    if (!e) continue;
    const [main, ...rest] = r.files;
    if (!e.sha256) {
      e.sha256 = main!.sha256;
      e.bytes = main!.bytes;
    }
    for (const [i, f] of (e.files ?? []).entries()) {
      const got = rest[i];
      if (!f.sha256 && got) {
        f.sha256 = got.sha256;
        f.bytes = got.bytes;
      }
    }
  }
  await saveManifest(fresh);
  try {
    await updateReadme(fresh);
  } catch {
    console.log('models/README.md table not updated (no README or no table markers)');
  }
  console.log(`pinned ${unpinned.map((r) => r.entry.name).join(', ')} in ${relative(REPO_ROOT, manifestPath())}`);
} else if (unpinned.length) {
  console.log(`unpinned (no sha256 in manifest): ${unpinned.map((r) => r.entry.name).join(', ')} — rerun with --pin`);
}

if (failures.length) {
  console.error(`\n${failures.length} failure(s):\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
