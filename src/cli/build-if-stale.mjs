// Builds dist/ only when a source is newer than the last build: `npm start` then starts in
// seconds after the first time. Emits without type checking (`tsc --noCheck`, the same
// JavaScript as a checked build); `npm run build` and `npm test` are where types are checked.
// Plain JavaScript, so it runs before anything is built.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const stamp = path.join(root, "dist", ".build-stamp");
const SOURCES = ["src", "migrations", "seeds", "tsconfig.json", "tsconfig.build.json", "package-lock.json"];

function newest(p) {
  let stat;
  try {
    stat = statSync(p);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs; // a deleted or renamed file changes its folder's time
  for (const entry of readdirSync(p)) latest = Math.max(latest, newest(path.join(p, entry)));
  return latest;
}

let built = 0;
try {
  built = statSync(stamp).mtimeMs;
} catch {
  built = 0;
}
const changed = Math.max(...SOURCES.map((s) => newest(path.join(root, s))));
if (built > 0 && changed <= built) process.exit(0);

process.stderr.write(built ? "sources changed: building dist/\n" : "building dist/ (first start)\n");
const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
const result = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json"), "--noCheck"], { stdio: "inherit" });
if (result.status !== 0) process.exit(result.status ?? 1);
mkdirSync(path.dirname(stamp), { recursive: true });
writeFileSync(stamp, `${new Date().toISOString()}\n`);
