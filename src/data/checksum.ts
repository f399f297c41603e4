import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { cacheDir } from "../config";
import { UserError } from "../errors";

/** Cache of verified hashes, keyed by absolute path and invalidated by size or mtime changes. */
type Entry = { size: number; mtimeMs: number; sha256: string };

function cacheFile(): string {
  return path.join(cacheDir("data"), "sha256.json");
}

function readCache(): Record<string, Entry> {
  try {
    return JSON.parse(fs.readFileSync(cacheFile(), "utf8"));
  } catch {
    return {};
  }
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** The file's sha256, computed once per (size, mtime) and cached under .cache/data/. */
export async function cachedSha256(file: string): Promise<string> {
  const abs = path.resolve(file);
  const st = fs.statSync(abs);
  const cache = readCache();
  const hit = cache[abs];
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.sha256;
  const sha256 = await sha256File(abs);
  // Re-read before writing so concurrent notebook runs do not drop each other's entries.
  const fresh = readCache();
  fresh[abs] = { size: st.size, mtimeMs: st.mtimeMs, sha256 };
  const tmp = `${cacheFile()}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(fresh, null, 1));
  fs.renameSync(tmp, cacheFile());
  return sha256;
}

/** Refuses a file whose sha256 differs from the expected one, showing both. */
export async function verifySha256(file: string, expected: string): Promise<void> {
  const actual = await cachedSha256(file);
  if (actual !== expected) {
    throw new UserError(`checksum mismatch for ${file}\n  expected sha256 ${expected}\n  actual   sha256 ${actual}\nThe file is corrupt or a different version; replace it.`);
  }
}
