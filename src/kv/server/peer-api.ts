/**
 * The peer API on the peer port: Raft messages in, snapshot files out (streamed from disk).
 *
 *   POST /raft/messages        JSON array of Raft messages (answered once stepped into the core)
 *   GET  /raft/snapshot/<file> the snapshot file a snapshot message points at
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Message } from "../raft";
import type { KvReplica } from "./replica";
import { checkToken, HttpError, readJson, sendError, sendJson } from "./http";
import { isSnapshotFileName } from "./snapshot-descriptor";

export function peerHandler(replica: KvReplica, snapDir: string, token?: string) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    (async () => {
      checkToken(req, token);
      const path = new URL(req.url ?? "/", "http://local").pathname;
      if (path === "/raft/messages" && req.method === "POST") {
        const msgs = await readJson(req);
        if (!Array.isArray(msgs)) throw new HttpError(400, "expected a JSON array of Raft messages");
        for (const m of msgs) checkMessage(m, replica.opts.id);
        await replica.receive(msgs as Message[]);
        return sendJson(res, 200, { ok: true });
      }
      const snap = /^\/raft\/snapshot\/([^/]+)$/.exec(path);
      if (snap && req.method === "GET") {
        const name = decodeURIComponent(snap[1]);
        const file = join(snapDir, name);
        if (!isSnapshotFileName(name) || !existsSync(file)) throw new HttpError(404, `no snapshot ${name}`);
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": statSync(file).size });
        createReadStream(file).pipe(res);
        return;
      }
      throw new HttpError(404, `no route ${req.method} ${path}`);
    })().catch((err) => sendError(res, err));
  };
}

const TYPES = new Set(["preVote", "vote", "preVoteResp", "voteResp", "append", "appendResp", "heartbeat", "heartbeatResp", "snapshot", "timeoutNow", "readIndex", "readIndexResp"]);

/** Envelope check: the core trusts message shapes, so a peer (or anyone on the port) must not feed it junk. */
function checkMessage(m: unknown, self: number): void {
  const x = m as Partial<Message> | null;
  if (x === null || typeof x !== "object" || !TYPES.has(String(x.type))) throw new HttpError(400, "not a Raft message");
  if (!Number.isSafeInteger(x.from) || !Number.isSafeInteger(x.term) || (x.from ?? 0) <= 0) throw new HttpError(400, "Raft message: bad from/term");
  if (x.to !== self) throw new HttpError(400, `Raft message for node ${String(x.to)} delivered to node ${self}`);
}
