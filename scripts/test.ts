/**
 * The test command (`npm test`): fetches the models if needed, finds or starts Kafka and Redis
 * (unless a Docker engine is to be used by testcontainers), runs every unit and integration test
 * with node's test runner, and stops what it started.
 *
 *   npm test                 all tests
 *   npm test -- <files...>   only these files
 *   npm run test:unit        the unit tests beside the code (no broker needed)
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureInfra, ensureModels } from '@newsfuse/testkit/infra';
import { REPO_ROOT } from '@newsfuse/testkit/paths';

function findTests(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(REPO_ROOT, path));
  }
  return out;
}

const dockerAnswers = () => spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 }).status === 0;

async function main(): Promise<number> {
  const unitOnly = process.argv.includes('--unit');
  const args = process.argv.slice(2).filter((a) => a !== '--unit');
  const dirs = unitOnly ? ['libs', 'services', 'tools', 'scripts', 'bench'] : ['libs', 'services', 'tools', 'scripts', 'bench', 'tests'];
  const files = args.length > 0 ? args : dirs.flatMap((d) => findTests(join(REPO_ROOT, d))).sort();
  ensureModels();
  // Unit tests need no broker; with a Docker engine and no explicit env, testcontainers provides them.
  const localInfra = !unitOnly && !(!process.env.KAFKA_BROKERS && !process.env.REDIS_URL && dockerAnswers());
  const infra = localInfra ? await ensureInfra() : undefined;
  const env = { ...process.env, ...(infra ? { KAFKA_BROKERS: infra.brokers, REDIS_URL: infra.redisUrl } : {}) };
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
    cwd: REPO_ROOT,
    env,
    stdio: 'inherit',
  });
  const stop = () => child.kill('SIGTERM');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const code = await new Promise<number>((resolve) => child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  infra?.stop();
  return code;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`test: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
