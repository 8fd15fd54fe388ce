// Composes the agencies' subgraphs into the supergraph Hive Gateway serves (bench/hive.py).
//
//   echo '[{"name": "civil", "sdl": "...", "url": "http://127.0.0.1:8201/graphql"}, ...]' \
//     | node compose.mjs
//
// Prints {"errors": [{"message", "code"}], "supergraphSdl": string | null} as JSON; exit status
// 0 composed, 1 composition errors (an unparsable SDL counts as one), 2 bad input.
import { readFileSync } from "node:fs";
import { composeServices } from "@theguild/federation-composition";
import { parse } from "graphql";

function report(errors, supergraphSdl) {
  process.stdout.write(`${JSON.stringify({ errors, supergraphSdl })}\n`);
  process.exit(errors.length ? 1 : 0);
}

let subgraphs;
try {
  subgraphs = JSON.parse(readFileSync(0, "utf8"));
} catch (error) {
  process.stderr.write(`compose.mjs: stdin is not JSON: ${error.message}\n`);
  process.exit(2);
}
const valid = (s) => ["name", "sdl", "url"].every((key) => typeof s?.[key] === "string");
if (!Array.isArray(subgraphs) || !subgraphs.length || !subgraphs.every(valid)) {
  process.stderr.write("compose.mjs: stdin must be a JSON list of {name, sdl, url}\n");
  process.exit(2);
}

const services = [];
for (const { name, sdl, url } of subgraphs) {
  try {
    services.push({ name, url, typeDefs: parse(sdl) });
  } catch (error) {
    report([{ message: `[${name}] ${error.message}`, code: "INVALID_GRAPHQL" }], null);
  }
}
const result = composeServices(services);
const errors = (result.errors ?? []).map((error) => ({
  message: error.message,
  code: error.extensions?.code ?? null,
}));
report(errors, errors.length ? null : result.supergraphSdl);
