// The VS Code suite: the packaged extension in a real VS Code (code-server),
// driven through a real browser (playwright-core + Debian's chromium), talking
// to the real provenance-ls over a git repository this script builds.
//
// Environment (run.sh sets it): CODE_SERVER (entry.js), PLAYWRIGHT_DIR,
// PROVENANCE_VSIX, STUB_VSIX, PROVENANCE_LS, OUT (test output folder),
// CHROMIUM (default /usr/bin/chromium), DOCS_SCREENSHOT (copy the hover
// screenshot there too, if set).
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
const PROVENANCE_VSIX = env('PROVENANCE_VSIX');
const STUB_VSIX = env('STUB_VSIX');
const SERVER = env('PROVENANCE_LS');
const OUT = env('OUT');
const CHROMIUM = env('CHROMIUM', '/usr/bin/chromium');
const { chromium } = createRequire(path.join(env('PLAYWRIGHT_DIR'), 'x.js'))('playwright-core');

const STUB_ID = 'provenance-tests.provenance-test-stub';
const STUB_COMPLETION = 'total_with_tax = round(total(items) * 1.2, 2)  # stub completion';
const PASTED = 'def pasted_helper():\n    return "from the clipboard"\n';

const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);
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

// ---------------------------------------------------------------- the repository

const DAY = 86400;
function git(cwd, args, { author, daysAgo } = {}) {
  const when = `${Math.floor(Date.now() / 1000) - (daysAgo ?? 0) * DAY} +0000`;
  const [name, email] = author ?? ['Test', 'test@example.com'];
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: name,
      GIT_AUTHOR_EMAIL: email,
      GIT_COMMITTER_NAME: name,
      GIT_COMMITTER_EMAIL: email,
      GIT_AUTHOR_DATE: when,
      GIT_COMMITTER_DATE: when,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
    },
  }).trim();
}

/** A small history: one line of `total()` rewritten by three commits. */
function makeRepository(dir) {
  fs.mkdirSync(dir, { recursive: true });
  git(dir, ['init', '-q', '-b', 'main']);
  const alice = ['Alice Example', 'alice@example.com'];
  const bob = ['Bob Example', 'bob@example.com'];
  const carol = ['Carol Example', 'carol@example.com'];
  const steps = [
    [alice, 60, 'Add total() for carts', ['        result += item.price', '    return result']],
    [bob, 40, 'Count quantities in total()', ['        result += item.price * item.quantity', '    return result']],
    [carol, 20, 'Round totals to cents', ['        result += item.price * item.quantity', '    return round(result, 2)']],
    [bob, 5, 'Skip returned items in total()', ['        result += item.price * item.quantity * (not item.returned)', '    return round(result, 2)']],
  ];
  const commits = [];
  for (const [author, daysAgo, summary, [line, ret]] of steps) {
    const text = [
      'def total(items):',
      '    """Sum the prices of a cart."""',
      '    result = 0',
      '    for item in items:',
      line,
      ret,
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'app.py'), text);
    git(dir, ['add', 'app.py'], { author, daysAgo });
    git(dir, ['commit', '-q', '-m', summary], { author, daysAgo });
    commits.push({ hash: git(dir, ['rev-parse', 'HEAD']), summary, author: author[0] });
  }
  return commits;
}

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

function writeSettings(userDataDir, extra = {}) {
  const settings = {
    'workbench.startupEditor': 'none',
    // VS Code 1.139 opens the Chat pane at start and it takes the keyboard.
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'workbench.tips.enabled': false,
    'workbench.colorTheme': 'Default Dark Modern',
    'telemetry.telemetryLevel': 'off',
    'security.workspace.trust.enabled': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'editor.inlineSuggest.enabled': true,
    'editor.hover.delay': 200,
    'editor.minimap.enabled': false,
    'files.autoSave': 'off',
    'provenance.server.path': SERVER,
    'provenance.server.extraEnv': { PROVENANCE_LOG: 'debug' },
    'provenanceTest.outputDir': OUT,
    ...extra,
  };
  // code-server is a remote: machine-scoped settings (the server path) are
  // read from Machine/settings.json, the rest from User/settings.json.
  for (const scope of ['User', 'Machine']) {
    const file = path.join(userDataDir, scope, 'settings.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(settings, null, 2));
  }
}

function codeServer(args, logFile) {
  const child = spawn(process.execPath, [CODE_SERVER, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so the extension host and the language server go with it.
    detached: true,
    env: { ...process.env, VSCODE_CLI_DISABLE_KEYCHAIN_ENCRYPT: '1' },
  });
  const sink = fs.createWriteStream(logFile, { flags: 'a' });
  child.stdout.pipe(sink);
  child.stderr.pipe(sink);
  return child;
}

async function installExtensions(common, logFile) {
  for (const vsix of [PROVENANCE_VSIX, STUB_VSIX]) {
    const child = codeServer([...common, '--install-extension', vsix], logFile);
    const code = await new Promise((r) => child.on('exit', r));
    if (code !== 0) throw new Error(`code-server --install-extension ${vsix} exited ${code}; see ${logFile}`);
  }
}

async function startCodeServer(common, folder, logFile) {
  const port = await freePort();
  const child = codeServer(
    [
      ...common,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-workspace-trust',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      folder,
    ],
    logFile,
  );
  let exited = false;
  child.on('exit', () => (exited = true));
  await until('code-server to listen', () => {
    if (exited) throw new Error(`code-server exited; see ${logFile}`);
    return fs.readFileSync(logFile, 'utf8').includes('HTTP server listening');
  }, 60000);
  return { child, port };
}

// ---------------------------------------------------------------- the workbench

class Workbench {
  constructor(page, folder) {
    this.page = page;
    this.folder = folder;
  }

  async open(url) {
    const { page } = this;
    // The first load can race the server's start; reload until the workbench is up.
    await until('the workbench', async () => {
      await page.goto(url, { waitUntil: 'domcontentloaded' });
      await page.locator('.monaco-workbench').waitFor({ timeout: 15000 });
      return true;
    }, 90000, 1000);
  }

  /** Opens a file by clicking it in the Explorer (Ctrl+P can land in the chat box). */
  async openFile(name) {
    const row = this.page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first();
    await row.waitFor({ timeout: 30000 });
    await row.click();
    await this.page.locator(`.tabs-container .tab[aria-label*="${name}"]`).first().waitFor({ timeout: 15000 });
    await this.editorLines().first().waitFor();
  }

  editorLines() {
    return this.page.locator('.editor-group-container.active .monaco-editor .view-lines .view-line');
  }

  async focusEditor() {
    // On a line, not the top of the text area: a code lens may sit there.
    await this.editorLines().first().click();
  }

  async runCommand(title) {
    const { page } = this;
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor();
    await page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden' });
  }

  /** Runs the stub's dump command and reads what it wrote. */
  async dump() {
    const file = path.join(OUT, 'regions.json');
    fs.rmSync(file, { force: true });
    await this.runCommand('Provenance Test: Dump regions of this file');
    return until('regions.json', () => fs.existsSync(file) && JSON.parse(fs.readFileSync(file, 'utf8')), 10000, 100);
  }

  /** Dumps until `check` passes (the server updates regions a moment after the edit). */
  async regionsUntil(what, check, timeoutMs = 12000) {
    let last;
    try {
      return await until(what, async () => {
        last = await this.dump();
        return check(last) ? last : undefined;
      }, timeoutMs, 300);
    } catch (err) {
      err.message += `\nlast dump: ${JSON.stringify(last?.regions ?? last, null, 1)}`;
      throw err;
    }
  }

  ghostText() {
    return this.page.locator('.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text').first();
  }

  /** Asks the stub provider for a suggestion and waits for its ghost text, with the editor focused. */
  async showStubSuggestion() {
    const { page } = this;
    // Alt+\ does not reach VS Code from headless chromium here; the palette does.
    await this.runCommand('Trigger Inline Suggestion');
    try {
      await this.ghostText().waitFor({ timeout: 10000 });
    } catch (err) {
      fs.writeFileSync(path.join(OUT, 'no-ghost-text.html'), await page.locator('.editor-group-container.active').innerHTML());
      throw err;
    }
    // Keys must reach the editor, not the closing palette.
    await page.locator('.editor-group-container.active .monaco-editor.focused').waitFor({ timeout: 5000 });
  }

  /** Asks the stub provider for a suggestion and accepts it with Tab. */
  async acceptStubCompletion() {
    const { page } = this;
    const accepted = this.editorLines().filter({ hasText: 'stub completion' });
    const before = await accepted.count();
    await this.showStubSuggestion();
    const ghost = this.ghostText();
    await page.keyboard.press('Tab');
    // Ghost text also renders inside .view-line: wait for it to go, then for the real text.
    await ghost.waitFor({ state: 'detached', timeout: 5000 });
    await until('the accepted text', async () => (await accepted.count()) === before + 1, 5000);
  }
}

const lineOfLast = (text, needle) => text.split('\n').findLastIndex((l) => l.includes(needle));
const covers = (region, line) => region.range.start.line <= line && line <= region.range.end.line;

/** The pids of the provenance-ls processes running the binary under test. */
function serverPids() {
  const pids = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv[0] === SERVER && argv[1] === 'lsp') pids.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * What the extension painted on the last editor line holding `lineText`: for
 * each needle, whether a region background (a decoration of an extension's
 * type, `ced-*`, in the text layer) overlaps the needle's characters on screen.
 */
async function paintedOver(page, lineText, needles) {
  return page.evaluate(
    ({ lineText, needles }) => {
      const editor = document.querySelector('.editor-group-container.active .monaco-editor');
      const lines = [...editor.querySelectorAll('.view-lines .view-line')].filter((l) =>
        l.textContent.replaceAll('\u00a0', ' ').includes(lineText),
      );
      const line = lines.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top).at(-1);
      if (!line) return undefined;
      const box = line.getBoundingClientRect();
      const middle = (r) => (r.top + r.bottom) / 2;
      const marks = [...editor.querySelectorAll('.view-overlays [class*="ced-"]')]
        .map((e) => e.getBoundingClientRect())
        .filter((r) => r.width > 0 && middle(r) > box.top && middle(r) < box.bottom);
      // The needle's characters on screen, through the line's text nodes.
      const rectOf = (needle) => {
        const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
        const nodes = [];
        let text = '';
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          nodes.push({ n, at: text.length });
          text += n.textContent.replaceAll('\u00a0', ' ');
        }
        const start = text.indexOf(needle);
        if (start < 0) return undefined;
        const end = start + needle.length;
        const locate = (offset) => {
          const hit = nodes.findLast((x) => x.at <= offset);
          return [hit.n, Math.min(offset - hit.at, hit.n.textContent.length)];
        };
        const range = document.createRange();
        range.setStart(...locate(start));
        range.setEnd(...locate(end));
        return range.getBoundingClientRect();
      };
      const out = {};
      for (const needle of needles) {
        const r = rectOf(needle);
        // Overlap of more than a pixel, so a mark that ends where the needle starts does not count.
        out[needle] = r ? marks.some((m) => Math.min(m.right, r.right) - Math.max(m.left, r.left) > 1) : undefined;
      }
      out.marks = marks.length;
      return out;
    },
    { lineText, needles },
  );
}

// ---------------------------------------------------------------- the tests

async function main() {
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  const repo = path.join(OUT, 'repo');
  const userDataDir = path.join(OUT, 'user-data');
  const extensionsDir = path.join(OUT, 'extensions');
  const logFile = path.join(OUT, 'code-server.log');
  const commits = makeRepository(repo);
  writeSettings(userDataDir);
  const common = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  log('installing the extensions');
  await installExtensions(common, logFile);
  log('starting code-server');
  const { child, port } = await startCodeServer(common, repo, logFile);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-dev-shm-usage',
      '--disable-gpu',
      ...(process.env.KEEP ? ['--remote-debugging-port=9333'] : []),
    ],
  });
  // localhost, not 127.0.0.1: code-server's cookies are set for it.
  const origin = `http://localhost:${port}`;
  const context = await browser.newContext({ viewport: { width: 1400, height: 820 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  const page = await context.newPage();
  const wb = new Workbench(page, repo);

  const results = [];
  const only = process.env.ONLY ? new RegExp(process.env.ONLY) : undefined;
  const test = async (name, fn) => {
    if (only && !only.test(name)) return;
    const started = Date.now();
    try {
      await fn();
      results.push({ name, ok: true });
      console.log(`ok ${results.length} - ${name} (${Date.now() - started} ms)`);
    } catch (err) {
      results.push({ name, ok: false });
      const shot = path.join(OUT, `failed-${results.length}.png`);
      await page.screenshot({ path: shot }).catch(() => undefined);
      console.log(`not ok ${results.length} - ${name}\n  ${String(err.stack ?? err).replaceAll('\n', '\n  ')}\n  screenshot: ${shot}`);
    }
  };

  try {
    await test('the workbench opens the repository with the extension running', async () => {
      await wb.open(`${origin}/?folder=${encodeURIComponent(repo)}`);
      await wb.openFile('app.py');
      // The AI-share item shows once the server answered provenance/regions.
      await page.locator('.statusbar-item', { hasText: /AI \d+%/ }).first().waitFor({ timeout: 30000 });
    });

    await test('an inline completion accepted with Tab is reported with its provider (proposed API)', async () => {
      await wb.focusEditor();
      await page.keyboard.press('Control+End');
      await wb.acceptStubCompletion();
      const dump = await wb.regionsUntil('a completion region from the stub provider', (d) => {
        const line = lineOfLast(d.text ?? '', 'stub completion');
        return d.regions?.regions?.some((r) => covers(r, line) && r.source === 'completion' && r.agent === STUB_ID);
      });
      if (dump.useProposedApi !== true) throw new Error('provenance.editSource.useProposedApi should be on');
      await page.locator('.statusbar-item', { hasText: /AI [1-9]\d*%/ }).first().waitFor({ timeout: 10000 });
    });

    await test('a paste is reported as pasted (proposed API)', async () => {
      await page.evaluate((t) => navigator.clipboard.writeText(t), PASTED);
      await wb.focusEditor();
      await page.keyboard.press('Control+End');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Control+V');
      await wb.editorLines().filter({ hasText: 'pasted_helper' }).first().waitFor({ timeout: 5000 });
      await wb.regionsUntil('a pasted region', (d) => {
        const line = lineOfLast(d.text ?? '', 'pasted_helper');
        return d.regions?.regions?.some((r) => covers(r, line) && r.source === 'pasted');
      });
    });

    await test('with the proposed API turned off, Tab still reports a completion (stable tier)', async () => {
      writeSettings(userDataDir, { 'provenance.editSource.useProposedApi': false });
      await until('the setting to reach the extension host', async () => (await wb.dump()).useProposedApi === false, 15000, 500);
      await wb.focusEditor();
      await page.keyboard.press('Control+End');
      await page.keyboard.press('Enter');
      await wb.acceptStubCompletion();
      await wb.regionsUntil('a completion region without the provider (the stable tier cannot know it)', (d) => {
        const line = lineOfLast(d.text ?? '', 'stub completion');
        // The stable tier cannot name the provider, so no agent proves which tier spoke.
        return d.regions?.regions?.some((r) => covers(r, line) && r.source === 'completion' && r.agent !== STUB_ID);
      });
    });

    await test('with the proposed API turned off, accepting the next word reports a completion (stable tier)', async () => {
      await wb.focusEditor();
      await page.keyboard.press('Control+End');
      await page.keyboard.press('Enter');
      await wb.showStubSuggestion();
      // Right after the ghost text shows, the context that routes Ctrl+Right to
      // the accept may still be settling: press until the cursor moves past the word.
      const column = page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first();
      await until('the next word accepted', async () => {
        await page.keyboard.press('Control+ArrowRight');
        await sleep(300);
        return /Col (?!1\b)\d+/.test(await column.innerText());
      }, 5000, 0);
      // The rest of the suggestion stays as ghost text on the line until dismissed.
      await page.keyboard.press('Escape');
      await wb.ghostText().waitFor({ state: 'detached', timeout: 5000 });
      await wb.editorLines().filter({ hasText: /^total_with_tax\s*$/ }).first().waitFor({ timeout: 5000 });
      await wb.regionsUntil('a completion region on the partly accepted line', (d) => {
        const line = (d.text ?? '').split('\n').findLastIndex((l) => /^total_with_tax\s*$/.test(l));
        return line >= 0 && d.regions?.regions?.some((r) => covers(r, line) && r.source === 'completion' && r.agent !== STUB_ID);
      });
    });

    await test('with the proposed API turned off, a paste is reported as pasted (stable tier)', async () => {
      const text = PASTED.replace('pasted_helper', 'pasted_again');
      await page.evaluate((t) => navigator.clipboard.writeText(t), text);
      await wb.focusEditor();
      await page.keyboard.press('Control+End');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Control+V');
      await wb.editorLines().filter({ hasText: 'pasted_again' }).first().waitFor({ timeout: 5000 });
      await wb.regionsUntil('a pasted region', (d) => {
        const line = lineOfLast(d.text ?? '', 'pasted_again');
        return d.regions?.regions?.some((r) => covers(r, line) && r.source === 'pasted');
      });
    });

    await test('Mark as reviewed marks the completion under the cursor reviewed', async () => {
      const line = wb.editorLines().filter({ hasText: 'stub completion' }).first();
      await line.locator('span > span', { hasText: 'total_with_tax' }).first().click();
      await wb.runCommand('Provenance: Mark as reviewed');
      await wb.regionsUntil('the first completion region reviewed', (d) => {
        const first = (d.text ?? '').split('\n').findIndex((l) => l.includes('stub completion'));
        const here = d.regions?.regions?.filter((r) => covers(r, first)) ?? [];
        return here.length > 0 && here.every((r) => r.reviewed);
      });
    });

    await test('Show churn history of this block opens the history beside the editor, rendered', async () => {
      const token = wb.editorLines().filter({ hasText: 'item.quantity' }).first().locator('span > span', { hasText: 'result' }).first();
      await token.click();
      await wb.runCommand('Provenance: Show churn history of this block');
      const latest = commits[commits.length - 1];
      const names = (t) => t.includes(latest.hash.slice(0, 7)) || t.includes(latest.summary);
      try {
        // VS Code's Markdown preview: a webview (a frame of its own), with
        // the Markdown rendered, not its source.
        let rendered = '';
        await until('the rendered history', async () => {
          for (const frame of page.frames()) {
            if (frame === page.mainFrame()) continue;
            const text = await frame.locator('body').innerText({ timeout: 1000 }).catch(() => '');
            if (names(text)) {
              rendered = text;
              return true;
            }
          }
          return false;
        }, 15000, 300);
        if (rendered.includes('**Churn history**')) throw new Error(`the history shows as Markdown source:\n${rendered}`);
      } finally {
        // Back to app.py alone for the next test.
        await page.locator('.tab', { hasText: '.md' }).first().click().catch(() => undefined);
        await page.keyboard.press('Control+W').catch(() => undefined);
        await page.locator('.tabs-container .tab[aria-label*="app.py"]').first().click();
      }
    });

    await test('hovering a committed line shows its churn history', async () => {
      await page.keyboard.press('Escape');
      const token = wb.editorLines().filter({ hasText: 'item.quantity' }).first().locator('span > span', { hasText: 'result' }).first();
      // Hover needs the mouse to arrive on the text: move off, then onto it.
      await page.mouse.move(5, 5);
      await token.hover();
      const hover = page.locator('.monaco-hover:visible').filter({ hasText: /./ }).first();
      const touched = commits.slice(1);
      await until('a history hover naming a commit of that line', async () => {
        const text = (await hover.innerText({ timeout: 2000 })) ?? '';
        return touched.some((c) => text.includes(c.hash.slice(0, 7)) || text.includes(c.summary));
      }, 20000, 500);
      const shot = path.join(OUT, 'vscode-hover.png');
      await sleep(500); // let the hover finish fading in
      await page.screenshot({ path: shot });
      if (process.env.DOCS_SCREENSHOT) fs.copyFileSync(shot, process.env.DOCS_SCREENSHOT);
      log(`hover screenshot: ${shot}`);
    });

    await test('a server path that does not exist gets a message naming the setting; fixing it brings the server back', async () => {
      const stable = { 'provenance.editSource.useProposedApi': false };
      writeSettings(userDataDir, { ...stable, 'provenance.server.path': path.join(OUT, 'no-such-provenance-ls') });
      await page.locator('.notifications-toasts .notification-toast', { hasText: 'provenance.server.path is set to' }).first().waitFor({ timeout: 20000 });
      await until('the server to be stopped', async () => (await wb.dump()).regions == null, 10000, 300);
      writeSettings(userDataDir, stable);
      await wb.regionsUntil('the server back, with the regions it journaled', (d) => (d.regions?.regions?.length ?? 0) > 0, 20000);
    });
    await test('provenance/regionsChanged reaches the extension (it opts in): a new completion is painted with no request', async () => {
      await wb.focusEditor();
      await page.keyboard.press('Control+End');
      await page.keyboard.press('Enter');
      await wb.acceptStubCompletion();
      // Nothing asks for regions here: only the server's notification can paint the new line.
      let last;
      await until('the accepted completion painted', async () => {
        last = await paintedOver(page, 'stub completion', ['total_with_tax']);
        return last?.total_with_tax === true;
      }, 10000, 200).catch((err) => {
        err.message += `\nlast: ${JSON.stringify(last)}`;
        throw err;
      });
    });

    await test('text typed inside a completion is not painted: the spans are', async () => {
      // The cursor is at the end of the completion just accepted.
      await page.keyboard.press('Home');
      for (let i = 0; i < 'total_with_tax'.length; i++) await page.keyboard.press('ArrowRight');
      await page.keyboard.type('_TYPEDHERE');
      await wb.editorLines().filter({ hasText: 'total_with_tax_TYPEDHERE' }).first().waitFor({ timeout: 5000 });
      // VS Code first grows the old decoration over the typing; the server's spans then leave it out.
      let last;
      await until('the typed text unpainted, the completion around it painted', async () => {
        last = await paintedOver(page, 'total_with_tax_TYPEDHERE', ['total_with_tax', '_TYPEDHERE', 'round(total(items)']);
        return last?._TYPEDHERE === false && last.total_with_tax === true && last['round(total(items)'] === true;
      }, 10000, 200).catch((err) => {
        err.message += `\nlast: ${JSON.stringify(last)}`;
        throw err;
      });
    });

    await test('restarting the server from the editor loses no unsaved paste', async () => {
      const text = PASTED.replace('pasted_helper', 'pasted_before_restart');
      await page.evaluate((t) => navigator.clipboard.writeText(t), text);
      await wb.focusEditor();
      await page.keyboard.press('Control+End');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Control+V');
      await wb.editorLines().filter({ hasText: 'pasted_before_restart' }).first().waitFor({ timeout: 5000 });
      const pasted = (d) => {
        const line = lineOfLast(d.text ?? '', 'pasted_before_restart');
        return line >= 0 && d.regions?.regions?.some((r) => covers(r, line) && r.source === 'pasted');
      };
      await wb.regionsUntil('the pasted region', pasted);
      // Unsaved: the server gets it back only from its journal and the editor's didOpen.
      await page.locator('.tabs-container .tab.dirty[aria-label*="app.py"]').first().waitFor({ timeout: 5000 });
      const before = serverPids();
      if (before.length !== 1) throw new Error(`expected one server process, found ${JSON.stringify(before)}`);
      // The next server starts only once the old one has exited: never two at once.
      let most = 0;
      const watch = setInterval(() => (most = Math.max(most, serverPids().length)), 20);
      try {
        await wb.runCommand('Provenance: Restart server');
        await until('a new server process, the old one gone', () => {
          const now = serverPids();
          return now.length === 1 && !now.includes(before[0]);
        }, 20000, 200);
      } finally {
        clearInterval(watch);
      }
      if (most > 1) throw new Error('the new server started before the old one exited');
      const dump = await wb.regionsUntil('the pasted region, from the new server', pasted, 20000);
      if (!dump.text.includes('pasted_before_restart')) throw new Error('the paste is not in the editor any more');
    });
  } finally {
    if (process.env.KEEP) {
      // Debugging: leave everything up until the file named by KEEP exists.
      log(`kept up at ${origin}; chromium on CDP port 9333; touch ${process.env.KEEP} to stop`);
      await until('the stop file', () => fs.existsSync(process.env.KEEP), 3600_000, 1000);
    }
    await browser.close().catch(() => undefined);
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }

  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  return failed;
}

main().then(
  (failed) => process.exit(failed ? 1 : 0),
  (err) => {
    console.log(`not ok - setup: ${err.stack ?? err}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
