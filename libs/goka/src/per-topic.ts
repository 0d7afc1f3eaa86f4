/** The per-partition array of a topic in `map`, created empty on first use. */
export function perTopic<T>(map: Map<string, T[]>, topic: string): T[] {
  let parts = map.get(topic);
  if (!parts) {
    parts = [];
    map.set(topic, parts);
  }
  return parts;
}
