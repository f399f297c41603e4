/**
 * Where each member listens. Sources, merged: the addresses a node is started with, the address book in
 * the latest snapshot descriptor, and the `context` of conf entries (an added member's addresses travel
 * in its conf change, so every replica learns them through the log). Addresses a node was started with
 * win over learned ones: they are how this node reaches that peer (possibly through a proxy), which other
 * nodes' view must not override.
 */
import { UserError } from "../../errors";

export interface MemberAddress {
  /** Base URL of the peer port, e.g. http://127.0.0.1:7001 */
  peerUrl: string;
  /** Base URL of the client port. */
  clientUrl: string;
}

export type AddressMap = Record<number, MemberAddress>;

export function checkUrl(name: string, url: unknown): string {
  if (typeof url !== "string") throw new UserError(`${name} must be a URL string`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`${name} is not a URL: ${url}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new UserError(`${name} must be http(s): ${url}`);
  return url.replace(/\/+$/, "");
}

export function parseAddress(name: string, x: unknown): MemberAddress {
  const a = x as Partial<MemberAddress> | null;
  if (a === null || typeof a !== "object") throw new UserError(`${name} must be an object with peerUrl and clientUrl`);
  return { peerUrl: checkUrl(`${name}.peerUrl`, a.peerUrl), clientUrl: checkUrl(`${name}.clientUrl`, a.clientUrl) };
}

export class AddressBook {
  private readonly map = new Map<number, MemberAddress>();
  private readonly pinned: Set<number>;

  constructor(initial: AddressMap = {}) {
    for (const [id, a] of Object.entries(initial)) this.map.set(Number(id), a);
    this.pinned = new Set(this.map.keys());
  }

  /** Learned addresses (snapshot descriptor, conf entries); ignored for members given at start. */
  merge(m: AddressMap): void {
    for (const [id, a] of Object.entries(m)) this.set(Number(id), a);
  }

  set(id: number, a: MemberAddress): void {
    if (!this.pinned.has(id)) this.map.set(id, a);
  }

  get(id: number): MemberAddress | undefined {
    return this.map.get(id);
  }

  toJSON(): AddressMap {
    return Object.fromEntries([...this.map].sort((a, b) => a[0] - b[0]));
  }
}
