/** Member lists on the command line: "1=127.0.0.1:7001:7101,2=..." means id=host:peerPort:clientPort. */
import { UserError } from "../../errors";
import type { AddressMap } from "../server/addresses";

export interface LocalLayout {
  host: string;
  /** Node i listens for peers on peerBase + i and for clients on clientBase + i. */
  peerBase: number;
  clientBase: number;
}

export const DEFAULT_LAYOUT: LocalLayout = { host: "127.0.0.1", peerBase: 7000, clientBase: 7100 };

export function layoutMembers(ids: number[], l: LocalLayout = DEFAULT_LAYOUT): AddressMap {
  const m: AddressMap = {};
  for (const id of ids) m[id] = { peerUrl: `http://${l.host}:${l.peerBase + id}`, clientUrl: `http://${l.host}:${l.clientBase + id}` };
  return m;
}

export function parseMembers(text: string): AddressMap {
  const m: AddressMap = {};
  for (const part of text.split(",").filter((p) => p.trim() !== "")) {
    const match = /^\s*(\d+)=([^:\s]+):(\d+):(\d+)\s*$/.exec(part);
    if (!match) throw new UserError(`--members: "${part}" is not id=host:peerPort:clientPort`);
    const [, id, host, peer, client] = match;
    if (Number(id) <= 0) throw new UserError(`--members: node ids start at 1, got ${id}`);
    m[Number(id)] = { peerUrl: `http://${host}:${peer}`, clientUrl: `http://${host}:${client}` };
  }
  if (Object.keys(m).length === 0) throw new UserError("--members is empty");
  return m;
}

export function formatMembers(m: AddressMap): string {
  return Object.entries(m)
    .map(([id, a]) => {
      const p = new URL(a.peerUrl);
      return `${id}=${p.hostname}:${p.port}:${new URL(a.clientUrl).port}`;
    })
    .join(",");
}
