import { expect, test } from 'vitest';
import { parseDownloadedBytes, renderPom } from '../src/maven.ts';
import { KAFKA_VERSION, LOG4J_VERSION } from '../src/versions.ts';

test('the pom asks for the broker and a log4j2 SLF4J 1.x binding, pinned', () => {
  const pom = renderPom();
  expect(KAFKA_VERSION).toMatch(/^4\.1\.\d+$/);
  expect(LOG4J_VERSION).toMatch(/^2\.24\.\d+$/);
  expect(pom).toContain(`<artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version>`);
  expect(pom).toContain(`<artifactId>log4j-slf4j-impl</artifactId><version>${LOG4J_VERSION}</version>`);
  expect(pom).toContain(`<artifactId>log4j-core</artifactId><version>${LOG4J_VERSION}</version>`);
});

test('download lines of Maven batch mode become byte counts; other lines are ignored', () => {
  expect(
    parseDownloadedBytes(
      '[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/x/y/1/y-1.jar (1.5 MB at 3.1 MB/s)',
    ),
  ).toBe(1_500_000);
  expect(parseDownloadedBytes('Downloaded from central: https://r/x.pom (18 kB at 88 kB/s)')).toBe(18_000);
  expect(parseDownloadedBytes('Downloaded from mirror: https://r/x.pom (412 B at 9 kB/s)')).toBe(412);
  expect(parseDownloadedBytes('[INFO] Downloading from central: https://r/x.pom')).toBeUndefined();
  expect(parseDownloadedBytes('[INFO] BUILD SUCCESS')).toBeUndefined();
});
