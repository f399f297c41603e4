/** Free TCP ports on loopback, for clusters started in tests and benchmarks. */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";

/**
 * The OS's ephemeral port range: ports it hands to outgoing connections and to listen(0). Linux reports it;
 * elsewhere the IANA range (the macOS and Windows default) is assumed.
 */
export function ephemeralRange(file = "/proc/sys/net/ipv4/ip_local_port_range"): [number, number] {
  try {
    const [lo, hi] = readFileSync(file, "utf8").trim().split(/\s+/).map(Number);
    if (Number.isInteger(lo) && Number.isInteger(hi) && lo <= hi) return [lo, hi];
  } catch {
    // not Linux
  }
  return [49152, 65535];
}

const LOWEST = 10_000;
/** Where this process looks next: spread by pid, so that concurrent processes rarely probe the same ports. */
let cursor = (process.pid * 7919) % 100_000;

function tryListen(port: number, host: string): Promise<Server | undefined> {
  return new Promise((ok) => {
    const s = createServer();
    s.once("error", () => ok(undefined));
    s.listen(port, host, () => ok(s));
  });
}

/**
 * `n` distinct ports that are free now, taken below the ephemeral range: a port from listen(0) can be
 * taken again, before the caller binds it, by any outgoing connection (a cluster's nodes dialling each
 * other made a node fail with "port in use" that way); a port outside the range cannot.
 */
export async function freePorts(n: number, host = "127.0.0.1"): Promise<number[]> {
  const [lo] = ephemeralRange();
  const span = lo - LOWEST;
  if (span < 10 * n) throw new Error(`the ephemeral port range starts at ${lo}: too few ports below it for ${n} listeners`);
  const held: Server[] = [];
  const ports: number[] = [];
  for (let tries = 0; ports.length < n; tries++) {
    if (tries >= span) throw new Error(`no ${n} free ports between ${LOWEST} and ${lo - 1} on ${host}`);
    const port = LOWEST + (cursor++ % span);
    const s = await tryListen(port, host);
    if (!s) continue;
    held.push(s);
    ports.push(port);
  }
  await Promise.all(held.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
}
