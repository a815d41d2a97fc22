import "reflect-metadata";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { printSdl } from "./schema";

/** `npm run schema`: writes the emitted SDL to schema.graphql at the repository root. */
printSdl().then(
  (sdl) => {
    const file = path.resolve(__dirname, "..", "..", "schema.graphql");
    writeFileSync(file, sdl);
    process.stdout.write(`wrote ${file}\n`);
  },
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
