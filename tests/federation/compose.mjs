// Composes subgraph SDLs into a supergraph, as a federation router's build step does.
//
//   node compose.mjs NAME=FILE.graphql [NAME=FILE.graphql ...]
//   echo '[{"name": "darvazeh", "sdl": "...", "url": "..."}]' | node compose.mjs
//
// Prints {"errors": [{"message", "code"}], "supergraphSdl": string | null} as JSON.
// Exit status: 0 composed, 1 composition errors (an unparsable SDL counts as one), 2 bad usage.
import { readFileSync } from "node:fs";
import { composeServices } from "@theguild/federation-composition";
import { parse } from "graphql";

function fail(message) {
  process.stderr.write(`compose.mjs: ${message}\n`);
  process.exit(2);
}

function fromArguments(args) {
  return args.map((arg) => {
    const at = arg.indexOf("=");
    if (at < 1) fail(`expected NAME=FILE, got ${JSON.stringify(arg)}`);
    return { name: arg.slice(0, at), sdl: readFileSync(arg.slice(at + 1), "utf8") };
  });
}

function fromStdin() {
  let subgraphs;
  try {
    subgraphs = JSON.parse(readFileSync(0, "utf8"));
  } catch (error) {
    fail(`stdin is not JSON: ${error.message}`);
  }
  if (!Array.isArray(subgraphs)) fail("stdin must be a JSON list of {name, sdl, url?}");
  for (const subgraph of subgraphs) {
    if (typeof subgraph?.name !== "string" || typeof subgraph?.sdl !== "string") {
      fail("each subgraph needs a string name and sdl");
    }
  }
  return subgraphs;
}

function report(errors, supergraphSdl) {
  process.stdout.write(`${JSON.stringify({ errors, supergraphSdl }, null, 2)}\n`);
  process.exit(errors.length ? 1 : 0);
}

const args = process.argv.slice(2);
const subgraphs = args.length ? fromArguments(args) : fromStdin();
if (!subgraphs.length) fail("no subgraphs given");

const services = [];
for (const { name, sdl, url } of subgraphs) {
  try {
    services.push({ name, url, typeDefs: parse(sdl) });
  } catch (error) {
    // A router would refuse the same SDL: say which subgraph, like a composition error.
    report([{ message: `[${name}] ${error.message}`, code: "INVALID_GRAPHQL" }], null);
  }
}

const result = composeServices(services);
const errors = (result.errors ?? []).map((error) => ({
  message: error.message,
  code: error.extensions?.code ?? null,
}));
report(errors, errors.length ? null : result.supergraphSdl);
