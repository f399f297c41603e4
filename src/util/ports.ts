/** Free TCP ports on loopback, for clusters started in tests and benchmarks. */
import { createServer, type AddressInfo, type Server } from "node:net";

export async function freePorts(n: number, host = "127.0.0.1"): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<Server>((ok, fail) => {
      const s = createServer();
      s.once("error", fail);
      s.listen(0, host, () => ok(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
}
