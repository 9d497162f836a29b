// What each of VS Code's edit sources becomes for the server. One row per
// source in src/vs/editor/common/textModelEditSource.ts that can reach an
// extension; `undefined` means "VS Code did not say": nothing is sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify, type Classified, type DetailedReason } from './editReasons';

const rows: [string, DetailedReason, Classified | undefined][] = [
  [
    'Tab on a ghost-text suggestion names the providing extension',
    { source: 'inlineCompletionAccept', metadata: { $extensionId: 'github.copilot', $providerId: 'copilot', $nes: false } },
    { source: 'completion', agent: 'github.copilot', model: undefined },
  ],
  [
    'accept next word is a completion too',
    { source: 'inlineCompletionPartialAccept', metadata: { type: 'word', $extensionId: 'acme.tabby' } },
    { source: 'completion', agent: 'acme.tabby', model: undefined },
  ],
  [
    'a provider known only by its provider id',
    { source: 'inlineCompletionAccept', metadata: { $providerId: 'builtin-nes' } },
    { source: 'completion', agent: 'builtin-nes', model: undefined },
  ],
  [
    'a chat edit carries the model, with the slashes VS Code hid from its telemetry restored',
    { source: 'Chat.applyEdits', metadata: { $modelId: 'copilot|gpt-4.1', $extensionId: 'github.copilot-chat' } },
    { source: 'agent', agent: 'github.copilot-chat', model: 'copilot/gpt-4.1' },
  ],
  [
    'an agent-host chat edit names its harness',
    { source: 'Chat.applyEdits', metadata: { $modelId: 'claude-sonnet-4', $harness: 'claude-code', $origin: 'agentHost' } },
    { source: 'agent', agent: 'claude-code', model: 'claude-sonnet-4' },
  ],
  [
    'a chat edit from no known extension',
    { source: 'Chat.applyEdits', metadata: {} },
    { source: 'agent', agent: 'vscode-chat', model: undefined },
  ],
  [
    'inline chat',
    { source: 'inlineChat.applyEdits', metadata: { $modelId: 'gpt-4o', $extensionId: 'github.copilot-chat' } },
    { source: 'agent', agent: 'github.copilot-chat', model: 'gpt-4o' },
  ],
  ['undoing a chat edit', { source: 'Chat.undoEdits', metadata: {} }, { source: 'undo' }],
  ['Ctrl+V', { source: 'cursor', metadata: { kind: 'paste' } }, { source: 'pasted' }],
  ['typing', { source: 'cursor', metadata: { kind: 'type' } }, { source: 'typed' }],
  ['IME composition', { source: 'cursor', metadata: { kind: 'compositionEnd' } }, { source: 'typed' }],
  ['cut', { source: 'cursor', metadata: { kind: 'cut' } }, { source: 'typed' }],
  ['an IntelliSense item', { source: 'suggest', metadata: { $extensionId: 'ms-python.python' } }, { source: 'typed' }],
  ['a snippet', { source: 'snippet', metadata: {} }, { source: 'typed' }],
  ['the file changed on disk', { source: 'reloadFromDisk', metadata: {} }, { source: 'reload' }],
  ['a quick fix', { source: 'codeAction', metadata: { $kind: 'quickfix' } }, { source: 'refactor' }],
  ['a rename', { source: 'rename', metadata: {} }, { source: 'refactor' }],
  ['a formatter', { source: 'unknown', metadata: { name: 'formatEditsCommand' } }, { source: 'format' }],
  ['an edit nobody named', { source: 'unknown', metadata: {} }, undefined],
  ['an extension applying a workspace edit', { source: 'applyEdits', metadata: {} }, undefined],
  ['a source VS Code adds later', { source: 'somethingNew', metadata: {} }, undefined],
];

for (const [name, reason, expected] of rows) {
  test(name, () => assert.deepEqual(classify(reason), expected));
}
