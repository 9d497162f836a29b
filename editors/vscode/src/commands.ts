// The palette commands. Each asks the server and shows its answer; none of
// them computes provenance or history itself.
import * as vscode from 'vscode';
import { ExecuteCommandRequest, HoverRequest, type LanguageClient } from 'vscode-languageclient/node';
import { SECTION } from './config';
import { toRange, type RegionPainter } from './decorations';
import * as proto from './protocol';

export interface CommandContext {
  client(): LanguageClient | undefined;
  painter: RegionPainter;
  output: vscode.OutputChannel;
  restart(): Promise<void>;
  refreshRegions(doc: vscode.TextDocument): Promise<proto.RegionsResult | undefined>;
}

const HISTORY_SCHEME = 'provenance-history';

function runningClient(ctx: CommandContext): LanguageClient | undefined {
  const c = ctx.client();
  if (!c || !c.isRunning()) {
    void vscode.window.showWarningMessage('provenance-ls is not running. See "Provenance: Show server log".');
    return undefined;
  }
  return c;
}

async function markRegionReviewed(ctx: CommandContext): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const client = runningClient(ctx);
  if (!editor || !client) return;
  let range: vscode.Range = editor.selection;
  if (range.isEmpty) {
    // A bare cursor means the region under it, else its whole line.
    const at = editor.selection.active;
    const region = ctx.painter.regionsOf(editor.document.uri).find((r) => toRange(r.range).contains(at));
    range = region ? toRange(region.range) : editor.document.lineAt(at.line).range;
  }
  const marked = await client.sendRequest(ExecuteCommandRequest.type, {
    command: proto.MARK_REVIEWED,
    arguments: [{ uri: editor.document.uri.toString(), range: client.code2ProtocolConverter.asRange(range) }],
  });
  const n = typeof marked === 'number' ? marked : 0;
  void vscode.window.setStatusBarMessage(
    n ? `Provenance: marked ${n} region(s) as reviewed` : 'Provenance: no AI-written region here',
    4000,
  );
  await ctx.refreshRegions(editor.document);
}

function blockMarkdown(b: proto.Block): string {
  const pct = Math.round(b.aiShare * 100);
  // The range ends at column 0 of the line after the block.
  const last = b.range.end.character === 0 ? b.range.end.line : b.range.end.line + 1;
  const lines = [`# ${b.kind ? `${b.kind} ` : ''}${b.name}`, ''];
  if (b.commits === 0) {
    // Uncommitted code has no statistics, only this.
    lines.push(`Lines ${b.range.start.line + 1}–${last} · not committed yet`);
    return lines.join('\n');
  }
  lines.push(
    `Lines ${b.range.start.line + 1}–${last} · ↻ ${b.commits} commit(s) changed it · rewritten ${b.rewrites90d} time(s) in 90 days · ` +
      `${Math.round(Number(b.churn14d) * 100)}% of its lines churned within 14 days · ${pct}% of its committed lines AI-written (completion or agent) · ` +
      `${b.authors} author(s) · ${b.ageDays} day(s) old`,
  );
  // The risk and its factors, in words, are in the server's history below.
  return lines.join('\n');
}

function hoverMarkdown(contents: unknown): string {
  const parts = Array.isArray(contents) ? contents : [contents];
  return parts
    .map((p) => (typeof p === 'string' ? p : p && typeof p === 'object' && 'value' in p ? String(p.value) : ''))
    .filter(Boolean)
    .join('\n\n');
}

class HistoryDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }
  set(uri: vscode.Uri, text: string): void {
    this.texts.set(uri.toString(), text);
    this.changed.fire(uri);
  }
}

async function showBlockHistory(ctx: CommandContext, docs: HistoryDocuments): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const client = runningClient(ctx);
  if (!editor || !client) return;
  const doc = editor.document;
  const at = editor.selection.active;
  const textDocument = { uri: doc.uri.toString() };
  const [blocks, hover] = await Promise.all([
    client.sendRequest(proto.blocks, { textDocument }).catch(() => [] as proto.Block[]),
    client.sendRequest(HoverRequest.type, {
      textDocument,
      position: client.code2ProtocolConverter.asPosition(at),
    }),
  ]);
  // The innermost block around the cursor: the one that starts last.
  const block = (blocks ?? [])
    .filter((b) => toRange(b.range).contains(at))
    .sort((a, b) => b.range.start.line - a.range.start.line)[0];
  const sections = [block ? blockMarkdown(block) : `# ${vscode.workspace.asRelativePath(doc.uri)}:${at.line + 1}`];
  const history = hover ? hoverMarkdown(hover.contents) : '';
  sections.push(history || '_No git history for this line (not committed yet?)._');
  const name = block ? block.name.replace(/[^\w.-]+/g, '_') : `line-${at.line + 1}`;
  const uri = vscode.Uri.from({ scheme: HISTORY_SCHEME, path: `/${name}.md`, query: doc.uri.toString() });
  docs.set(uri, sections.join('\n\n---\n\n') + '\n');
  const shown = await vscode.workspace.openTextDocument(uri);
  await vscode.languages.setTextDocumentLanguage(shown, 'markdown');
  // Rendered, not as Markdown source: VS Code's built-in Markdown preview.
  try {
    await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
  } catch {
    await vscode.window.showTextDocument(shown, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  }
}

async function debugRegions(ctx: CommandContext, arg?: unknown): Promise<proto.RegionsResult | undefined> {
  const client = runningClient(ctx);
  const uri =
    arg instanceof vscode.Uri ? arg : typeof arg === 'string' ? vscode.Uri.parse(arg) : vscode.window.activeTextEditor?.document.uri;
  if (!client || !uri) return undefined;
  const result = await client.sendRequest(proto.regions, { textDocument: { uri: uri.toString() } });
  ctx.output.appendLine(`provenance/regions ${uri.toString()}:\n${JSON.stringify(result, null, 2)}`);
  if (!arg) ctx.output.show(true);
  return result;
}

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const docs = new HistoryDocuments();
  return [
    vscode.workspace.registerTextDocumentContentProvider(HISTORY_SCHEME, docs),
    vscode.commands.registerCommand('provenance.markRegionReviewed', () => markRegionReviewed(ctx)),
    vscode.commands.registerCommand('provenance.showBlockHistory', () => showBlockHistory(ctx, docs)),
    vscode.commands.registerCommand('provenance.toggleDecorations', async () => {
      const c = vscode.workspace.getConfiguration(SECTION);
      await c.update('decorations.enabled', !c.get<boolean>('decorations.enabled', true), vscode.ConfigurationTarget.Global);
    }),
    vscode.commands.registerCommand('provenance.showServerLog', () => ctx.output.show(true)),
    vscode.commands.registerCommand('provenance.restartServer', () => ctx.restart()),
    // Diagnostic: prints what the server holds for a file; returns it to a caller.
    vscode.commands.registerCommand('provenance.debug.regions', (arg?: unknown) => debugRegions(ctx, arg)),
  ];
}
