// Reads the `provenance.*` settings. The server gets the whole section as it
// is (initializationOptions at start, workspace/didChangeConfiguration after),
// so the names in package.json are the server's (docs/configuration.md); the
// client reads only the few that are its own.
import * as vscode from 'vscode';

export const SECTION = 'provenance';

/** What the client itself acts on. */
export interface ClientSettings {
  server: { path: string; extraEnv: Record<string, string> };
  decorations: { enabled: boolean };
  editSource: { useProposedApi: boolean };
}

export function readSettings(): ClientSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  return {
    server: {
      path: c.get<string>('server.path', ''),
      extraEnv: c.get<Record<string, string>>('server.extraEnv', {}),
    },
    decorations: { enabled: c.get<boolean>('decorations.enabled', true) },
    editSource: { useProposedApi: c.get<boolean>('editSource.useProposedApi', true) },
  };
}

/** The `provenance` section as plain JSON: the same object didChangeConfiguration carries. */
export function serverSettings(): unknown {
  return JSON.parse(JSON.stringify(vscode.workspace.getConfiguration().get(SECTION) ?? {}));
}

/** Settings whose change needs a server restart rather than a notification. */
export function needsRestart(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration(`${SECTION}.server`);
}
