/** A promise with its settle functions outside (Promise.withResolvers, which Node 20 lacks). */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

/** `quiet`: a rejection nobody awaits is not an unhandled rejection (state is read elsewhere). */
export function deferred<T = void>(options: { quiet?: boolean } = {}): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  if (options.quiet) promise.catch(() => undefined);
  return { promise, resolve, reject };
}
