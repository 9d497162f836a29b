// Test-only extension for tests/vscode/record.mjs (see tests/traces/README.md).
// It logs every change VS Code makes to the recorded file as the didChange a
// language client (vscode-languageclient, incremental sync) sends for it, with
// the step the script is at (read from step.json at the moment of the change)
// and VS Code's own account of the edit's source (the proposed
// `textDocumentChangeReason` API, granted by code-server). It also plays the
// assistants: an inline completion provider offering what completion.txt
// holds (empty between the script's completion steps), and a command applying agent.json as a
// workspace edit, as a chat agent's edit lands.
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');

const setting = (name) => vscode.workspace.getConfiguration('traceRecorder').get(name);

function readJson(file, fallback) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return fallback;
  }
}

function activate(context) {
  const dir = setting('dir');
  const target = setting('file');
  if (!dir || !target) return;
  const trace = path.join(dir, 'trace.jsonl');
  const write = (line) => fs.appendFileSync(trace, JSON.stringify(line) + '\n');
  const step = () => readJson(path.join(dir, 'step.json'), { step: 0, kind: 'open', what: 'open the file' });
  const isTarget = (doc) => doc.uri.scheme === 'file' && doc.uri.fsPath === target;
  let opened = false;
  const open = (doc) => {
    if (opened || !isTarget(doc)) return;
    opened = true;
    write({
      method: 'textDocument/didOpen',
      params: {
        path: path.basename(target),
        positionEncoding: 'utf-16',
        textDocument: { uri: doc.uri.toString(), languageId: doc.languageId, version: doc.version, text: doc.getText() },
      },
      step: 0,
      kind: 'open',
      what: 'open the file',
    });
  };
  vscode.workspace.textDocuments.forEach(open);
  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument(open),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (!isTarget(e.document) || e.contentChanges.length === 0) return;
      open(e.document);
      const { step: n, kind, what } = step();
      const reason = {
        ...(e.reason === vscode.TextDocumentChangeReason.Undo ? { undo: true } : {}),
        ...(e.reason === vscode.TextDocumentChangeReason.Redo ? { redo: true } : {}),
        ...(e.detailedReason ? { source: e.detailedReason.source, metadata: e.detailedReason.metadata } : {}),
      };
      write({
        method: 'textDocument/didChange',
        params: {
          textDocument: { uri: e.document.uri.toString(), version: e.document.version },
          // What vscode-languageclient sends: each change as VS Code gives it, in its order.
          contentChanges: e.contentChanges.map((c) => ({
            range: {
              start: { line: c.range.start.line, character: c.range.start.character },
              end: { line: c.range.end.line, character: c.range.end.character },
            },
            rangeLength: c.rangeLength,
            text: c.text,
          })),
        },
        step: n,
        kind,
        what,
        reason,
      });
    }),
    vscode.languages.registerInlineCompletionItemProvider(
      { scheme: 'file' },
      {
        provideInlineCompletionItems(document, position, ctx) {
          if (!isTarget(document)) return [];
          let text;
          try {
            text = fs.readFileSync(path.join(dir, 'completion.txt'), 'utf8');
          } catch {
            return [];
          }
          return text ? [new vscode.InlineCompletionItem(text, new vscode.Range(position, position))] : [];
        },
      },
    ),
    vscode.commands.registerCommand('traceRecorder.agentWrite', async () => {
      const a = readJson(path.join(dir, 'agent.json'), undefined);
      if (!a) return;
      const edit = new vscode.WorkspaceEdit();
      edit.insert(vscode.Uri.file(target), new vscode.Position(a.line, a.character), a.text);
      await vscode.workspace.applyEdit(edit);
    }),
  );
}

module.exports = { activate };
