// Test-only extension for tests/vscode. It plays the part of an AI assistant:
// an inline-completion provider that offers one fixed line on empty lines. Its command asks
// the provenance extension's diagnostic command for the server's regions and
// writes them, with the settings the test flips, to <outputDir>/regions.json.
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');

const COMPLETION = 'total_with_tax = round(total(items) * 1.2, 2)  # stub completion';

/** Appends a line to <outputDir>/stub.log, for reading a failed run. */
function note(line) {
  const dir = vscode.workspace.getConfiguration('provenanceTest').get('outputDir');
  if (dir) fs.appendFileSync(path.join(dir, 'stub.log'), `${new Date().toISOString()} ${line}\n`);
}

function activate(context) {
  context.subscriptions.push(
    vscode.languages.registerInlineCompletionItemProvider(
      { scheme: 'file' },
      {
        provideInlineCompletionItems(document, position, ctx) {
          note(`provideInlineCompletionItems ${document.uri.path}:${position.line}:${position.character} trigger=${ctx.triggerKind}`);
          // Only on an empty line, so it stays out of the way of other typing.
          if (document.lineAt(position.line).text.trim() !== '') return [];
          // The item needs an insert range at the cursor, or no ghost text shows.
          return [new vscode.InlineCompletionItem(COMPLETION, new vscode.Range(position, position))];
        },
      },
    ),
    vscode.commands.registerCommand('provenanceTest.dumpRegions', async () => {
      const dir = vscode.workspace.getConfiguration('provenanceTest').get('outputDir');
      const doc = vscode.window.activeTextEditor && vscode.window.activeTextEditor.document;
      let record;
      try {
        const regions = doc ? await vscode.commands.executeCommand('provenance.debug.regions', doc.uri) : undefined;
        record = { uri: doc && doc.uri.toString(), regions: regions ?? null };
      } catch (err) {
        record = { uri: doc && doc.uri.toString(), error: String(err) };
      }
      record.useProposedApi = vscode.workspace.getConfiguration('provenance').get('editSource.useProposedApi');
      record.text = doc ? doc.getText() : null;
      const tmp = path.join(dir, 'regions.json.tmp');
      fs.writeFileSync(tmp, JSON.stringify(record, null, 2));
      fs.renameSync(tmp, path.join(dir, 'regions.json'));
    }),
  );
}

module.exports = { activate };
