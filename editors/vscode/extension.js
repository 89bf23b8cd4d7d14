// VS Code client for the ssl3d language server: starts `ssl3d lsp --stdio` for .ssl files.
// The server is looked up in this order: the `ssl3d.server.command` setting, the workspace's
// node_modules/.bin/ssl3d (a project that depends on ssl3d), then `ssl3d` on the PATH.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

/** @type {LanguageClient | undefined} */
let client;

function serverCommand() {
  const config = vscode.workspace.getConfiguration('ssl3d');
  const command = config.get('server.command');
  const args = config.get('server.args');
  if (typeof command === 'string' && command.trim() !== '') {
    return { command, args: Array.isArray(args) && args.length > 0 ? args : ['lsp', '--stdio'] };
  }
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const local = join(folder.uri.fsPath, 'node_modules', '.bin', process.platform === 'win32' ? 'ssl3d.cmd' : 'ssl3d');
    if (existsSync(local)) return { command: local, args: ['lsp', '--stdio'] };
    // the ssl3d repository itself
    const own = join(folder.uri.fsPath, 'bin', 'ssl3d.js');
    if (existsSync(own)) return { command: process.execPath.endsWith('node') ? process.execPath : 'node', args: [own, 'lsp', '--stdio'] };
  }
  return { command: 'ssl3d', args: ['lsp', '--stdio'] };
}

async function activate(context) {
  const { command, args } = serverCommand();
  const serverOptions = { command, args, options: { shell: process.platform === 'win32' } };
  const clientOptions = {
    documentSelector: [{ scheme: 'file', language: 'ssl3d' }, { scheme: 'untitled', language: 'ssl3d' }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.ssl') },
  };
  client = new LanguageClient('ssl3d', 'ssl3d language server', serverOptions, clientOptions);
  context.subscriptions.push(
    vscode.commands.registerCommand('ssl3d.restartServer', async () => {
      if (client) await client.restart();
    }),
  );
  await client.start();
}

async function deactivate() {
  if (client) await client.stop();
}

module.exports = { activate, deactivate };
