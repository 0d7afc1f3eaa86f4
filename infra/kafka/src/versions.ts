/**
 * One pin for the broker everywhere: the jars fetched from Maven Central, the image in
 * docker-compose.yml (a unit test checks they agree) and the README.
 */
export const KAFKA_VERSION = '4.1.2';
export const SCALA_VERSION = '2.13';
/** Kafka 4.x declares no SLF4J binding; 2.24.x is the log4j2 its 4.1 release tarball carries. */
export const LOG4J_VERSION = '2.24.3';
export const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';
