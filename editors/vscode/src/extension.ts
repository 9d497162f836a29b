// Entry point: wires settings, the language client, the edit-source tiers,
// the region painter and the commands together. Owns the client's lifecycle.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { createClient, findServer, stopAndWait } from './client';
import { registerCommands } from './commands';
import { needsRestart, readSettings, SECTION } from './config';
import { RegionPainter } from './decorations';
import { EditSources, proposalGranted } from './editSources';
import * as proto from './protocol';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Provenance');
  const settings = readSettings();
  const painter = new RegionPainter(context.extensionUri, settings.decorations.enabled);

  const send = (params: proto.EditSourceParams): void => {
    if (client?.isRunning()) void client.sendNotification(proto.editSource, params);
  };
  const sources = new EditSources(proposalGranted(context.extension), settings.editSource.useProposedApi, send, (l) =>
    output.appendLine(l),
  );

  const refreshRegions = async (doc: vscode.TextDocument): Promise<proto.RegionsResult | undefined> => {
    if (!client?.isRunning() || doc.uri.scheme !== 'file') return undefined;
    try {
      const result = await client.sendRequest(proto.regions, { textDocument: { uri: doc.uri.toString() } });
      if (result) painter.update(result);
      return result;
    } catch (err) {
      output.appendLine(`provenance/regions failed for ${doc.uri.toString()}: ${String(err)}`);
      return undefined;
    }
  };
  const refreshVisible = () => {
    for (const e of vscode.window.visibleTextEditors) if (!painter.has(e.document.uri)) void refreshRegions(e.document);
  };

  const start = async (): Promise<void> => {
    const s = readSettings();
    const lookup = findServer(s, context.extensionPath);
    if (!lookup.found) {
      output.appendLine(lookup.message);
      // Not awaited: the message stays until dismissed, and a restart must not wait for that.
      void vscode.window.showErrorMessage(lookup.message, 'Open Settings', 'Show Log').then((choice) => {
        if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'provenance.server.path');
        if (choice === 'Show Log') output.show();
      });
      return;
    }
    output.appendLine(`starting ${lookup.path} (from ${lookup.from})`);
    const c = createClient(lookup.path, s, output);
    c.onNotification(proto.regionsChanged, (r) => painter.update(r));
    client = c;
    try {
      await c.start();
    } catch (err) {
      output.appendLine(`provenance-ls failed to start: ${String(err)}`);
      void vscode.window.showErrorMessage(`provenance-ls failed to start: ${String(err)}`, 'Show Log').then((x) => {
        if (x) output.show();
      });
      return;
    }
    refreshVisible();
  };
  const stop = async (): Promise<void> => {
    const c = client;
    client = undefined;
    painter.clear();
    if (c) await stopAndWait(c);
  };
  // Starts and stops run one at a time: settings often change in bursts
  // (two settings files, a sync), and two live clients would fight over the
  // server's commands and journal.
  let lifecycle: Promise<void> = Promise.resolve();
  const serially = (step: () => Promise<void>): Promise<void> => {
    lifecycle = lifecycle.then(step, step);
    return lifecycle;
  };
  const restart = (): Promise<void> =>
    serially(async () => {
      await stop();
      await start();
    });

  context.subscriptions.push(
    output,
    painter,
    sources,
    ...registerCommands({ client: () => client, painter, output, restart, refreshRegions }),
    vscode.window.onDidChangeVisibleTextEditors(refreshVisible),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      const s = readSettings();
      painter.setEnabled(s.decorations.enabled);
      sources.setUseProposed(s.editSource.useProposedApi);
      if (needsRestart(e)) await restart();
    }),
    { dispose: () => void serially(stop) },
  );
  await serially(start);
}

export async function deactivate(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) await stopAndWait(c);
}
