// Maps VS Code's own word for why a document changed (the proposed
// `textDocumentChangeReason` API) to the server's edit sources. Plain data in,
// plain data out: no vscode import, so it is tested without an editor.
import type { EditSource } from './protocol';

/** What the proposed API adds to TextDocumentChangeEvent. */
export interface DetailedReason {
  readonly source: string;
  readonly metadata: { readonly [key: string]: unknown };
}

export interface Classified {
  source: EditSource;
  agent?: string;
  model?: string;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Maps VS Code's edit source (src/vs/editor/common/textModelEditSource.ts) to
 * the server's vocabulary; undefined when VS Code does not say.
 */
export function classify(reason: DetailedReason): Classified | undefined {
  const m = reason.metadata ?? {};
  // VS Code writes '/' in model ids as '|' to dodge its telemetry's path redaction.
  const model = str(m.$modelId)?.replaceAll('|', '/');
  const provider = str(m.$extensionId) ?? str(m.$providerId);
  switch (reason.source) {
    case 'inlineCompletionAccept':
    case 'inlineCompletionPartialAccept':
      return { source: 'completion', agent: provider, model };
    case 'Chat.applyEdits':
      return { source: 'agent', agent: provider ?? str(m.$harness) ?? 'vscode-chat', model };
    case 'inlineChat.applyEdits':
      return { source: 'agent', agent: provider ?? 'vscode-inline-chat', model };
    case 'Chat.undoEdits':
    case 'Chat.reset':
      return { source: 'undo' };
    case 'reloadFromDisk':
    case 'setValue':
      return { source: 'reload' };
    case 'codeAction':
    case 'rename':
      return { source: 'refactor' };
    case 'cursor':
      return m.kind === 'paste' ? { source: 'pasted' } : { source: 'typed' };
    case 'suggest':
    case 'snippet':
      return { source: 'typed' };
    case 'unknown':
      return /format/i.test(str(m.name) ?? '') ? { source: 'format' } : undefined;
    default:
      return undefined;
  }
}
