#!/usr/bin/env python3
"""A stand-in for an AI completion server: a tiny LSP server on stdio that
offers one fixed inline completion at the cursor, so the tests can accept a
real `textDocument/inlineCompletion` item without a model.

The text comes from the file named by STUB_COMPLETION_FILE when set (read at
each request, so a test can change it), else from STUB_COMPLETION, else the
default below.
"""
import json
import os
import sys

TEXT = os.environ.get("STUB_COMPLETION", "fn suggested() -> u32 {\n    42\n}")


def read_message():
    length = None
    while True:
        line = sys.stdin.buffer.readline()
        if not line:
            return None
        line = line.strip()
        if not line:
            break
        name, _, value = line.decode("ascii").partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
    if length is None:
        return None
    return json.loads(sys.stdin.buffer.read(length))


def send(message):
    body = json.dumps(message).encode("utf-8")
    sys.stdout.buffer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    sys.stdout.buffer.flush()


def answer(request):
    method = request.get("method")
    if method == "initialize":
        return {
            "capabilities": {"textDocumentSync": 1, "inlineCompletionProvider": True},
            "serverInfo": {"name": "stub-inline"},
        }
    if method == "textDocument/inlineCompletion":
        position = request["params"]["position"]
        text = TEXT
        if os.environ.get("STUB_COMPLETION_FILE"):
            with open(os.environ["STUB_COMPLETION_FILE"], encoding="utf-8") as f:
                text = f.read()
        return {"items": [{"insertText": text, "range": {"start": position, "end": position}}]}
    return None


def main():
    while True:
        message = read_message()
        if message is None or message.get("method") == "exit":
            return
        if "id" in message and "method" in message:
            send({"jsonrpc": "2.0", "id": message["id"], "result": answer(message)})


if __name__ == "__main__":
    main()
