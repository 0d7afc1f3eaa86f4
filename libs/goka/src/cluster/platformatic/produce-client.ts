import {
  type API,
  type Callback,
  type CreateRecordsBatchOptions,
  createAPI,
  kGetApi,
  type MessageRecord,
  ProduceAcks,
  Producer,
  produceV7,
  produceV8,
  produceV9,
  produceV10,
  produceV11,
  Writer,
} from '@platformatic/kafka';
import { type BatchMessage, encodeRecordBatch } from './record-batch.ts';

type ProduceModule = typeof produceV11;

/** platformatic's Produce versions: their response parsers are reused as they are. */
const VERSIONS = new Map<number, ProduceModule>([
  [7, produceV7],
  [8, produceV8],
  [9, produceV9],
  [10, produceV10],
  [11, produceV11],
]);

/** What platformatic's producer hands the Produce API per record (its own objects, free to stamp). */
interface ProduceMessage extends BatchMessage {
  readonly topic: string;
  readonly partition: number;
  timestamp?: bigint | number;
}

/**
 * @platformatic/kafka's Producer with the Produce request's record batches encoded by
 * record-batch.ts (one pre-sized buffer per partition) instead of a Writer, a DynamicBuffer and
 * BigInts per record. Everything else is platformatic's own `send`: validation, metadata, grouping
 * by leader, retries with its budget, refreshing metadata on NOT_LEADER and other stale-metadata
 * errors, the response parser and offsets. The seam is `kGetApi`, through which `send` looks the
 * Produce API up: this client answers it with an API of the same version built from our request
 * writer and platformatic's parser.
 *
 * Only the plain case is ours: a request with compression, a producer id (idempotent), sequences
 * or a transactional id goes to platformatic's own request writer unchanged.
 */
export class FastProduceProducer extends Producer<Buffer, Buffer, Buffer, Buffer> {
  private readonly produceApis = new Map<number, API<unknown[], unknown>>();

  override [kGetApi]<RequestArguments extends Array<unknown>, ResponseType>(
    name: string,
    callback: Callback<API<RequestArguments, ResponseType>>,
  ): void {
    if (name !== 'Produce') {
      super[kGetApi](name, callback);
      return;
    }
    super[kGetApi]<RequestArguments, ResponseType>(name, (error, api) => {
      if (error || !api) {
        callback(error);
        return;
      }
      callback(null, this.produceApi(api) as unknown as API<RequestArguments, ResponseType>);
    });
  }

  /** Ours for the version platformatic chose, or platformatic's own for a version we do not know. */
  private produceApi<RequestArguments extends Array<unknown>, ResponseType>(
    api: API<RequestArguments, ResponseType>,
  ): API<unknown[], unknown> {
    const cached = this.produceApis.get(api.version);
    if (cached) return cached;
    const version = VERSIONS.get(api.version);
    if (!version) return api as unknown as API<unknown[], unknown>;
    const flexible = api.version >= 9;
    const ours = createAPI<unknown[], unknown>(
      0,
      api.version,
      (
        acks?: number,
        timeout?: number,
        messages?: MessageRecord[],
        options?: Partial<CreateRecordsBatchOptions>,
      ) =>
        plain(options)
          ? createProduceRequest(flexible, acks ?? 1, timeout ?? 0, messages as unknown as ProduceMessage[])
          : version.createRequest(acks, timeout, messages ?? [], options),
      version.parseResponse,
    );
    this.produceApis.set(api.version, ours);
    return ours;
  }
}

function plain(options: Partial<CreateRecordsBatchOptions> | undefined): boolean {
  return (
    !options ||
    ((options.compression ?? 'none') === 'none' &&
      options.producerId === undefined &&
      options.sequences === undefined &&
      !options.transactionalId)
  );
}

/**
 * The Produce request as platformatic's produce-v7..v11 `createRequest` writes it (topics, then
 * partitions ascending, each partition's records in order as one batch), with our batches.
 */
export function createProduceRequest(
  flexible: boolean,
  acks: number,
  timeout: number,
  messages: ProduceMessage[],
): Writer {
  const now = Date.now();
  const topics = new Map<string, ProduceMessage[][]>();
  for (const m of messages) {
    // Stamped once, so a retried request (written again) carries the same timestamps.
    if (m.timestamp === undefined) m.timestamp = now;
    let partitions = topics.get(m.topic);
    if (!partitions) {
      partitions = [];
      topics.set(m.topic, partitions);
    }
    const partition = m.partition ?? 0;
    const batch = partitions[partition];
    if (batch) batch.push(m);
    else partitions[partition] = [m];
  }
  const writer = Writer.create();
  writer.appendString(null, flexible).appendInt16(acks).appendInt32(timeout);
  writeLength(writer, topics.size, flexible);
  for (const [topic, partitions] of topics) {
    writer.appendString(topic, flexible);
    let count = 0;
    for (const p of partitions) if (p) count++;
    writeLength(writer, count, flexible);
    for (let partition = 0; partition < partitions.length; partition++) {
      const batchMessages = partitions[partition];
      if (!batchMessages) continue;
      const batch = encodeRecordBatch(batchMessages, now);
      writer.appendInt32(partition);
      if (flexible) writer.appendUnsignedVarInt(batch.length + 1);
      else writer.appendInt32(batch.length);
      writer.append(batch);
      if (flexible) writer.appendTaggedFields();
    }
    if (flexible) writer.appendTaggedFields();
  }
  if (flexible) writer.appendTaggedFields();
  if (acks === ProduceAcks.NO_RESPONSE) writer.context.noResponse = true;
  return writer;
}

/** An array's length: compact (n + 1, unsigned varint) in flexible versions, int32 before. */
function writeLength(writer: Writer, n: number, flexible: boolean): void {
  if (flexible) writer.appendUnsignedVarInt(n + 1);
  else writer.appendInt32(n);
}
