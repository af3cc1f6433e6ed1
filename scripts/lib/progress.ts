/**
 * A progress bar per phase on stderr, for the long-running scripts: `progress(phase, done, total)`
 * starts a new bar when the phase changes and moves the current one otherwise; `end()` closes it.
 */
import cliProgress from 'cli-progress';

export function phasedProgress() {
  const bar = new cliProgress.SingleBar(
    { format: '{phase} [{bar}] {value}/{total} | {duration_formatted} | ETA {eta_formatted}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let phase = '';
  return {
    progress(name: string, done: number, total: number): void {
      if (name !== phase) {
        if (phase) bar.stop();
        phase = name;
        bar.start(total, done, { phase: name.padEnd(16) });
      } else bar.update(done);
    },
    end(): void {
      if (phase) bar.stop();
      phase = '';
    },
  };
}
