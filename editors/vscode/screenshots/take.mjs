// Takes the extension's screenshots (editors/vscode/images/*.png) in a real VS Code: code-server
// (VS Code's server and web workbench) with the packaged extension installed, opened on
// policies/eu/dual-use, driven in Debian's chromium by playwright-core. A developer's script, not a
// CI step; setup.sh beside it installs code-server and playwright-core under /tmp. Nothing is saved
// to the policy's files: the typo of the third screenshot stays in the editor's unsaved buffer.
//
//   bash editors/vscode/screenshots/setup.sh            # once: code-server, playwright-core
//   cargo build --release                               # the licit that the extension starts
//   (cd editors/vscode && npm ci && npx tsc -p . && npx @vscode/vsce package)
//   node editors/vscode/screenshots/take.mjs
//
// Environment: LICIT_VSCODE (default /tmp/licit-vscode, where setup.sh installed), LICIT (the
// command, default target/release/licit), CHROMIUM (default /usr/bin/chromium).

import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const extension = path.resolve(here, "..");
const repo = path.resolve(extension, "../..");
const tools = process.env.LICIT_VSCODE ?? "/tmp/licit-vscode";
const licit = process.env.LICIT ?? path.join(repo, "target/release/licit");
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const { version } = JSON.parse(fs.readFileSync(path.join(extension, "package.json"), "utf8"));
const vsix = path.join(extension, `licit-${version}.vsix`);
const images = path.join(extension, "images");
const folder = path.join(repo, "policies/eu/dual-use");

for (const [what, file] of [
  ["code-server (run setup.sh)", path.join(tools, "code-server/out/node/entry.js")],
  ["playwright-core (run setup.sh)", path.join(tools, "node_modules/playwright-core")],
  ["the licit command (cargo build --release, or set LICIT)", licit],
  ["the packaged extension (npx @vscode/vsce package in editors/vscode)", vsix],
  ["chromium (apt-get install chromium, or set CHROMIUM)", chromiumPath],
]) {
  if (!fs.existsSync(file)) {
    console.error(`take.mjs: ${what} is missing: ${file}`);
    process.exit(2);
  }
}
const compiled = path.join(extension, "out/extension.js");
if (fs.existsSync(compiled) && fs.statSync(compiled).mtimeMs > fs.statSync(vsix).mtimeMs) {
  console.error(`take.mjs: ${vsix} is older than out/extension.js: package it again (npx @vscode/vsce package)`);
  process.exit(2);
}
const { chromium } = createRequire(import.meta.url)(path.join(tools, "node_modules/playwright-core"));

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "licit-vscode-shots-"));
const userData = path.join(scratch, "user-data");
const extensions = path.join(scratch, "extensions");
fs.mkdirSync(path.join(userData, "User"), { recursive: true });
fs.writeFileSync(
  path.join(userData, "User/settings.json"),
  JSON.stringify(
    {
      "licit.path": licit,
      "workbench.startupEditor": "none",
      "workbench.tips.enabled": false,
      "security.workspace.trust.enabled": false,
      "telemetry.telemetryLevel": "off",
      "update.mode": "none",
      "extensions.ignoreRecommendations": true,
      "chat.commandCenter.enabled": false,
      "files.autoSave": "off",
      "files.hotExit": "off",
      "git.openRepositoryInParentFolders": "never",
      "editor.minimap.enabled": false,
      "editor.fontSize": 14,
      "outline.collapseItems": "alwaysExpand",
    },
    null,
    2,
  ),
);

const port = await new Promise((resolve) => {
  const server = net.createServer().listen(0, "127.0.0.1", () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});
const codeServerArgs = [
  path.join(tools, "code-server/out/node/entry.js"),
  "--config",
  path.join(scratch, "config.yaml"),
  "--user-data-dir",
  userData,
  "--extensions-dir",
  extensions,
  "--disable-telemetry",
  "--disable-update-check",
  "--disable-workspace-trust",
];
fs.writeFileSync(path.join(scratch, "config.yaml"), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);

function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("exit", (code) => (code === 0 ? resolve(output) : reject(new Error(output))));
  });
}
console.log(await run([...codeServerArgs, "--install-extension", vsix]));

// Its own process group, so that stopping it stops the extension host and `licit lsp` too.
const server = spawn(process.execPath, [...codeServerArgs, folder], {
  stdio: ["ignore", "pipe", "pipe"],
  detached: true,
});
let serverLog = "";
server.stdout.on("data", (d) => (serverLog += d));
server.stderr.on("data", (d) => (serverLog += d));
const stopServer = () => {
  try {
    process.kill(-server.pid, "SIGTERM");
  } catch {}
};

let browser;
let page;
try {
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {}
    if (i > 100) throw new Error(`code-server did not start:\n${serverLog}`);
    await new Promise((r) => setTimeout(r, 200));
  }

  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  page.setDefaultTimeout(60_000);
  await page.goto(url);
  await page.locator(".monaco-workbench").waitFor();
  await page.locator(".explorer-folders-view .monaco-list-row").first().waitFor();
  fs.mkdirSync(images, { recursive: true });

  // Runs a command by its label from the command palette; those that open a quick input of their
  // own (Go to File, Go to Line) leave it open.
  const command = async (label, { opensInput = false } = {}) => {
    await page.keyboard.press("F1");
    const input = page.locator(".quick-input-widget input.input");
    await input.waitFor();
    await input.fill(`>${label}`);
    await page.locator(`.quick-input-list .monaco-list-row[aria-label^="${label}"]`).first().waitFor();
    await page.keyboard.press("Enter");
    if (!opensInput) await page.locator(".quick-input-widget").waitFor({ state: "hidden" });
  };
  const open = async (file) => {
    await command("Go to File...", { opensInput: true });
    const input = page.locator(".quick-input-widget input.input");
    await page.waitForFunction(() => !document.querySelector(".quick-input-widget input.input")?.value);
    await input.fill(file);
    await page.locator(`.quick-input-list .monaco-list-row[aria-label*="${file}"]`).first().waitFor();
    await page.keyboard.press("Enter");
    await page.locator(`.tab.active[aria-label^="${file}"]`).waitFor();
    await page.locator(".monaco-editor .view-lines").first().waitFor();
  };
  const goTo = async (line, column) => {
    await command("Go to Line/Column...", { opensInput: true });
    await page.waitForFunction(() => document.querySelector(".quick-input-widget input.input")?.value === ":");
    await page.keyboard.type(`${line}:${column}`);
    await page.keyboard.press("Enter");
    await page.locator(".quick-input-widget").waitFor({ state: "hidden" });
  };
  const shot = async (name) => {
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(images, name) });
    console.log(`wrote ${path.relative(repo, path.join(images, name))}`);
  };

  // 1. The outline: the rules of art3-4.licit grouped by article, from the server's symbols.
  await open("art3-4.licit");
  // Room for the outline: the folder's files folded away, the side bar wider for the citations.
  await page.locator('.pane-header[aria-label^="Explorer Section"]').click();
  const sidebar = await page.locator(".part.sidebar").boundingBox();
  await page.mouse.move(sidebar.x + sidebar.width + 1, 400);
  await page.mouse.down();
  await page.mouse.move(sidebar.x + sidebar.width + 150, 400, { steps: 10 });
  await page.mouse.up();
  await page.mouse.move(250, 600); // off the sash, which is highlighted under the pointer
  await command("Explorer: Focus on Outline View");
  await page.locator('.outline-pane .monaco-list-row[aria-label*="Art. 4"]').waitFor();
  await page.locator('.outline-pane .monaco-list-row[aria-label*="catch_all_aware"]').waitFor();
  await shot("outline.png");

  // 2. Hover on `eu001_destinations` (authorisations.licit, line 39): its members and dates.
  await open("authorisations.licit");
  await goTo(39, 31);
  await command("Show or Focus Hover");
  const hover = page.locator(".monaco-hover:visible", { hasText: "in force" });
  await hover.waitFor();
  // The hover is at most a quarter of the editor's height, so ten members scroll; drag its top
  // edge up (the hover is resizable) until all of them show.
  const overflow = await page.evaluate(() => {
    const content = document.querySelector(".monaco-hover:not(.hidden) .monaco-hover-content");
    return content ? content.scrollHeight - content.clientHeight : 0;
  });
  if (overflow > 0) {
    const edge = await page.locator(".monaco-sash.orthogonal-edge-north:not(.disabled)").last().boundingBox();
    const x = edge.x + edge.width / 2;
    const y = edge.y + edge.height / 2;
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x, y - overflow - 8, { steps: 10 });
    await page.mouse.up();
  }
  await shot("hover.png");
  await page.keyboard.press("Escape");

  // 3. Type the typo `case.destinaton`: underlined, and the did-you-mean fix offered.
  await goTo(39, 13);
  await page.keyboard.press("Control+Shift+ArrowRight");
  await page.keyboard.type("destinaton", { delay: 60 });
  await page.locator(".view-overlays .squiggly-error").first().waitFor();
  await command("Problems: Focus on Problems View");
  await page.locator(".markers-panel .monaco-list-row", { hasText: "destinaton" }).first().waitFor();
  await command("View: Focus Active Editor Group");
  await command("Quick Fix...");
  await page.locator(".action-widget", { hasText: "destination" }).waitFor();
  await shot("quick-fix.png");
} catch (error) {
  const failure = path.join(os.tmpdir(), "licit-vscode-failure.png");
  if (page) await page.screenshot({ path: failure }).catch(() => {});
  console.error(`take.mjs failed; the page as it was: ${failure}\ncode-server's log:\n${serverLog}`);
  throw error;
} finally {
  if (browser) await browser.close();
  stopServer();
  fs.rmSync(scratch, { recursive: true, force: true });
}
