// Paints the server's regions: a gutter mark and a faint background for
// AI-written regions (unreviewed and reviewed look different), and a
// status-bar item with the active file's AI share. Holds the last regions the
// server reported per document; computes nothing the server does not say.
import * as vscode from 'vscode';
import type { Region, RegionsResult } from './protocol';

export function toRange(r: Region['range']): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

/** The text a region holds: its spans (older servers send only `range`). */
export function spansOf(r: Region): Region['range'][] {
  return r.spans?.length ? r.spans : [r.range];
}

/** What counts as AI-written, everywhere: an accepted completion or an
 * agent's edit. Pastes, bulk insertions of unknown source and changes on
 * disk are not AI (the server's hover names them). */
export function isAiWritten(r: Region): boolean {
  return r.source === 'completion' || r.source === 'agent';
}

/** Share of the document's lines that some region's text touches, 0..1. */
export function aiShare(regions: readonly Region[], lineCount: number): number {
  if (lineCount === 0) return 0;
  const lines = new Set<number>();
  for (const s of regions.flatMap(spansOf)) {
    // A span ending at column 0 does not touch its end line.
    const last = s.end.character === 0 && s.end.line > s.start.line ? s.end.line - 1 : s.end.line;
    for (let l = s.start.line; l <= last; l++) lines.add(l);
  }
  return Math.min(1, lines.size / lineCount);
}

export class RegionPainter implements vscode.Disposable {
  private readonly byUri = new Map<string, RegionsResult>();
  private readonly unreviewed: vscode.TextEditorDecorationType;
  private readonly reviewed: vscode.TextEditorDecorationType;
  private readonly status: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    extensionUri: vscode.Uri,
    private enabled: boolean,
  ) {
    this.unreviewed = vscode.window.createTextEditorDecorationType({
      gutterIconPath: vscode.Uri.joinPath(extensionUri, 'media', 'unreviewed.svg'),
      gutterIconSize: 'contain',
      backgroundColor: new vscode.ThemeColor('provenance.unreviewedBackground'),
      overviewRulerColor: new vscode.ThemeColor('provenance.unreviewedRuler'),
      overviewRulerLane: vscode.OverviewRulerLane.Left,
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    });
    this.reviewed = vscode.window.createTextEditorDecorationType({
      gutterIconPath: vscode.Uri.joinPath(extensionUri, 'media', 'reviewed.svg'),
      gutterIconSize: 'contain',
      backgroundColor: new vscode.ThemeColor('provenance.reviewedBackground'),
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    });
    this.status = vscode.window.createStatusBarItem('provenance.aiShare', vscode.StatusBarAlignment.Right, 100);
    this.status.name = 'Provenance: AI share';
    this.status.command = 'provenance.toggleDecorations';
    this.disposables.push(
      this.unreviewed,
      this.reviewed,
      this.status,
      vscode.window.onDidChangeVisibleTextEditors(() => this.paintAll()),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateStatus()),
      vscode.workspace.onDidCloseTextDocument((d) => this.byUri.delete(d.uri.toString())),
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  regionsOf(uri: vscode.Uri): readonly Region[] {
    return this.byUri.get(uri.toString())?.regions ?? [];
  }

  has(uri: vscode.Uri): boolean {
    return this.byUri.has(uri.toString());
  }

  update(result: RegionsResult): void {
    this.byUri.set(result.uri, result);
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.toString() === result.uri) this.paint(editor);
    }
    this.updateStatus();
  }

  setEnabled(on: boolean): void {
    this.enabled = on;
    this.paintAll();
  }

  clear(): void {
    this.byUri.clear();
    this.paintAll();
  }

  private paintAll(): void {
    for (const editor of vscode.window.visibleTextEditors) this.paint(editor);
    this.updateStatus();
  }

  private paint(editor: vscode.TextEditor): void {
    const regions = this.enabled ? this.regionsOf(editor.document.uri).filter(isAiWritten) : [];
    const options = (reviewed: boolean): vscode.DecorationOptions[] =>
      regions
        .filter((r) => r.reviewed === reviewed)
        // No hover message here: the server's own hover describes the region.
        // Text typed inside a region is not its: paint the spans.
        .flatMap((r) => spansOf(r).map((s) => ({ range: toRange(s) })));
    editor.setDecorations(this.unreviewed, options(false));
    editor.setDecorations(this.reviewed, options(true));
  }

  private updateStatus(): void {
    const doc = vscode.window.activeTextEditor?.document;
    const known = doc && this.byUri.get(doc.uri.toString());
    if (!doc || !known) {
      this.status.hide();
      return;
    }
    const ai = known.regions.filter(isAiWritten);
    const others = known.regions.length - ai.length;
    const share = aiShare(ai, doc.lineCount);
    const unreviewed = ai.filter((r) => !r.reviewed).length;
    this.status.text = `$(sparkle) AI ${Math.round(share * 100)}%`;
    const tooltip = new vscode.MarkdownString(
      `**Provenance** — ${ai.length} AI-written region(s) (completions, agent edits) recorded in this file, ${unreviewed} not reviewed; ` +
        `they touch ${Math.round(share * 100)}% of its lines.` +
        (others ? ` ${others} other region(s) (pastes, bulk insertions, changes on disk) are not counted as AI.` : '') +
        `\n\nClick to ${this.enabled ? 'hide' : 'show'} the marks.`,
    );
    this.status.tooltip = tooltip;
    this.status.show();
  }
}
