// Reads the `provenance.*` settings. Everything here is plain data: the
// server receives the same object as its settings (initializationOptions,
// then workspace/didChangeConfiguration), so names match package.json.
import * as vscode from 'vscode';

export const SECTION = 'provenance';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** The settings as the server sees them (package.json's `provenance.*`). */
export interface Settings {
  server: { path: string; extraEnv: Record<string, string> };
  diagnostics: { enable: boolean; severity: Severity };
  hints: { enable: boolean };
  decorations: { enable: boolean };
  editSource: { useProposedApi: boolean };
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  return {
    server: {
      path: c.get<string>('server.path', ''),
      extraEnv: c.get<Record<string, string>>('server.extraEnv', {}),
    },
    diagnostics: {
      enable: c.get<boolean>('diagnostics.enable', true),
      severity: c.get<Severity>('diagnostics.severity', 'information'),
    },
    hints: { enable: c.get<boolean>('hints.enable', true) },
    decorations: { enable: c.get<boolean>('decorations.enable', true) },
    editSource: { useProposedApi: c.get<boolean>('editSource.useProposedApi', true) },
  };
}

/** Settings whose change needs a server restart rather than a notification. */
export function needsRestart(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration(`${SECTION}.server`);
}
