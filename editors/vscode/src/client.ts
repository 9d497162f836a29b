// Finds provenance-ls and starts it as a language client over stdio.
// Lookup order: the `provenance.server.path` setting, a binary shipped in the
// extension's `server/` folder, then `provenance-ls` on PATH.
// The client spawns the process itself so that stopping can wait for it to
// exit: a restart must not start the next server while the old one is still
// writing its journal.
import { spawn, type ChildProcess } from 'node:child_process';
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

/** The server process of each client, to wait for on stop. */
const processes = new WeakMap<LanguageClient, ChildProcess>();

export function createClient(
  serverPath: string,
  settings: ClientSettings,
  outputChannel: vscode.OutputChannel,
): LanguageClient {
  let client: LanguageClient | undefined;
  // A function, not `{ command }`: the client then uses this process's
  // stdio (and shows its stderr in the output channel) and we keep the
  // handle. No `--stdio` argument: the server refuses it.
  const serverOptions: ServerOptions = async () => {
    const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
    const child = spawn(serverPath, ['lsp'], {
      // As the client would have: the first folder, if any.
      cwd: folder?.uri.fsPath,
      env: { ...process.env, ...settings.server.extraEnv },
      stdio: 'pipe',
    });
    // Without a listener a failed spawn would throw in the extension host.
    child.on('error', (err) => outputChannel.appendLine(`provenance-ls: ${String(err)}`));
    if (client) processes.set(client, child);
    return child;
  };
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
  client = new LanguageClient('provenance', 'Provenance', serverOptions, clientOptions);
  return client;
}

function exitOf(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * Stops the client (shutdown, exit) and waits until its server process has
 * exited, killing it after `timeoutMs`. Only then may the next server start:
 * the old one makes its last journal writes durable on the way out.
 */
export async function stopAndWait(client: LanguageClient, timeoutMs = 3000): Promise<void> {
  const child = processes.get(client);
  const exited = exitOf(child);
  await client.stop(timeoutMs).catch(() => undefined);
  if ((await within(exited, timeoutMs)) === 'late' && child) {
    child.kill();
    await within(exited, 1000);
  }
}
