/**
 * Small HTTP helpers of the client API: JSON bodies with a size limit, JSON replies,
 * errors that carry a status, and the shared-token check. Plain node:http: the API is a handful of
 * routes, not worth a framework dependency.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import { UserError } from "../../errors";

/** An error with the HTTP status to answer; `extra` fields are merged into the JSON body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Largest request body accepted (a full batch of maximal values fits well below it). */
export const MAX_BODY_BYTES = 64 << 20;

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) throw new HttpError(413, `request body is ${declared} bytes; the limit is ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body exceeds the limit of ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req);
  if (body.length === 0) throw new HttpError(400, "request body is empty; expected JSON");
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw new HttpError(400, `request body is not valid JSON: ${(err as Error).message}`);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Maps any thrown error to a reply: HttpError keeps its status, UserError (bad input) is a 400, the rest 500. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy(err as Error);
    return;
  }
  if (err instanceof HttpError) sendJson(res, err.status, { error: err.message, ...err.extra });
  else if (err instanceof UserError) sendJson(res, 400, { error: err.message });
  else sendJson(res, 500, { error: `internal error: ${(err as Error)?.message ?? String(err)}` });
}

/** Rejects the request with 401 unless it carries `Authorization: Bearer <token>` (no-op without a token). */
export function checkToken(req: IncomingMessage, token: string | undefined): void {
  if (!token) return;
  const header = req.headers.authorization ?? "";
  const given = Buffer.from(header.startsWith("Bearer ") ? header.slice(7) : "");
  const want = Buffer.from(token);
  if (given.length !== want.length || !timingSafeEqual(given, want)) {
    throw new HttpError(401, "missing or wrong token: send 'Authorization: Bearer <token>'");
  }
}
