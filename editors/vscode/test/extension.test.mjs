// The compiled extension (out/extension.js) starts the server with a command line that `licit lsp`
// accepts. vscode-languageclient appends `--stdio` to the arguments when the transport is
// `TransportKind.stdio`, and `licit lsp` rejects it: the server then never started in VS Code.
// The test loads the extension with stand-ins for the `vscode` and `vscode-languageclient/node`
// modules, takes the server options it passes, and runs that command line against the licit
// binary (LICIT, or target/debug/licit as CI builds it): the server must answer `initialize`.
// Run: node test/extension.test.mjs (after npx tsc -p .)

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const repository = join(here, "..", "..", "..");
const licit = process.env.LICIT ?? join(repository, "target", "debug", "licit");

function activateWithStandIns() {
  const clients = [];
  const vscode = {
    workspace: { getConfiguration: () => ({ get: () => licit }) },
    commands: { registerCommand: () => ({ dispose() {} }) },
    window: { showErrorMessage: (message) => assert.fail(message) },
  };
  class LanguageClient {
    constructor(id, name, serverOptions, clientOptions) {
      clients.push({ id, serverOptions, clientOptions });
    }
    start() {
      return Promise.resolve();
    }
    stop() {
      return Promise.resolve();
    }
    dispose() {}
  }
  const standIns = { vscode, "vscode-languageclient/node": { LanguageClient } };
  const load = Module._load;
  Module._load = function (request, ...rest) {
    return request in standIns ? standIns[request] : load.call(this, request, ...rest);
  };
  try {
    const path = join(here, "..", "out", "extension.js");
    delete require.cache[path]; // a fresh module each time, bound to these stand-ins
    const extension = require(path);
    return extension.activate({ subscriptions: [] }).then(() => clients);
  } finally {
    Module._load = load;
  }
}

function initialize(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (data) => {
      stdout += data;
      if (stdout.includes('"id":1')) child.stdin.end();
    });
    child.stderr.on("data", (data) => (stderr += data));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    const message = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { processId: null, rootUri: null, capabilities: {} },
    });
    child.stdin.write(`Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`);
  });
}

test("the extension starts `licit lsp` over stdio without a `--stdio` argument", async () => {
  const clients = await activateWithStandIns();
  assert.equal(clients.length, 1);
  const { serverOptions, clientOptions } = clients[0];
  assert.deepEqual(clientOptions.documentSelector, [{ scheme: "file", language: "licit" }]);
  for (const run of [serverOptions.run, serverOptions.debug]) {
    assert.equal(run.command, licit);
    assert.deepEqual(run.args, ["lsp"]);
    // TransportKind.stdio is 0; any transport makes the client add an argument of its own.
    assert.equal(run.transport, undefined);
  }
});

test("that command line answers initialize", { skip: !existsSync(licit) && `no ${licit}` }, async () => {
  const [{ serverOptions }] = await activateWithStandIns();
  const { command, args, transport } = serverOptions.run;
  // What vscode-languageclient (lib/node/main.js) runs for an executable: the arguments, plus
  // `--stdio` for TransportKind.stdio (0) and `--pipe=…`/`--socket=…` for the others.
  const line = transport === 0 ? [...args, "--stdio"] : args;
  const { stdout, stderr } = await initialize(command, line);
  assert.match(stdout, /"id":1,"result":\{"capabilities":/, stderr);
});
