/**
 * Preloaded into every node process of the stack by `bench:load` when BENCH_CPU_PROFILE_DIR is
 * set (NODE_OPTIONS=--import; Node 20 refuses --cpu-prof there). SIGUSR2 starts the V8 profiler,
 * the next SIGUSR2 stops it and writes `<script>-<pid>-<n>.cpuprofile` into the directory: the
 * bench profiles each measured window, not the set-up.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

const dir = process.env.BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  const script = (process.argv[1] ?? 'node').split(path.sep).slice(-3).join('_');
  let running = false;
  let windows = 0;
  process.on('SIGUSR2', () => {
    if (!running) {
      session.post('Profiler.start');
      running = true;
      return;
    }
    running = false;
    windows++;
    const file = path.join(dir, `${script}-${process.pid}-${windows}.cpuprofile`);
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(file, JSON.stringify(result.profile));
    });
  });
}
