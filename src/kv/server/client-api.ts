/**
 * The client API on the client port, HTTP/JSON. Keys and values are base64 (see commands.ts), except in
 * the curl-friendly /v1/kv/<key> routes, which take a UTF-8 key in the path and the raw value as the body.
 *
 *   GET  /v1/status                          node and cluster status
 *   POST /v1/write    Command                -> WriteResult (put, del, batch, txn, delRange; client/seq dedup)
 *   POST /v1/range    {query, serializable}  -> RangeResult (linearizable unless serializable)
 *   GET  /v1/watch?prefix=B64&from=REV       NDJSON stream of WatchEvent arrays, history from REV then live
 *   POST /v1/members  {type, nodeId, peerUrl?, clientUrl?}   membership change (addVoter|addLearner|remove)
 *   POST /v1/transfer {to}                   leadership transfer
 *   GET|PUT|DELETE /v1/kv/<key>              one key, UTF-8
 *
 * Writes on a follower answer 307 with the leader's URL (`Location`, and `leaderUrl` in the body).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { UserError } from "../../errors";
import { validateCommand, validateRangeQuery } from "../validate";
import type { WatchEvent } from "../commands";
import type { KvReplica } from "./replica";
import { checkToken, HttpError, readBody, readJson, sendError, sendJson } from "./http";

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

export function clientHandler(replica: KvReplica, token?: string) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    route(replica, token, req, res).catch((err) => {
      if (err instanceof HttpError && err.status === 307) res.setHeader("location", `${String(err.extra.leaderUrl)}${req.url ?? ""}`);
      sendError(res, err);
    });
  };
}

async function route(replica: KvReplica, token: string | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  checkToken(req, token);
  const url = new URL(req.url ?? "/", "http://local");
  const path = url.pathname;
  const method = req.method ?? "GET";
  if (path === "/v1/status" && method === "GET") return sendJson(res, 200, replica.status());
  if (path === "/v1/write" && method === "POST") return sendJson(res, 200, await replica.write(validateCommand(await readJson(req))));
  if (path === "/v1/range" && method === "POST") {
    const body = (await readJson(req)) as { query?: unknown; serializable?: unknown };
    if (body === null || typeof body !== "object") throw new UserError("range: body must be {query, serializable?}");
    return sendJson(res, 200, await replica.read(validateRangeQuery(body.query ?? {}), body.serializable === true));
  }
  if (path === "/v1/watch" && method === "GET") return watch(replica, url, req, res);
  if (path === "/v1/members" && method === "POST") {
    const b = (await readJson(req)) as { type?: unknown; nodeId?: unknown; peerUrl?: unknown; clientUrl?: unknown };
    const type = b?.type as "addVoter" | "addLearner" | "remove";
    if (!["addVoter", "addLearner", "remove"].includes(type)) throw new UserError("members: type must be addVoter, addLearner or remove");
    const address = b.peerUrl !== undefined || b.clientUrl !== undefined ? { peerUrl: b.peerUrl as string, clientUrl: b.clientUrl as string } : undefined;
    return sendJson(res, 200, await replica.changeMembership({ type, nodeId: Number(b.nodeId) }, address));
  }
  if (path === "/v1/transfer" && method === "POST") {
    const b = (await readJson(req)) as { to?: unknown };
    replica.transferLeadership(Number(b?.to));
    return sendJson(res, 202, { ok: true });
  }
  if (path.startsWith("/v1/kv/")) return oneKey(replica, decodeURIComponent(path.slice("/v1/kv/".length)), method, url, req, res);
  throw new HttpError(404, `no route ${method} ${path}`);
}

async function oneKey(replica: KvReplica, key: string, method: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (key === "") throw new UserError("key is empty");
  if (method === "GET") {
    const k = b64(key);
    const r = await replica.read({ gte: k, lte: k }, url.searchParams.get("serializable") === "1");
    if (r.kvs.length === 0) throw new HttpError(404, `key not found: ${key}`, { revision: r.revision });
    const kv = r.kvs[0];
    res.writeHead(200, { "content-type": "application/octet-stream", "x-mod-revision": String(kv.modRevision) });
    res.end(Buffer.from(kv.value ?? "", "base64"));
    return;
  }
  if (method === "PUT") {
    const value = (await readBody(req)).toString("base64");
    return sendJson(res, 200, await replica.write(validateCommand({ op: "put", key: b64(key), value })));
  }
  if (method === "DELETE") return sendJson(res, 200, await replica.write(validateCommand({ op: "del", key: b64(key) })));
  throw new HttpError(405, `method ${method} not allowed on /v1/kv/<key>`);
}

/** History from `from` (if given) then live events, without gaps or repeats at the junction. */
async function watch(replica: KvReplica, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const prefix = Buffer.from(url.searchParams.get("prefix") ?? "", "base64");
  const fromText = url.searchParams.get("from");
  const from = fromText === null ? undefined : Number(fromText);
  if (from !== undefined && (!Number.isSafeInteger(from) || from < 1)) throw new UserError(`watch: from must be a revision >= 1, got ${fromText}`);
  const matches = (e: WatchEvent) => Buffer.from(e.key, "base64").subarray(0, prefix.length).equals(prefix);
  let last = 0;
  let buffered: WatchEvent[] | undefined = [];
  const emit = (events: WatchEvent[]) => {
    const fresh = events.filter((e) => e.revision > last && matches(e));
    if (events.length > 0) last = Math.max(last, events[events.length - 1].revision);
    if (fresh.length > 0) res.write(JSON.stringify(fresh) + "\n");
  };
  const unsubscribe = replica.sm.subscribe((events) => (buffered ? buffered.push(...events) : emit(events)));
  req.on("close", unsubscribe);
  try {
    const history = from === undefined ? [] : await replica.sm.history(from);
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    emit(history);
    const pending = buffered;
    buffered = undefined;
    emit(pending);
  } catch (err) {
    unsubscribe();
    throw err;
  }
}
