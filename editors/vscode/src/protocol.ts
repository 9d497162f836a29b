// The methods provenance-ls adds to LSP (docs/protocol.md), typed for the client.
import { NotificationType, RequestType } from 'vscode-languageclient/node';
import type { Range, VersionedTextDocumentIdentifier, TextDocumentIdentifier } from 'vscode-languageclient/node';

/** Where an edit came from; the last five make no region. */
export type EditSource =
  | 'pasted'
  | 'completion'
  | 'agent'
  | 'typed'
  | 'undo'
  | 'reload'
  | 'format'
  | 'refactor';

export interface EditSourceParams {
  textDocument: VersionedTextDocumentIdentifier;
  source: EditSource;
  agent?: string;
  model?: string;
}

export interface Region {
  /** Covering range; `spans` is the text the region holds. */
  range: Range;
  spans?: Range[];
  source: EditSource;
  agent?: string;
  model?: string;
  insertedAt: number;
  reviewed: boolean;
  modified: boolean;
  retained: number;
}

export interface RegionsResult {
  uri: string;
  version: number | null;
  regions: Region[];
}

export interface RiskFactor {
  name: string;
  value: number;
  weight: number;
}

/** One block of `provenance/blocks`; `range` covers whole lines, ending at column 0 of the next. */
export interface Block {
  range: Range;
  name: string;
  kind: string;
  commits: number;
  rewrites90d: number;
  churn14d: number;
  aiShare: number;
  /** How many distinct authors. */
  authors: number;
  ageDays: number;
  risk?: { score: number; level: string; factors: RiskFactor[] };
}

export const editSource = new NotificationType<EditSourceParams>('provenance/editSource');
export const regions = new RequestType<{ textDocument: TextDocumentIdentifier }, RegionsResult, void>(
  'provenance/regions',
);
export const blocks = new RequestType<{ textDocument: TextDocumentIdentifier }, Block[], void>('provenance/blocks');
export const regionsChanged = new NotificationType<RegionsResult>('provenance/regionsChanged');

/** Server command (workspace/executeCommand): marks regions overlapping `range` reviewed. */
export const MARK_REVIEWED = 'provenance.markReviewed';
