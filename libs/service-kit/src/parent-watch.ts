/**
 * A supervised service notices that its supervisor is gone. `npm start` runs each service in a
 * process group (and session) of its own, so when the supervisor is SIGKILLed or crashes no
 * signal ever reaches the service again: it would live on as an orphan. The supervisor
 * therefore hands every child the read end of a pipe as stdin and says so in
 * `STOP_WHEN_STDIN_CLOSES=1`; it never writes to it. The kernel closes the write end when the
 * supervisor dies, however it dies, and the service reads end-of-file. That holds through
 * wrappers (npm, sh, tsx inherit stdin) where a check of the parent pid would only see the
 * wrapper.
 */
export const PARENT_WATCH_ENV = 'STOP_WHEN_STDIN_CLOSES';

/**
 * Calls `gone` once when stdin reaches end-of-file or fails, if the environment asks for it
 * (never for a terminal: reading it would take the user's input). Returns whether it watches.
 */
export function watchParent(
  gone: () => void,
  env: NodeJS.ProcessEnv = process.env,
  stdin: NodeJS.ReadStream = process.stdin,
): boolean {
  if (env[PARENT_WATCH_ENV] !== '1' || stdin.isTTY) return false;
  let called = false;
  const once = () => {
    if (called) return;
    called = true;
    gone();
  };
  stdin.on('end', once);
  stdin.on('close', once);
  stdin.on('error', once);
  // The supervisor writes nothing; reading only makes end-of-file observable.
  stdin.on('data', () => undefined);
  stdin.resume();
  // Watching must not keep a stopped service alive.
  (stdin as NodeJS.ReadStream & { unref?: () => void }).unref?.();
  return true;
}
