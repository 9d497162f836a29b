// Tells the server where each edit came from (provenance/editSource), in two tiers.
//
// Exact tier: VS Code's proposed `textDocumentChangeReason` API puts a
// `detailedReason` on every change event (inline-completion accepts from any
// provider, chat and inline-chat edits with their model, pastes, reloads…).
// It works only where proposed API is granted to this extension, so it is
// detected at run time and can be switched off by a setting.
//
// Stable tier: always registered, and speaks only when the exact tier is not
// live. It owns the inline-suggestion accept keys (Tab, accept word, accept
// line) and observes pastes with a DocumentPasteEditProvider that returns no
// edit. It cannot see the inline toolbar's accept buttons, next-edit
// suggestions or chat edits.
import * as vscode from 'vscode';
import { classify, type Classified, type DetailedReason } from './editReasons';
import type { EditSourceParams } from './protocol';

export const PROPOSAL = 'textDocumentChangeReason';

type Send = (params: EditSourceParams) => void;

/** A paste the stable tier saw coming, matched against the change it produces. */
interface ExpectedPaste {
  text: string;
  until: number;
}

export class EditSources implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly expectedPastes = new Map<string, ExpectedPaste>();
  private useProposed: boolean;

  constructor(
    /** Whether VS Code granted the proposal to this extension. */
    readonly proposedGranted: boolean,
    useProposedSetting: boolean,
    private readonly send: Send,
    private readonly log: (line: string) => void,
  ) {
    this.useProposed = useProposedSetting;
    this.disposables.push(
      vscode.workspace.onDidChangeTextDocument((e) => this.onChange(e)),
      vscode.commands.registerCommand('provenance.inlineSuggest.commit', () =>
        this.accept('editor.action.inlineSuggest.commit'),
      ),
      vscode.commands.registerCommand('provenance.inlineSuggest.acceptNextWord', () =>
        this.accept('editor.action.inlineSuggest.acceptNextWord'),
      ),
      vscode.commands.registerCommand('provenance.inlineSuggest.acceptNextLine', () =>
        this.accept('editor.action.inlineSuggest.acceptNextLine'),
      ),
      vscode.languages.registerDocumentPasteEditProvider(
        { scheme: 'file' },
        { provideDocumentPasteEdits: (doc, _ranges, data) => this.expectPaste(doc, data) },
        {
          providedPasteEditKinds: [vscode.DocumentDropOrPasteEditKind.Text.append('provenance')],
          pasteMimeTypes: ['text/plain'],
        },
      ),
    );
    this.log(`edit sources: ${this.describe()}`);
  }

  /** True while every edit's source comes from VS Code itself. */
  get exact(): boolean {
    return this.proposedGranted && this.useProposed;
  }

  describe(): string {
    if (this.exact) return 'exact (proposed API textDocumentChangeReason)';
    if (!this.proposedGranted) return 'stable fallback (proposed API not granted)';
    return 'stable fallback (provenance.editSource.useProposedApi is off)';
  }

  setUseProposed(on: boolean): void {
    if (on === this.useProposed) return;
    this.useProposed = on;
    this.log(`edit sources: ${this.describe()}`);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  private sendFor(doc: vscode.TextDocument, version: number, c: Classified): void {
    this.send({
      textDocument: { uri: doc.uri.toString(), version },
      source: c.source,
      ...(c.agent ? { agent: c.agent } : {}),
      ...(c.model ? { model: c.model } : {}),
    });
  }

  private onChange(e: vscode.TextDocumentChangeEvent): void {
    if (e.contentChanges.length === 0 || e.document.uri.scheme !== 'file') return;
    const key = e.document.uri.toString();
    const paste = this.takeExpectedPaste(key, e.contentChanges);
    if (!this.exact) {
      if (paste) this.sendFor(e.document, e.document.version, { source: 'pasted' });
      return;
    }
    if (e.reason === vscode.TextDocumentChangeReason.Undo || e.reason === vscode.TextDocumentChangeReason.Redo) {
      this.sendFor(e.document, e.document.version, { source: 'undo' });
      return;
    }
    const reason = (e as { detailedReason?: DetailedReason }).detailedReason;
    const c = reason ? classify(reason) : undefined;
    if (c) this.sendFor(e.document, e.document.version, c);
    // A paste applied through the paste-edit machinery may carry no usable
    // reason; the provider saw it coming.
    else if (paste) this.sendFor(e.document, e.document.version, { source: 'pasted' });
  }

  private takeExpectedPaste(
    key: string,
    changes: readonly vscode.TextDocumentContentChangeEvent[],
  ): boolean {
    const expected = this.expectedPastes.get(key);
    if (!expected) return false;
    if (Date.now() > expected.until) {
      this.expectedPastes.delete(key);
      return false;
    }
    const norm = (s: string) => s.replace(/\r\n/g, '\n');
    const want = norm(expected.text);
    // Multi-cursor pastes split the clipboard among the cursors.
    const hit = changes.some((c) => c.text !== '' && want.includes(norm(c.text)));
    if (hit) this.expectedPastes.delete(key);
    return hit;
  }

  private async expectPaste(
    doc: vscode.TextDocument,
    data: vscode.DataTransfer,
  ): Promise<undefined> {
    const text = await data.get('text/plain')?.asString();
    if (text) this.expectedPastes.set(doc.uri.toString(), { text, until: Date.now() + 2000 });
    // No edit: the normal paste goes on.
    return undefined;
  }

  /**
   * Runs a core accept command and reports the versions it produced as a
   * completion. The change reaches the extension host before the command's
   * result (same channel, in order); the short wait covers a slow main thread.
   */
  private async accept(core: string): Promise<void> {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || this.exact) {
      await vscode.commands.executeCommand(core);
      return;
    }
    const versions: number[] = [];
    let resolveFirst: () => void = () => undefined;
    const first = new Promise<void>((r) => (resolveFirst = r));
    const sub = vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document === doc && e.contentChanges.length > 0) {
        versions.push(e.document.version);
        resolveFirst();
      }
    });
    try {
      await vscode.commands.executeCommand(core);
      if (versions.length === 0) await Promise.race([first, new Promise((r) => setTimeout(r, 500))]);
    } finally {
      sub.dispose();
    }
    for (const v of versions) this.sendFor(doc, v, { source: 'completion' });
    if (versions.length) this.log(`stable tier: ${core} → completion at version ${versions.join(', ')}`);
  }
}

/** Whether VS Code granted this extension the proposal (it empties the list when not). */
export function proposalGranted(ext: vscode.Extension<unknown>): boolean {
  const list = (ext.packageJSON as { enabledApiProposals?: unknown }).enabledApiProposals;
  return Array.isArray(list) && list.includes(PROPOSAL);
}
