/**
 * Loaded into a service with `SERVICE_NODE_FLAGS=--import <this file>` (kafka-requests.ts does):
 * counts the Kafka requests the process writes, per API key, and appends the running totals to
 * `$KAFKA_REQUEST_PROBE_DIR/<pid>-<service>.jsonl` once a second. A Kafka request is one socket
 * write that starts with its frame (int32 size = the rest of the buffer, then int16 API key);
 * kafkajs and @platformatic/kafka both write a request as one buffer. HTTP and other writes do
 * not match the frame and are not counted. A diagnostic: never loaded by default.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import { basename, dirname } from 'node:path';

const dir = process.env.KAFKA_REQUEST_PROBE_DIR;
if (dir) {
  mkdirSync(dir, { recursive: true });
  // services/<name>/dist/main.js → <name>
  const service = basename(dirname(dirname(process.argv[1] ?? 'unknown')));
  const file = `${dir}/${process.pid}-${service}.jsonl`;
  const counts = {};
  const write = net.Socket.prototype.write;
  net.Socket.prototype.write = function countedWrite(chunk, ...rest) {
    if (Buffer.isBuffer(chunk) && chunk.length >= 8 && chunk.readInt32BE(0) === chunk.length - 4) {
      const api = chunk.readInt16BE(4);
      counts[api] = (counts[api] ?? 0) + 1;
    }
    return write.call(this, chunk, ...rest);
  };
  setInterval(
    () => appendFileSync(file, `${JSON.stringify({ at: Date.now(), service, counts })}\n`),
    1000,
  ).unref();
}
