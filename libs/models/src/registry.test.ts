import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { crc32, deflateRawSync } from 'node:zlib';
import * as tar from 'tar';
import { sha256hex } from '@newsfuse/shared/hash';
import {
  ChecksumError,
  cacheRoot,
  ensureModel,
  loadManifest,
  modelFile,
  REPO_ROOT,
  README_TABLE_END,
  README_TABLE_START,
  renderModelTable,
  resolveModel,
  type ManifestEntry,
} from './registry.ts';

/** Minimal zip writer (deflated entries) so the jar path is tested without Maven. */
function makeZip(files: Record<string, Buffer>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const n = Buffer.from(name);
    const comp = deflateRawSync(data);
    const crc = crc32(data) >>> 0;
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(8, 8); // deflate
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(comp.length, 18);
    lh.writeUInt32LE(data.length, 22);
    lh.writeUInt16LE(n.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(8, 10);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(comp.length, 20);
    ch.writeUInt32LE(data.length, 24);
    ch.writeUInt16LE(n.length, 28);
    ch.writeUInt32LE(offset, 42);
    locals.push(lh, n, comp);
    centrals.push(ch, n);
    offset += 30 + n.length + comp.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

void describe('registry (offline, with pre-seeded source archives)', () => {
  let dir: string;
  const KEYS = ['NEWSFUSE_CACHE', 'NEWSFUSE_MODELS_MANIFEST', 'NEWSFUSE_MODELS_OFFLINE'] as const;
  const saved = KEYS.map((k) => process.env[k]);
  const onnx = Buffer.from('fake-onnx-bytes'.repeat(100));
  const tok = Buffer.from('{"fake":"tokenizer"}');
  const det = Buffer.from('fake-det');
  const dict = Buffer.from('a\nb\n');
  let entries: ManifestEntry[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'newsfuse-registry-'));
    process.env.NEWSFUSE_CACHE = join(dir, 'cache');
    process.env.NEWSFUSE_MODELS_MANIFEST = join(dir, 'manifest.json');
    process.env.NEWSFUSE_MODELS_OFFLINE = '1';
    const src = join(dir, 'cache', 'models', '.sources');
    await mkdir(join(src, 'maven'), { recursive: true });
    await mkdir(join(src, 'npm'), { recursive: true });
    await writeFile(
      join(src, 'maven', 'fake-model-1.0.jar'),
      makeZip({ 'META-INF/MANIFEST.MF': Buffer.from('x'), 'm.onnx': onnx, 'm-tok.json': tok }),
    );
    const stage = join(dir, 'stage');
    await mkdir(join(stage, 'package', 'assets'), { recursive: true });
    await writeFile(join(stage, 'package', 'assets', 'det.onnx'), det);
    await writeFile(join(stage, 'package', 'assets', 'keys.txt'), dict);
    await tar.c({ gzip: true, file: join(src, 'npm', 'fake-ocr-2.0.0.tgz'), cwd: stage }, ['package']);
    const maven = { kind: 'maven', coordinate: 'org.example:fake-model', version: '1.0' } as const;
    const npm = { kind: 'npm', package: '@fake/ocr', version: '2.0.0' } as const;
    entries = [
      { name: 'm', source: maven, path: 'm.onnx', sha256: sha256hex(onnx), licence: 'Apache-2.0', bytes: onnx.length },
      { name: 'm-tok', source: maven, path: 'm-tok.json', sha256: null, licence: 'Apache-2.0', bytes: null },
      {
        name: 'det',
        source: npm,
        path: 'assets/det.onnx',
        sha256: sha256hex(det),
        licence: 'Apache-2.0',
        bytes: det.length,
        files: [{ path: 'assets/keys.txt', sha256: sha256hex(dict), bytes: dict.length }],
      },
      { name: 'bad', source: npm, path: 'assets/keys.txt', sha256: '0'.repeat(64), licence: 'x', bytes: 1 },
      { name: 'absent', source: { kind: 'npm', package: 'nope', version: '1.0.0' }, path: 'x', sha256: null, licence: 'x', bytes: null },
    ];
    await writeFile(process.env.NEWSFUSE_MODELS_MANIFEST, JSON.stringify(entries));
  });
  after(async () => {
    KEYS.forEach((k, i) => (saved[i] === undefined ? delete process.env[k] : (process.env[k] = saved[i])));
    await rm(dir, { recursive: true, force: true });
  });

  void test('extracts from a jar, verifies, then is idempotent', async () => {
    const e = entries[0]!;
    const r1 = await ensureModel(e);
    assert.equal(r1.files[0]!.status, 'extracted');
    assert.equal(r1.file, join(cacheRoot(), 'm', 'm.onnx'));
    assert.deepEqual(await readFile(r1.file), onnx);
    const r2 = await ensureModel(e);
    assert.equal(r2.files[0]!.status, 'ok');
  });

  void test('unpinned entries are reported as such', async () => {
    const r = await ensureModel(entries[1]!);
    assert.equal(r.files[0]!.status, 'unpinned');
    assert.equal(r.files[0]!.sha256, sha256hex(tok));
  });

  void test('extracts from an npm tarball, companions land beside the main file', async () => {
    const r = await ensureModel(entries[2]!);
    assert.deepEqual(
      r.files.map((f) => [f.file, f.status]),
      [
        [join(cacheRoot(), 'det', 'det.onnx'), 'extracted'],
        [join(cacheRoot(), 'det', 'keys.txt'), 'extracted'],
      ],
    );
  });

  void test('a corrupted cached file is re-extracted', async () => {
    const e = entries[0]!;
    await writeFile(modelFile(e), 'tampered');
    const r = await ensureModel(e);
    assert.equal(r.files[0]!.status, 'extracted');
    assert.deepEqual(await readFile(r.file), onnx);
  });

  void test('a hash mismatch with the source is a ChecksumError', async () => {
    await assert.rejects(ensureModel(entries[3]!), ChecksumError);
  });

  void test('offline mode refuses to download a missing source', async () => {
    await assert.rejects(ensureModel(entries[4]!), /NEWSFUSE_MODELS_OFFLINE/);
  });

  void test('resolveModel returns the absolute path and rejects unknown names', async () => {
    assert.equal(await resolveModel('det'), join(cacheRoot(), 'det', 'det.onnx'));
    await assert.rejects(resolveModel('no-such-model'), /unknown model/);
  });

  void test('loadManifest rejects duplicates and bad entries', async () => {
    const p = join(dir, 'dup.json');
    await writeFile(p, JSON.stringify([entries[0], entries[0]]));
    await assert.rejects(loadManifest(p), /duplicate/);
    await writeFile(p, JSON.stringify([{ ...entries[0], path: '../etc/passwd' }]));
    await assert.rejects(loadManifest(p), /bad path/);
    await writeFile(p, JSON.stringify({ not: 'a list' }));
    await assert.rejects(loadManifest(p), /JSON list/);
  });
});

void describe('the repository manifest', () => {
  void test('is a valid list whose entries are all pinned and licensed', async () => {
    const entries = await loadManifest(join(REPO_ROOT, 'models', 'manifest.json'));
    assert.ok(entries.length >= 5);
    for (const e of entries) {
      assert.match(e.sha256 ?? '', /^[0-9a-f]{64}$/, `${e.name} sha256 not pinned`);
      assert.ok(e.licence, `${e.name} has no licence`);
      assert.ok((e.bytes ?? 0) > 0, `${e.name} has no size`);
    }
    const names = entries.map((e) => e.name);
    for (const n of ['all-minilm-l6-v2-q', 'all-minilm-l6-v2-q-tokenizer', 'ppocr-v4-det', 'ppocr-v4-rec', 'ppocr-keys-v1'])
      assert.ok(names.includes(n), `${n} missing from the manifest`);
  });

  void test('models/README.md lists every entry (npm run models:fetch -- --readme)', async () => {
    const entries = await loadManifest(join(REPO_ROOT, 'models', 'manifest.json'));
    const readme = await readFile(join(REPO_ROOT, 'models', 'README.md'), 'utf8');
    // compare cell by cell, so prettier's column alignment does not matter
    const cells = (md: string) =>
      md
        .slice(md.indexOf(README_TABLE_START), md.indexOf(README_TABLE_END))
        .split('\n')
        .filter((l) => l.startsWith('|') && !/^\|[\s|:-]+\|$/.test(l))
        .map((l) => l.split('|').map((c) => c.trim()));
    assert.deepEqual(cells(readme), cells(renderModelTable(entries)), 'README table is stale: run npm run models:fetch -- --readme');
  });
});
