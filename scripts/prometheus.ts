/**
 * `npm run prometheus`: a Prometheus server (Debian's `prometheus` package) scraping the services that
 * `npm start` runs on this machine, with the alert rules of infra/prometheus/alerts.yml. Writes its
 * config to <data>/../prometheus.yml; the ports are npm start's (DASHBOARD_PORT, INGEST_PORT, …).
 *
 *   npm run prometheus [-- --listen 127.0.0.1:9090] [--data .run/prometheus/data] [--interval 5s]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '@newsfuse/testkit/paths';
import { SERVICE_NAMES, loadRunConfig, portOf } from './supervisor/config.ts';

const USAGE = `usage: npm run prometheus [-- --listen HOST:PORT] [--data DIR] [--interval 5s]
  Runs Prometheus against the services of npm start on this machine (their ports: DASHBOARD_PORT=8080,
  INGEST_PORT=8081, …, as npm start), with infra/prometheus/alerts.yml. Needs Debian's prometheus package
  (apt-get install prometheus).`;

function main(): number | Promise<number> {
  const { values } = parseArgs({
    options: {
      listen: { type: 'string', default: '127.0.0.1:9090' },
      data: { type: 'string', default: join(REPO_ROOT, '.run', 'prometheus', 'data') },
      interval: { type: 'string', default: '5s' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const which = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' });
  const bin = which.stdout.trim();
  if (which.status !== 0 || !bin) {
    process.stderr.write('prometheus is not installed: apt-get install -y prometheus (Debian)\n');
    return 1;
  }
  const cfg = loadRunConfig();
  const data = resolve(values.data);
  mkdirSync(data, { recursive: true });
  const configFile = join(dirname(data), 'prometheus.yml');
  const targets = SERVICE_NAMES.map(
    (name) => `      - targets: ['127.0.0.1:${portOf(cfg, name)}']\n        labels: { component: ${name} }`,
  ).join('\n');
  writeFileSync(
    configFile,
    `# Written by scripts/prometheus.ts for the services of npm start on this machine.
global:
  scrape_interval: ${values.interval}
  scrape_timeout: ${values.interval}
  evaluation_interval: ${values.interval}
rule_files:
  - ${join(REPO_ROOT, 'infra', 'prometheus', 'alerts.yml')}
scrape_configs:
  - job_name: newsfuse
    metrics_path: /metrics
    static_configs:
${targets}
`,
  );
  process.stderr.write(`prometheus: http://${values.listen}/ (config ${configFile}, data ${data})\n`);
  const child = spawn(bin, [`--config.file=${configFile}`, `--storage.tsdb.path=${data}`, `--web.listen-address=${values.listen}`], {
    stdio: 'inherit',
  });
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => child.kill(s));
  return new Promise((res) => child.once('exit', (code, signal) => res(code ?? (signal ? 0 : 1))));
}

Promise.resolve(main()).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`prometheus: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
