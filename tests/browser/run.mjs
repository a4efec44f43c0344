// End-to-end test of the playground in a real browser (Debian's chromium, driven by
// playwright-core). Run from anywhere after `cargo build`: `cd tests/browser && npm ci && node run.mjs`.
// It starts `target/debug/licit serve policies/eu/dual-use` on an ephemeral loopback port, picks
// the EU rulebook, loads the example `seed-2022`, decides and expects `licence_required` under
// Art. 5(1), then puts a typo in the policy and expects a diagnostic. Screenshots go to
// docs/images/. Every wait is bounded; any failure exits 1 with the step that failed.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const binary = join(root, "target", "debug", "licit");
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
const images = join(root, "docs", "images");
const WAIT = 15_000; // every single wait
const OVERALL = 120_000; // the whole test

let server;
let browser;
let step = "starting";

async function cleanUp() {
  if (browser) await browser.close().catch(() => {});
  if (server && server.exitCode === null) server.kill("SIGTERM");
}

async function fail(message) {
  console.error(`browser test FAILED at step "${step}": ${message}`);
  await cleanUp();
  process.exit(1);
}

const watchdog = setTimeout(() => fail(`the whole test took longer than ${OVERALL / 1000} s`), OVERALL);

function startServer() {
  return new Promise((resolvePromise, reject) => {
    if (!existsSync(binary)) return reject(new Error(`${binary} is missing: run \`cargo build\` first`));
    server = spawn(binary, ["serve", "policies/eu/dual-use", "--addr", "127.0.0.1:0"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => reject(new Error(`no "listening on" line within ${WAIT} ms; stderr:\n${stderr}`)), WAIT);
    server.stdout.on("data", (chunk) => {
      stdout += chunk;
      const match = stdout.match(/^listening on (http:\/\/\S+)\r?\n/);
      if (match) {
        clearTimeout(timer);
        resolvePromise(match[1]);
      }
    });
    server.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    server.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    server.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} before listening; stderr:\n${stderr}`));
    });
  });
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

async function main() {
  step = "start the server";
  const base = await startServer();

  step = "launch chromium";
  expect(existsSync(chromiumPath), `${chromiumPath} is missing: apt-get install -y chromium (or set CHROMIUM)`);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    timeout: WAIT,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  page.setDefaultTimeout(WAIT);
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(`${message.text()} (${message.location().url || "?"})`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) pageErrors.push(`${response.request().method()} ${response.url()} answered ${response.status()}`);
  });

  step = "open the playground";
  await page.goto(base + "/", { timeout: WAIT });
  await page.locator("#rulebook option").first().waitFor({ state: "attached" });

  step = "pick the EU rulebook";
  const names = await page.locator("#rulebook option").allTextContents();
  const eu = names.find((name) => /dual-use|eu/i.test(name));
  expect(eu, `no EU rulebook among ${JSON.stringify(names)}`);
  await page.selectOption("#rulebook", eu);
  await page.waitForFunction(() => document.getElementById("policy").value.includes("policy "), null, { timeout: WAIT });
  await page.locator("#case-form [data-path]").first().waitFor({ state: "attached" });

  step = "load the example seed-2022";
  await page.locator('#example option[value="seed-2022"], #example option:text-is("seed-2022")').first().waitFor({ state: "attached" });
  await page.selectOption("#example", "seed-2022");
  await page.waitForFunction(() => document.getElementById("case").value.trim().startsWith("{"), null, { timeout: WAIT });

  step = "decide";
  await page.click("#decide");
  const verdict = page.locator("#result .verdict");
  await verdict.waitFor({ state: "visible" });
  const verdictText = (await verdict.textContent()).trim();
  expect(verdictText === "licence_required", `the verdict shown is "${verdictText}", not licence_required`);
  await page.locator('#decided-under[data-under="served"]').waitFor({ state: "attached" });
  const result = await page.locator("#result").innerText();
  expect(result.includes("Art. 5(1)"), `the decision shown does not cite Art. 5(1):\n${result.slice(0, 600)}`);
  mkdirSync(images, { recursive: true });
  await page.screenshot({ path: join(images, "playground-decide.png") });

  step = "introduce a typo in the policy";
  const text = await page.inputValue("#policy");
  const word = "eu_member_states";
  const at = text.search(/\bthat case\.exporter_state in eu_member_states\b/);
  expect(at >= 0, "the policy has no `that case.exporter_state in eu_member_states` line to misspell");
  const position = text.indexOf(word, at) + word.length - 1; // before the final "s"
  await page.locator("#policy").evaluate((area, position) => {
    area.focus();
    area.setSelectionRange(position, position);
  }, position);
  await page.keyboard.press("Delete"); // eu_member_states -> eu_member_state
  const diagnostic = page.locator("#diagnostics li").first();
  await diagnostic.waitFor({ state: "visible" });
  const diagnosticText = await diagnostic.innerText();
  expect(diagnosticText.includes("eu_member_state"), `the diagnostic does not name the misspelt set: ${diagnosticText}`);
  await page.locator("#highlight .err").first().waitFor({ state: "attached" });
  // Bring the underlined line into view in the editor for the screenshot.
  await page.locator("#policy").evaluate((area, position) => {
    const line = area.value.slice(0, position).split("\n").length;
    const height = parseFloat(getComputedStyle(area).lineHeight) || 18;
    area.scrollTop = Math.max(0, (line - 8) * height);
    area.dispatchEvent(new Event("scroll"));
  }, position);
  await page.screenshot({ path: join(images, "playground-diagnostic.png") });

  step = "put the typo right: the diagnostics clear";
  await page.locator("#policy").fill(text);
  await page.waitForFunction(() => !document.querySelector("#diagnostics li.error"), null, { timeout: WAIT });

  step = "edit Art. 5(1) in the page to come into force in 2023, then decide under the edited text";
  const art5 = (await page.locator("#policy-file option").allTextContents()).find((path) => path.endsWith("art5.licit"));
  expect(art5, "the EU rulebook has no art5.licit among its files");
  await page.selectOption("#policy-file", art5);
  await page.waitForFunction(() => document.getElementById("policy").value.includes("rule cyber_catch_all"), null, { timeout: WAIT });
  const art5Text = await page.inputValue("#policy");
  const inForce = /(rule cyber_catch_all [^\n]*\n\s*in force from )2021-09-09/;
  expect(inForce.test(art5Text), "art5.licit has no `rule cyber_catch_all … in force from 2021-09-09`");
  await page.locator("#policy").fill(art5Text.replace(inForce, "$12023-01-01"));
  await page.click("#decide");
  await page.locator('#decided-under[data-under="edited"]').waitFor({ state: "attached" });
  const editedVerdict = (await page.locator("#result .verdict").textContent()).trim();
  expect(editedVerdict === "no_licence_required",
    `under the edited text (Art. 5(1) in force from 2023) seed-2022 is "${editedVerdict}", not no_licence_required`);
  const under = await page.locator("#decided-under").innerText();
  expect(/edited text/.test(under), `the page does not say it decided under the edited text: ${under}`);
  await page.screenshot({ path: join(images, "playground-edited.png") });

  step = "check the page raised no errors";
  expect(pageErrors.length === 0, `the page logged errors:\n${pageErrors.join("\n")}`);

  console.log(`browser test passed: ${verdictText} under Art. 5(1); diagnostic "${diagnosticText}"; ${editedVerdict} under the edited text`);
  console.log(`screenshots: docs/images/playground-decide.png, docs/images/playground-diagnostic.png, docs/images/playground-edited.png`);
}

main()
  .then(async () => {
    clearTimeout(watchdog);
    await cleanUp();
    process.exit(0);
  })
  .catch((error) => fail(error && error.message ? error.message : String(error)));
