// Finds provenance-ls and starts it as a language client over stdio.
// Lookup order: the `provenance.server.path` setting, a binary shipped in the
// extension's `server/` folder, then `provenance-ls` on PATH.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { SECTION, serverSettings, type ClientSettings } from './config';

const BINARY = process.platform === 'win32' ? 'provenance-ls.exe' : 'provenance-ls';

const LENS_TOOLTIP =
  '↻ commits that changed the block · share of its committed lines written by an AI assistant (completion or agent) · maintenance risk 0–100. Click for its churn history.';

export type ServerLookup =
  | { found: true; path: string; from: 'setting' | 'bundled' | 'PATH' }
  | { found: false; message: string };

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

export function findServer(settings: ClientSettings, extensionPath: string): ServerLookup {
  const configured = settings.server.path.trim();
  if (configured) {
    const p = expandHome(configured);
    if (isExecutable(p)) return { found: true, path: p, from: 'setting' };
    return {
      found: false,
      message: `provenance.server.path is set to "${configured}", but no executable is there. Fix the setting, or clear it to use provenance-ls from PATH.`,
    };
  }
  const bundled = path.join(extensionPath, 'server', BINARY);
  if (isExecutable(bundled)) return { found: true, path: bundled, from: 'bundled' };
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, BINARY);
    if (isExecutable(p)) return { found: true, path: p, from: 'PATH' };
  }
  return {
    found: false,
    message:
      'provenance-ls was not found. Install it (`cargo install --locked --path server` in a provenance-ls checkout puts it on PATH), or set provenance.server.path to the binary.',
  };
}

export function createClient(
  serverPath: string,
  settings: ClientSettings,
  outputChannel: vscode.OutputChannel,
): LanguageClient {
  const run = {
    command: serverPath,
    // No `transport`: TransportKind.stdio would append `--stdio`, which the server refuses.
    args: ['lsp'],
    options: { env: { ...process.env, ...settings.server.extraEnv } },
  };
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    // Provenance is about any text file on disk, whatever its language.
    documentSelector: [{ scheme: 'file' }],
    outputChannel,
    // This client handles provenance/regionsChanged, so it asks for it (the
    // server sends provenance/* notifications only to clients that opt in).
    initializationOptions: { ...(serverSettings() as object), customNotifications: true },
    synchronize: { configurationSection: SECTION },
    markdown: { isTrusted: false, supportHtml: false },
    middleware: {
      // The lens line (`↻ 7 · 43% AI · risk 71`) explained where it is shown.
      provideCodeLenses: async (document, token, next) => {
        const lenses = await next(document, token);
        for (const lens of lenses ?? []) if (lens.command) lens.command.tooltip = LENS_TOOLTIP;
        return lenses;
      },
    },
  };
  return new LanguageClient('provenance', 'Provenance', serverOptions, clientOptions);
}
