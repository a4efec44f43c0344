// Tokenizes every shipped policy (policies/**/*.licit) with the extension's TextMate grammar,
// as VS Code does (vscode-textmate over the Oniguruma engine), and fails on any text outside
// whitespace that no rule of the grammar matched. Run: node test/grammar.test.mjs

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const here = dirname(fileURLToPath(import.meta.url));
const extension = join(here, "..");
const repository = join(extension, "..", "..");

async function loadGrammar() {
  const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== "source.licit") return null;
      const path = join(extension, "syntaxes", "licit.tmLanguage.json");
      return vsctm.parseRawGrammar(readFileSync(path, "utf8"), path);
    },
  });
  return registry.loadGrammar("source.licit");
}

function licitFiles(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...licitFiles(path));
    else if (name.endsWith(".licit")) found.push(path);
  }
  return found.sort();
}

/** Every token of a text, with its line and the scopes it has. */
function tokenize(grammar, text) {
  const tokens = [];
  let stack = vsctm.INITIAL;
  text.split(/\r?\n/).forEach((line, number) => {
    const result = grammar.tokenizeLine(line, stack);
    for (const token of result.tokens) {
      tokens.push({
        line: number + 1,
        column: token.startIndex + 1,
        text: line.slice(token.startIndex, token.endIndex),
        scopes: token.scopes,
      });
    }
    stack = result.ruleStack;
  });
  return tokens;
}

const grammar = await loadGrammar();

test("every shipped policy is tokenized with no unmatched text", () => {
  const files = licitFiles(join(repository, "policies"));
  assert.ok(files.length > 10, `found only ${files.length} policy files`);
  const unmatched = [];
  for (const file of files) {
    for (const token of tokenize(grammar, readFileSync(file, "utf8"))) {
      if (token.scopes.length === 1 && token.text.trim() !== "") {
        unmatched.push(`${relative(repository, file)}:${token.line}:${token.column}: \`${token.text}\``);
      }
    }
  }
  assert.deepEqual(unmatched, [], `unmatched text:\n${unmatched.slice(0, 50).join("\n")}`);
});

test("the grammar names citations, dates, durations, holes, enum members and case paths", () => {
  const text = [
    'rule eu001 "Art. 12(1)(a)"',
    "  in force from 2021-09-09",
    "  when case.destination in {CN, RU} and case.date + 5 years > 2030-01-01",
    '  because "{case.destination} is covered"',
    "enum Activity { export, transit }  # a comment",
  ].join("\n");
  const tokens = tokenize(grammar, text);
  const scopeOf = (line, piece) => {
    const token = tokens.find((t) => t.line === line && t.text === piece);
    assert.ok(token, `no token \`${piece}\` on line ${line}`);
    return token.scopes.join(" ");
  };
  assert.match(scopeOf(1, "eu001"), /entity\.name\.function\.rule/);
  assert.match(scopeOf(1, '"Art. 12(1)(a)"'), /string\.quoted\.double\.citation/);
  assert.match(scopeOf(2, "2021-09-09"), /constant\.other\.date/);
  assert.match(scopeOf(3, "case"), /variable\.language\.case/);
  assert.match(scopeOf(3, "destination"), /variable\.other\.member/);
  assert.match(scopeOf(3, "CN"), /constant\.other\.enum-member/);
  assert.match(scopeOf(3, "years"), /constant\.numeric\.duration/);
  assert.match(scopeOf(4, "destination"), /meta\.interpolation/);
  assert.match(scopeOf(4, " is covered"), /string\.quoted\.double/);
  assert.match(scopeOf(5, "transit"), /constant\.other\.enum-member/);
  assert.match(scopeOf(5, "# a comment"), /comment\.line/);
});
