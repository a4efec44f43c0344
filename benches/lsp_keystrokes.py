#!/usr/bin/env python3
"""Writes a `licit lsp` session on the EU rulebook: open authorisations.licit, then N keystrokes
(each a didChange that makes or mends a typo in `case.destination`, so each is a full re-check),
then shut down. Time the server on it with and without keystrokes, and divide:

    python3 benches/lsp_keystrokes.py 0 > /tmp/keys0.txt
    python3 benches/lsp_keystrokes.py 40 > /tmp/keys40.txt
    /usr/bin/time -f '%U s user, %e s wall' target/release/licit lsp < /tmp/keys40.txt > /dev/null
"""

import json
import os
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
path = os.path.join(root, "policies/eu/dual-use/authorisations.licit")
text = open(path, encoding="utf-8").read()
typo = text.replace("case.destination", "case.destinatio", 1)
uri = "file://" + path


def frame(message):
    message["jsonrpc"] = "2.0"
    body = json.dumps(message)
    return f"Content-Length: {len(body.encode())}\r\n\r\n{body}"


keystrokes = int(sys.argv[1]) if len(sys.argv) > 1 else 40
out = [
    frame({"id": 1, "method": "initialize", "params": {"capabilities": {}}}),
    frame({"method": "initialized", "params": {}}),
    frame({"method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "licit", "version": 0, "text": text}}}),
]
for i in range(keystrokes):
    out.append(frame({"method": "textDocument/didChange", "params": {
        "textDocument": {"uri": uri, "version": i + 1},
        "contentChanges": [{"text": typo if i % 2 == 0 else text}]}}))
out += [frame({"id": 2, "method": "shutdown"}), frame({"method": "exit"})]
sys.stdout.write("".join(out))
