import { type logCreator, logLevel } from 'kafkajs';
import type { Logger } from '../../logger.ts';

/** The kafkajs level that lets through what the pino logger would print anyway. */
export function kafkajsLevel(logger: Logger): logLevel {
  const level = logger.levelVal;
  if (level <= 20) return logLevel.DEBUG;
  if (level <= 30) return logLevel.INFO;
  if (level <= 40) return logLevel.WARN;
  if (level <= 50) return logLevel.ERROR;
  return logLevel.NOTHING;
}

const FINITE_RETRIES = 'Limiting retries for the idempotent producer may invalidate EoS guarantees';
/** CONCURRENT_TRANSACTIONS, as kafkajs words it in the retry it logs. */
const CONCURRENT_TRANSACTIONS = 'another concurrent operation on the same transaction was ongoing';

/** kafkajs logs each failed attempt it is about to retry (with its retryTime) at ERROR. */
const retriedConcurrentTransaction = (message: string, fields: Record<string, unknown>): boolean =>
  message.includes(CONCURRENT_TRANSACTIONS) && fields.retryTime !== undefined;

/**
 * Bridges kafkajs' logs into pino, so one logger configures both. kafkajs logs every protocol
 * error response of a connection at ERROR (e.g. "This server does not host this
 * topic-partition" for a metadata probe of a missing topic), although the request's caller
 * handles it; those go to debug, the caller reports what really matters. Its warning that a
 * finite retry budget "may invalidate EoS guarantees" comes once per transactional producer (one
 * per partition in exactly-once mode) and is a choice of this library, not news: a producer that
 * runs out of retries fails its transaction, which restarts the partition from its committed
 * state (see the README); it goes to debug too. So does each CONCURRENT_TRANSACTIONS answer kafkajs
 * retries: the broker gives it to a transaction that starts while the previous one's markers are
 * still being written (exactly-once sends one transaction per batch, so dozens a second at full
 * rate); it is harmless and retried in milliseconds, and an attempt that finally fails fails the
 * transaction, which the partition reports.
 */
export function kafkajsLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = log;
      const entry = { kafkajs: namespace, ...fields };
      const msg = `kafkajs: ${message}`;
      if (
        level === logLevel.ERROR &&
        namespace !== 'Connection' &&
        !retriedConcurrentTransaction(message, fields)
      )
        logger.error(entry, msg);
      else if (level === logLevel.ERROR || level === logLevel.DEBUG || message === FINITE_RETRIES)
        logger.debug(entry, msg);
      else if (level === logLevel.WARN) logger.warn(entry, msg);
      else logger.info(entry, msg);
    };
}
