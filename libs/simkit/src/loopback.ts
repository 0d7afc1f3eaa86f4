/** Refuses anything but this machine: a load generator must not leave the host. */
export function assertLoopback(url: string): void {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (!(host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host))) {
    throw new Error(`refusing to target ${host}: simulators only drive services on loopback addresses`);
  }
}
