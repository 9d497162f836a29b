// Records one VS Code edit trace (tests/traces/README.md): a scripted session
// in a real VS Code (code-server) through headless chromium, with
// recorder-extension logging every change VS Code makes to the file. Each
// step first writes its number and kind to step.json, acts through the real
// keyboard, palette or clipboard, then waits for the log to settle.
//
// Environment (record.sh sets it): CODE_SERVER, PLAYWRIGHT_DIR, RECORDER_VSIX,
// OUT (scratch folder), SESSION (js | python), TRACE (the .jsonl to write),
// CHROMIUM (default /usr/bin/chromium).
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};
const CODE_SERVER = env('CODE_SERVER');
const VSIX = env('RECORDER_VSIX');
const OUT = env('OUT');
const SESSION = env('SESSION');
const TRACE = env('TRACE');
const CHROMIUM = env('CHROMIUM', '/usr/bin/chromium');
const { chromium } = createRequire(path.join(env('PLAYWRIGHT_DIR'), 'x.js'))('playwright-core');

const log = (...a) => console.error(`[record ${new Date().toISOString().slice(11, 19)}]`, ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, fn, timeoutMs = 15000, everyMs = 200) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------- the sessions

const SESSIONS = {
  js: {
    file: 'app.js',
    text: "'use strict';\n\nfunction total(items) {\n  let sum = 0;\n  for (const item of items) {\n    sum += item.price;\n  }\n  return sum;\n}\n\nmodule.exports = { total };\n",
    steps: [
      ['typed', 'type a function at the end (auto-close and auto-indent act)', async (r) => {
        await r.key('Control+End');
        await r.type('\nfunction average(items) {\nif (items.length === 0) {\nreturn 0;');
        await r.key('ArrowDown'); await r.key('End');
        await r.type('\nreturn total(items) / items.length;');
      }],
      ['typed', 'a new line at the end', async (r) => {
        await r.key('Control+End');
        await r.type('\n\nfunction sumOf');
      }],
      ['completion', 'a 3-line completion after typed text', async (r) => {
        await r.complete('(values) {\n  return values.reduce((a, b) => a + b, 0);\n}\n');
      }],
      ['typed', 'type inside the completion: _new after values', async (r) => {
        await r.find('  return values.reduce', '  return values'.length);
        await r.type('_new');
      }],
      ['typed', 'type the start of a line', async (r) => {
        await r.key('Control+End');
        await r.type('const limit = ');
      }],
      ['completion', 'a 1-line completion after typed text', async (r) => {
        await r.complete('Math.max(10, Number(process.env.LIMIT) || 0);');
      }],
      ['typed', 'type a comment at the end of the completed line', async (r) => {
        await r.key('End');
        await r.type(' // tweaked');
      }],
      ['typed', 'a new line', async (r) => {
        await r.key('End');
        await r.type('\n');
      }],
      ['pasted', 'paste two lines', async (r) => {
        await r.paste('const a = 1;\nconst b = 2;\n');
      }],
      ['typed', 'type the start of a function', async (r) => {
        await r.key('Control+End');
        await r.type('function clamp');
      }],
      ['completion', 'a 5-line completion', async (r) => {
        await r.complete('(x, lo, hi) {\n  if (x < lo) return lo;\n  if (x > hi) return hi;\n  return x;\n}\n');
      }],
      ['pasted', 'paste inside the last line of a completion', async (r) => {
        await r.find('  return x;', '  return x'.length);
        await r.paste(' + 0');
      }],
      ['undo', 'undo the paste', async (r) => { await r.key('Control+z'); }],
      ['redo', 'redo it', async (r) => { await r.key('Control+Shift+z'); }],
      ['undo', 'undo it again', async (r) => { await r.key('Control+z'); }],
      ['move', 'move a completion line up (Alt+Up)', async (r) => {
        await r.find('  if (x > hi) return hi;', 0);
        await r.key('Alt+ArrowUp');
      }],
      ['move', 'move it back down', async (r) => { await r.key('Alt+ArrowDown'); }],
      ['move', 'move a typed line down', async (r) => {
        await r.find('const a = 1;', 0);
        await r.key('Alt+ArrowDown');
      }],
      ['typed', 'type badly formatted code', async (r) => {
        await r.key('Control+End');
        await r.type('const   weird={a:1,b:[1,2,3]}\n');
      }],
      ['format', 'Format Document (the built-in TypeScript formatter)', async (r) => {
        await r.command('Format Document');
        await sleep(1500);
      }],
      ['typed', 'multi-cursor: add two cursors below and type', async (r) => {
        await r.find('const a = 1;', 0);
        await r.command('Add Cursor Below');
        await r.command('Add Cursor Below');
        await r.type('// ');
        await r.key('Escape');
      }],
      ['agent', 'an agent inserts a 4-line function (a workspace edit)', async (r) => {
        await r.agent(2, 0, 'function isEmpty(items) {\n  // agent\n  return items.length === 0;\n}\n\n');
      }],
      ['typed', 'type inside the agent\'s function', async (r) => {
        await r.find('  return items.length === 0;', '  return items.length === 0'.length);
        await r.type(' || !items');
      }],
      ['typed', 'type the start of a line', async (r) => {
        await r.key('Control+End');
        await r.type('const empty = ');
      }],
      ['completion', 'a 2-line completion', async (r) => {
        await r.complete('isEmpty([]);\nconsole.log(empty);\n');
      }],
      ['undo', 'undo the completion', async (r) => { await r.key('Control+z'); }],
      ['redo', 'redo it', async (r) => { await r.key('Control+Shift+z'); }],
      ['reload', 'save, then the file changes on disk (a tool rewrote a line) and VS Code reloads it', async (r) => {
        await r.key('Control+s');
        await sleep(800);
        r.rewriteOnDisk((t) => t.replace("'use strict';", "'use strict'; // checked by a tool"));
        await sleep(2500);
      }],
      ['typed', 'type after the reload', async (r) => {
        await r.key('Control+End');
        await r.type('module.exports.clamp = clamp;\nfunction max');
      }],
      ['completion', 'a 4-line completion', async (r) => {
        await r.complete('(values) {\n  let best = -Infinity;\n  for (const v of values) best = Math.max(best, v);\n  return best;\n}\n');
      }],
      ['typed', 'type inside the 4-line completion', async (r) => {
        await r.find('  let best = -Infinity;', '  let best'.length);
        await r.type('Value');
      }],
      ['typed', 'delete a word with Ctrl+Backspace, type another', async (r) => {
        await r.key('Control+Backspace');
        await r.type('top');
      }],
    ],
  },
  python: {
    file: 'app.py',
    text: 'import math\n\n\ndef root(x):\n    return math.sqrt(x)\n',
    steps: [
      ['typed', 'type a function (auto-indent acts)', async (r) => {
        await r.key('Control+End');
        await r.type('\n\ndef area(r):\nreturn math.pi * r * r\n');
      }],
      ['typed', 'leave the indented block', async (r) => {
        await r.key('Control+End');
        await r.key('Shift+Tab');
        await r.type('def perimeter');
      }],
      ['completion', 'a 3-line completion', async (r) => {
        await r.complete('(r):\n    """Around a circle."""\n    return 2 * math.pi * r\n');
      }],
      ['typed', 'type inside it', async (r) => {
        await r.find('    """Around a circle."""', '    """Around a circle'.length);
        await r.type(' of radius r');
      }],
      ['pasted', 'paste a 2-line block', async (r) => {
        await r.key('Control+End');
        await r.paste('\n\ndef diameter(r):\n    return 2 * r\n');
      }],
      ['typed', 'two empty lines and a def', async (r) => {
        await r.key('Control+End');
        await r.type('\n\ndef stats');
      }],
      ['completion', 'a 6-line completion', async (r) => {
        await r.complete('(values):\n    n = len(values)\n    mean = sum(values) / n\n    var = sum((v - mean) ** 2 for v in values) / n\n    return mean, math.sqrt(var)\n\n');
      }],
      ['move', 'move a completion line up', async (r) => {
        await r.find('    mean = sum(values) / n', 0);
        await r.key('Alt+ArrowUp');
      }],
      ['undo', 'undo the move', async (r) => { await r.key('Control+z'); }],
      ['typed', 'multi-cursor on three lines: a comment at each end', async (r) => {
        await r.find('    n = len(values)', 'n = len(values)'.length + 4);
        await r.command('Add Cursor Below');
        await r.command('Add Cursor Below');
        await r.key('End');
        await r.type('  # step');
        await r.key('Escape');
      }],
      ['agent', 'an agent writes a function', async (r) => {
        await r.agent(2, 0, '\ndef square(x):\n    # agent\n    return x * x\n');
      }],
      ['typed', 'type the start of a line', async (r) => {
        await r.key('Control+End');
        await r.type('LIMIT = ');
      }],
      ['completion', 'a 1-line completion after typed text', async (r) => {
        await r.complete('int(math.sqrt(1024))');
      }],
      ['typed', 'typing after it', async (r) => {
        await r.type('  # cap\n');
      }],
      ['undo', 'undo the typing', async (r) => { await r.key('Control+z'); }],
      ['redo', 'redo the typing', async (r) => { await r.key('Control+Shift+z'); }],
      ['reload', 'save, then a tool rewrites a line on disk and VS Code reloads it', async (r) => {
        await r.key('Control+s');
        await sleep(800);
        r.rewriteOnDisk((t) => t.replace('import math\n', 'import math  # noqa\n'));
        await sleep(2500);
      }],
      ['typed', 'type after the reload', async (r) => {
        await r.key('Control+End');
        await r.type('print(area(2))\n');
      }],
    ],
  },
};

// ---------------------------------------------------------------- code-server

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function codeServer(args, logFile) {
  const child = spawn(process.execPath, [CODE_SERVER, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, VSCODE_CLI_DISABLE_KEYCHAIN_ENCRYPT: '1' },
  });
  const sink = fs.createWriteStream(logFile, { flags: 'a' });
  child.stdout.pipe(sink);
  child.stderr.pipe(sink);
  return child;
}

// ---------------------------------------------------------------- the recorder

class Recorder {
  constructor(page, file) {
    this.page = page;
    this.file = file;
    this.trace = path.join(OUT, 'trace.jsonl');
  }
  async key(k) {
    await this.page.keyboard.press(k);
    await sleep(80);
  }
  async type(text) {
    for (const ch of text) {
      if (ch === '\n') await this.page.keyboard.press('Enter');
      else await this.page.keyboard.type(ch);
      await sleep(40);
    }
  }
  async palette(prefix, text) {
    const { page } = this;
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`${prefix}${text}`);
    if (prefix === '>') await page.locator('.quick-input-widget .monaco-list-row', { hasText: text }).first().waitFor();
    else await sleep(300);
    await page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden' });
    await page.locator('.editor-group-container.active .monaco-editor.focused').waitFor({ timeout: 5000 });
  }
  command(title) {
    return this.palette('>', title);
  }
  /** Puts the cursor at 1-based line and column. */
  goto(line, column) {
    return this.palette(':', `${line}:${column}`);
  }
  /** Puts the cursor on the first line starting with `prefix`, `column` (0-based) chars in. */
  async find(prefix, column) {
    const lines = fs.readFileSync(this.file, 'utf8').split('\n');
    // The file on disk may be stale: ask the editor for its text through the trace.
    const text = this.currentText() ?? lines.join('\n');
    const n = text.split('\n').findIndex((l) => l.startsWith(prefix));
    if (n < 0) throw new Error(`no line starts with ${JSON.stringify(prefix)}`);
    await this.goto(n + 1, column + 1);
  }
  /** The text the trace says the editor has now. */
  currentText() {
    if (!fs.existsSync(this.trace)) return undefined;
    let text;
    for (const l of fs.readFileSync(this.trace, 'utf8').split('\n').filter(Boolean)) {
      const m = JSON.parse(l);
      if (m.method === 'textDocument/didOpen') text = m.params.textDocument.text;
      else for (const c of m.params.contentChanges) text = applyChange(text, c);
    }
    return text;
  }
  async paste(text) {
    await this.page.evaluate((t) => navigator.clipboard.writeText(t), text);
    await this.key('Control+v');
  }
  async complete(text) {
    fs.writeFileSync(path.join(OUT, 'completion.txt'), text);
    const ghost = this.page.locator('.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text').first();
    await this.command('Trigger Inline Suggestion');
    await ghost.waitFor({ timeout: 10000 });
    const accepts = () => (fs.existsSync(this.trace) ? fs.readFileSync(this.trace, 'utf8') : '').split('"inlineCompletionAccept"').length;
    const before = accepts();
    await this.key('Tab');
    // The provider is asked again at once: stop offering, and dismiss what it offered.
    fs.writeFileSync(path.join(OUT, 'completion.txt'), '');
    await until('the accept in the trace', () => accepts() > before, 5000);
    await sleep(300);
    await this.key('Escape');
  }
  async agent(line, character, text) {
    fs.writeFileSync(path.join(OUT, 'agent.json'), JSON.stringify({ line, character, text }));
    await this.command('Trace Recorder: Agent write');
  }
  rewriteOnDisk(change) {
    fs.writeFileSync(this.file, change(fs.readFileSync(this.file, 'utf8')));
  }
  /** Waits until the trace has not grown for a while. */
  async settle() {
    let size = -1;
    for (;;) {
      await sleep(700);
      const now = fs.existsSync(this.trace) ? fs.statSync(this.trace).size : 0;
      if (now === size) return;
      size = now;
    }
  }
}

/** Applies one LSP change (utf-16 positions; JS strings are utf-16). */
function applyChange(text, c) {
  const at = (p) => {
    let i = 0;
    for (let l = 0; l < p.line; l++) i = text.indexOf('\n', i) + 1;
    return i + p.character;
  };
  return text.slice(0, at(c.range.start)) + c.text + text.slice(at(c.range.end));
}

async function main() {
  const session = SESSIONS[SESSION];
  if (!session) throw new Error(`no session ${SESSION}`);
  fs.rmSync(OUT, { recursive: true, force: true });
  const repo = path.join(OUT, 'repo');
  fs.mkdirSync(repo, { recursive: true });
  const file = path.join(repo, session.file);
  fs.writeFileSync(file, session.text);
  execFileSync('git', ['init', '-q', repo]);
  const userDataDir = path.join(OUT, 'user-data');
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'workbench.tips.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'security.workspace.trust.enabled': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'editor.inlineSuggest.enabled': true,
    'editor.minimap.enabled': false,
    'editor.tabSize': SESSION === 'python' ? 4 : 2,
    'files.autoSave': 'off',
    // The suggest widget would take Enter and keep inline suggestions hidden.
    'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
    'editor.suggestOnTriggerCharacters': false,
    'editor.acceptSuggestionOnEnter': 'off',
    'editor.parameterHints.enabled': false,
    'traceRecorder.dir': OUT,
    'traceRecorder.file': file,
  };
  for (const scope of ['User', 'Machine']) {
    const f = path.join(userDataDir, scope, 'settings.json');
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, JSON.stringify(settings, null, 2));
  }
  const logFile = path.join(OUT, 'code-server.log');
  const common = ['--user-data-dir', userDataDir, '--extensions-dir', path.join(OUT, 'extensions')];
  const install = codeServer([...common, '--install-extension', VSIX], logFile);
  if ((await new Promise((r) => install.on('exit', r))) !== 0) throw new Error(`installing failed; see ${logFile}`);
  const port = await freePort();
  const child = codeServer([...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-workspace-trust',
    '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override', repo], logFile);
  let browser;
  try {
    await until('code-server to listen', () => fs.readFileSync(logFile, 'utf8').includes('HTTP server listening'), 60000);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage', '--disable-gpu'] });
    const origin = `http://localhost:${port}`;
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    const page = await context.newPage();
    await until('the workbench', async () => {
      await page.goto(`${origin}/?folder=${encodeURIComponent(repo)}`, { waitUntil: 'domcontentloaded' });
      await page.locator('.monaco-workbench').waitFor({ timeout: 15000 });
      return true;
    }, 90000, 1000);
    const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: session.file }).first();
    await row.waitFor({ timeout: 30000 });
    await row.click();
    const lines = page.locator('.editor-group-container.active .monaco-editor .view-lines .view-line');
    await lines.first().waitFor();
    await lines.first().click();
    const r = new Recorder(page, file);
    await until('the recorder to log the open', () => fs.existsSync(r.trace), 30000);
    let n = 0;
    for (const [kind, what, act] of session.steps) {
      n += 1;
      fs.writeFileSync(path.join(OUT, 'step.json'), JSON.stringify({ step: n, kind, what }));
      log(`step ${n} ${kind}: ${what}`);
      try {
        await act(r);
      } catch (err) {
        await page.screenshot({ path: path.join(OUT, 'failed.png') });
        fs.writeFileSync(path.join(OUT, 'failed.html'), await page.locator('.editor-group-container.active').innerHTML());
        throw err;
      }
      await r.settle();
    }
    fs.copyFileSync(r.trace, TRACE);
    await page.screenshot({ path: path.join(OUT, 'end.png') });
    log(`wrote ${TRACE}; final text:\n${r.currentText()}`);
  } finally {
    await browser?.close().catch(() => undefined);
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
