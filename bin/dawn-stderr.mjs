// Dawn's stderr noise, filtered for the CLI (bin/fanout.mjs) and the web host (scripts/web.mjs).
//
// When it enumerates adapters, Dawn clamps some of the driver's limits and says so on stderr
// ("Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 …", and
// the same for storage buffers) on lavapipe, RADV, NVIDIA and others. It writes them with fprintf from
// native code straight to fd 2 (so no process.stderr hook sees them), unconditionally (no toggle or log
// level turns them off, and no requested limit avoids them: the clamp is applied to the adapter's own
// limits). They would break the promise that a failure is one line on stderr, and they look like a
// problem to a user starting the web host. So, without --verbose, the entry point runs itself again as a
// child process with its stderr piped through a filter that drops exactly those lines; stdin and stdout
// are the child's own (inherited), and its exit code or signal becomes the parent's.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/** Set in the child's environment: it is the filtered run and must not spawn another. */
export const FILTERED_ENV = 'FANOUT_STDERR_FILTERED';
/** The whole line Dawn prints for a clamped limit (with fprintf's "\n" already taken off). */
const DAWN_LIMIT_WARNING = /^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?$/;
const DAWN_LIMIT_WARNING_START = 'Warning: maxDynamic';

/** Whether this process is the filtered child. */
export const isFilteredChild = () => process.env[FILTERED_ENV] === '1';

/**
 * In the filtered child: exits when the parent is gone (killed with SIGKILL, it cannot pass anything on;
 * a web host left running would hold its port). Checks once a second without keeping the process alive.
 */
export function exitWithParent() {
  if (!isFilteredChild()) return;
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(1);
  }, 1000).unref();
}

/** Exits with `code` once stdout and stderr are flushed (dawn.node can keep the event loop alive after the GPU work is done, and piped output must not be cut off). */
export async function exit(code) {
  await new Promise((r) => process.stdout.write('', r));
  await new Promise((r) => process.stderr.write('', r));
  process.exit(code);
}

/**
 * Runs `script` with `args` as a child with stderr filtered (see the top of the file); never returns.
 * `name` prefixes the message when the child cannot start. `ownGroup` (a server that reads no stdin:
 * the web host): the child gets a process group of its own and every signal, SIGINT included, reaches
 * it through this process exactly once, whether the terminal sent it to the group or a process manager
 * to this pid alone.
 */
export async function runFiltered(script, args, name, { ownGroup = false } = {}) {
  // Ctrl+C reaches the child from the terminal (same process group), and the child handles it (complete
  // stops sampling and prints what it has): we only must not die first. Forwarding it would make it a
  // second SIGINT, which kills the child instead. SIGTERM and SIGHUP usually target our pid alone: pass
  // them on. The listeners go in before the spawn, which blocks until the child has started: a signal in
  // that time would otherwise end us and leave the child running. Their callbacks run after spawn returns.
  let child;
  if (ownGroup) process.on('SIGINT', () => child.kill('SIGINT'));
  else process.on('SIGINT', () => {});
  for (const sig of ['SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child = spawn(process.execPath, [...process.execArgv, script, ...args], {
    stdio: [ownGroup ? 'ignore' : 'inherit', 'inherit', 'pipe'],
    detached: ownGroup,
    env: { ...process.env, [FILTERED_ENV]: '1' },
  });

  child.stderr.setEncoding('utf8'); // decodes characters split across chunks
  const lines = lineFilter((line) => !DAWN_LIMIT_WARNING.test(line), DAWN_LIMIT_WARNING_START);
  child.stderr.on('data', (chunk) => {
    const out = lines.push(chunk);
    if (out) process.stderr.write(out);
  });
  const { code, signal, error } = await new Promise((resolve) => {
    child.on('error', (error) => resolve({ error }));
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  const rest = lines.end();
  if (rest) process.stderr.write(rest);
  if (error) {
    process.stderr.write(`${name}: error: cannot start its process (${error.message}); run it with --verbose, which runs without the stderr filter.\n`);
    await exit(2);
  }
  if (signal) {
    // Die of the same signal, so a shell or a parent process sees what the child saw.
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.removeAllListeners(sig);
    process.kill(process.pid, signal);
    await exit(128 + (constants.signals[signal] ?? 0));
  }
  await exit(code);
}

/**
 * A streaming line filter: push(text) returns what may be written now, end() the rest. A line is held
 * back only while it may still turn out to be dropped (it is a prefix of `dropStart`, or starts with
 * it); any other text is passed on at once, so prompts and progress without a newline are not delayed.
 */
function lineFilter(keep, dropStart) {
  let held = ''; // the start of the current line, held back
  let passing = false; // the current line is known to be kept and partly written
  return {
    push(text) {
      let out = '';
      while (text.length > 0) {
        const nl = text.indexOf('\n');
        const piece = nl < 0 ? text : text.slice(0, nl + 1);
        text = nl < 0 ? '' : text.slice(nl + 1);
        if (passing) {
          out += piece;
          passing = nl < 0;
          continue;
        }
        const line = held + piece;
        held = '';
        if (nl >= 0) {
          if (keep(line.slice(0, -1))) out += line;
        } else if (dropStart.startsWith(line) || line.startsWith(dropStart)) {
          held = line;
        } else {
          out += line;
          passing = true;
        }
      }
      return out;
    },
    end() {
      const line = held;
      held = '';
      return line && keep(line) ? line : '';
    },
  };
}
