// The licit extension: starts `licit lsp` (the language server of the `licit` command) for
// `.licit` files. Highlighting comes from the TextMate grammar in syntaxes/, which needs no
// server.

import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;

function start(context: vscode.ExtensionContext): Promise<void> {
  const command = vscode.workspace.getConfiguration("licit").get<string>("path") || "licit";
  // No `transport`: with `TransportKind.stdio` the client appends `--stdio` to the arguments,
  // which `licit lsp` rejects; without one it talks over standard input and output all the same.
  const run = { command, args: ["lsp"] };
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "licit" }],
  };
  client = new LanguageClient("licit", "licit", serverOptions, clientOptions);
  context.subscriptions.push(client);
  return client.start();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("licit.restartServer", async () => {
      if (client) {
        await client.stop();
      }
      await start(context);
    }),
  );
  try {
    await start(context);
  } catch (error) {
    vscode.window.showErrorMessage(
      `licit: cannot start \`licit lsp\` (${error}); install licit or set \`licit.path\``,
    );
  }
}

export async function deactivate(): Promise<void> {
  if (client) {
    await client.stop();
  }
}
