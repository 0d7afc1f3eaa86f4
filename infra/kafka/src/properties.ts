export interface BrokerConfig {
  /** PLAINTEXT port that clients use. */
  port: number;
  /** CONTROLLER port, used by the KRaft quorum only; clients must never point at it. */
  controllerPort: number;
  /** Absolute path of the log dir (KRaft metadata + topic data). */
  logDir: string;
  /**
   * Topics are created explicitly (kafkajs admin, libs/goka's topic manager). Auto-creation
   * would make a 1-partition topic out of a typo or a missing setup step and silently break
   * co-partitioning, so it is off unless asked for.
   */
  autoCreateTopics?: boolean;
  /** Extra or overriding keys, e.g. for a test that needs `log.cleaner.backoff.ms`. */
  overrides?: Record<string, string | number | boolean>;
}

const HOST = '127.0.0.1';

/** A combined broker+controller with a static one-voter quorum (works with any ports). */
export function serverProperties(config: BrokerConfig): Record<string, string> {
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@${HOST}:${config.controllerPort}`,
    listeners: `PLAINTEXT://${HOST}:${config.port},CONTROLLER://${HOST}:${config.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${HOST}:${config.port}`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': config.logDir,
    'offsets.topic.replication.factor': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
    'auto.create.topics.enable': config.autoCreateTopics ?? false,
    ...config.overrides,
  };
  return Object.fromEntries(Object.entries(props).map(([key, value]) => [key, String(value)]));
}

/** Java properties syntax: `\`, `:`, `=` and leading blanks must be escaped in values. */
export function renderProperties(props: Record<string, string>): string {
  const escapeValue = (value: string) =>
    value
      .replace(/\\/g, '\\\\')
      .replace(/([:=])/g, '\\$1')
      .replace(/^\s/, '\\$&');
  return `${Object.entries(props)
    .map(([key, value]) => `${key}=${escapeValue(value)}`)
    .join('\n')}\n`;
}

/** Parses what `renderProperties` writes (enough for tests and for reading a config back). */
export function parseProperties(text: string): Record<string, string> {
  const props: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.trim() || /^\s*[#!]/.test(line)) continue;
    const match = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (match) props[match[1]!.trim()] = match[2]!.replace(/\\(.)/g, '$1');
  }
  return props;
}

/**
 * Console-only log4j2 config: warnings and errors, plus the INFO line `Kafka Server started`
 * from KafkaRaftServer. The broker's stdout goes to a log file next to its data.
 */
export function renderLog4jConfig(): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="STDOUT" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Root level="WARN"><AppenderRef ref="STDOUT"/></Root>
    <Logger name="kafka.server.KafkaRaftServer" level="INFO"/>
  </Loggers>
</Configuration>
`;
}
