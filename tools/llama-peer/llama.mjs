// Loads llama.cpp through node-llama-cpp for the peer scripts (logprobs.mjs, bench.mjs): the prebuilt CPU
// binary of @node-llama-cpp/linux-x64 only, never a download or a build; llama.cpp's messages go to stderr
// when FANOUT_PEER_VERBOSE=1, otherwise the last warnings are kept to explain a failure.
export const VERBOSE = process.env.FANOUT_PEER_VERBOSE === '1';
/** the last llama.cpp warnings/errors, appended to an error's message */
export const recentLogs = [];

export async function loadLlama(threads) {
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  const llama = await getLlama({
    gpu: false, // CPU backend only
    build: 'never', // use the prebuilt binary from @node-llama-cpp/linux-x64; never compile
    skipDownload: true, // never fetch llama.cpp's sources
    usePrebuiltBinaries: true,
    progressLogs: false,
    maxThreads: threads,
    logLevel: VERBOSE ? LlamaLogLevel.debug : LlamaLogLevel.warn,
    logger: (level, message) => {
      if (VERBOSE) process.stderr.write(`[llama.cpp ${level}] ${message}${message.endsWith('\n') ? '' : '\n'}`);
      else if (level === LlamaLogLevel.error || level === LlamaLogLevel.warn || level === LlamaLogLevel.fatal) {
        recentLogs.push(message.trim());
        if (recentLogs.length > 5) recentLogs.shift();
      }
    },
  });
  if (llama.gpu !== false || llama.buildType !== 'prebuilt') throw new Error(`expected the prebuilt CPU binary, got gpu=${llama.gpu} buildType=${llama.buildType}`);
  return llama;
}

/** Everything but the one JSON answer goes to stderr (and only when verbose). Returns finish(obj, code). */
export function jsonAnswer() {
  const realStdoutWrite = process.stdout.write.bind(process.stdout);
  console.log = console.info = console.debug = console.warn = console.error = (...args) => {
    if (VERBOSE) process.stderr.write(args.map(String).join(' ') + '\n');
  };
  return (obj, code) => realStdoutWrite(JSON.stringify(obj) + '\n', () => process.exit(code));
}

/** Runs main() and answers its result, or { error } with llama.cpp's last warnings (exit 1). */
export function answer(main) {
  const finish = jsonAnswer();
  main().then(
    (out) => finish(out, 0),
    (e) => {
      const msg = e instanceof Error ? e.message : String(e);
      finish({ error: (recentLogs.length ? `${msg} (llama.cpp: ${recentLogs.join(' | ')})` : msg).replace(/\s+/g, ' ').trim() }, 1);
    },
  );
}
