/** Finds Debian's `prometheus` / `promtool` (apt-get install prometheus; .ci/run installs it). */
import { spawnSync } from 'node:child_process';

export function findTool(name: 'promtool' | 'prometheus'): string {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = r.stdout.trim();
  if (r.status !== 0 || !path) {
    throw new Error(
      `${name} is not installed: apt-get install -y prometheus (Debian's package has promtool and the server; .ci/run installs it)`,
    );
  }
  return path;
}
