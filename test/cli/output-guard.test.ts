// #17.3 (session 6 attack): the CLI echoed its own arguments raw — an experiment file or option
// named with ESC ] 0 ; … BEL retitled the terminal from `ssl3d: unknown command '…'`, `X: ok`,
// `cannot read X`, the plan header; `visible` missed the Arabic letter mark (a bidi control) and
// the zero-width characters. And `ssl3d run x | head -1` died on EPIPE with a stack trace, leaving
// the run record 'running'. cli/output.ts guards both.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderDiagnostic, visible } from '../../grammar/diagnostics.js';
import { terminalSafe } from '../../cli/output.js';

const env = { ...process.env, SSL3D_FROM_SOURCE: '1', NO_COLOR: '1', CI: '1' };
const cli = (args: string[], cwd?: string) => spawnSync(process.execPath, [join(__dirname, '..', '..', 'bin', 'ssl3d.js'), ...args], { encoding: 'utf8', env, timeout: 60_000, cwd });
/** A JS stack frame line ("    at fn (file:1:2)"). */
const STACK = /^\s+at .+(\(|:\d+:\d+)/m;
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/u;
const HOSTILE = '\u001b]0;PWNED\u0007\u001b[2J\r\u202e\u061c\u200b\u009b31m';

const dir = mkdtempSync(join(tmpdir(), 'ssl3d-guard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('terminalSafe / visible', () => {
  it('keeps colour sequences and line structure, shows every other control or invisible character', () => {
    const s = `\u001b[31merror\u001b[0m: ${HOSTILE}\u{e0041}\u00ad\u2028x\ty\n`;
    const out = terminalSafe(s);
    expect(out.startsWith('\u001b[31merror\u001b[0m: ')).toBe(true);
    expect(out).toContain('␛]0;PWNED␇␛[2J␍\\u202e\\u061c\\u200b\\u009b31m\\udb40\\udc41\\u00ad\\u2028x\ty\n');
    expect(out.replace(/\u001b\[\d+m/g, '')).not.toMatch(RAW);
    expect(visible(HOSTILE)).toBe('␛]0;PWNED␇␛[2J␍\\u{202e}\\u{61c}\\u{200b}\\u{9b}31m');
  });

  it('lets through only the colours the renderers use: concealed or black-on-black text is shown (s7)', () => {
    expect(terminalSafe('\u001b[1m\u001b[2m\u001b[22m\u001b[32m\u001b[90m\u001b[39m\u001b[m')).toBe('\u001b[1m\u001b[2m\u001b[22m\u001b[32m\u001b[90m\u001b[39m\u001b[m');
    expect(terminalSafe('a\u001b[8mhidden\u001b[30;40mdark\u001b[5m')).toBe('a␛[8mhidden␛[30;40mdark␛[5m');
    // the TUI library shows the cursor again at exit, after the terminal is handed back: it must pass
    expect(terminalSafe('\u001b[?25h')).toBe('\u001b[?25h');
    expect(terminalSafe('\u001b[?25l')).toBe('␛[?25l');
  });

  it('check --data names a data file holding escape sequences visibly (s7: ESC[31m… passed as a colour)', () => {
    const d = mkdtempSync(join(dir, 'data-'));
    writeFileSync(join(d, 'x.ssl'), 'experiment e { seed = 1 }\ndataset t = nifti { images = "img/*.nii.gz", preprocess { resize = 16x16x16 } }\n');
    mkdirSync(join(d, 'img'));
    writeFileSync(join(d, 'img', 'a\u001b[8mb.nii.gz'), 'not a nifti');
    const r = cli(['check', '--data', 'x.ssl'], d);
    expect(r.stderr).toContain('a␛[8mb.nii.gz');
    expect(r.stderr + r.stdout).not.toMatch(RAW);
  });

  it('leaves JSON valid and meaning the same', () => {
    const value = { file: `a${HOSTILE}\u007f\u2066b` };
    const out = terminalSafe(JSON.stringify(value));
    expect(out).not.toMatch(RAW);
    expect(JSON.parse(out)).toEqual(value);
  });

  it('hides a leading byte-order mark in an excerpt and shows one inside the text', () => {
    const d = { severity: 'error' as const, code: 'SSL009' as const, message: 'x', span: { file: 'f.ssl', startLine: 1, startColumn: 5, endLine: 1, endColumn: 6, startOffset: 4, endOffset: 5 } };
    const out = renderDiagnostic(d, '\ufeffabc\ufeffd\n', { color: false });
    expect(out).toContain('1 | abc\\u{feff}d\n');
    expect(out).toContain('  |    ^~~~~~~~\n');
  });
});

describe('the ssl3d CLI never echoes its arguments raw', () => {
  it('unknown command, unknown option, missing file, a file named with escapes', () => {
    const named = join(dir, `t${HOSTILE}.ssl`);
    writeFileSync(named, 'experiment e { seed = 1 }\n');
    const runs = [cli([`x${HOSTILE}`]), cli(['check', `--bogus${HOSTILE}`]), cli(['check', join(dir, `no${HOSTILE}.ssl`)]), cli(['explain', `SSL${HOSTILE}`]), cli(['check', named])];
    for (const r of runs) {
      expect(r.stdout + r.stderr).not.toMatch(RAW);
      expect(r.stdout + r.stderr).not.toMatch(STACK);
      expect(r.stdout + r.stderr).toContain('␛]0;PWNED␇');
    }
    expect(runs[4]!.status).toBe(0);
  });
});

describe('a closed output pipe', () => {
  it('stops `ssl3d run` like an interrupt: no stack trace, record interrupted, lock released', async () => {
    copyFileSync(join(__dirname, 'fixtures', 'tiny-run.ssl'), join(dir, 'tiny.ssl'));
    const cache = join(dir, 'cache');
    const child = spawn(process.execPath, [join(__dirname, '..', '..', 'bin', 'ssl3d.js'), 'run', join(dir, 'tiny.ssl'), '--cache', cache, '--ui', 'plain'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    // the reader goes away after the first line, as `| head -1` does
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(stderr).not.toMatch(STACK);
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(130);
    const runs = readdirSync(join(cache, 'runs')).filter((r) => r !== 'latest');
    expect(runs).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(cache, 'runs', runs[0]!, 'record.json'), 'utf8')).status).toBe('interrupted');
    expect(readdirSync(cache)).not.toContain('lock');
  }, 60_000);
});

describe('run events', () => {
  it('every string of an event is made visible, not only messages (the TUI draws node reasons itself)', async () => {
    const { createEventStream } = await import('../../runtime/executor/emitter.js');
    const stream = createEventStream(() => 0);
    const seen: unknown[] = [];
    stream.subscribe((e) => seen.push(e));
    stream.emit({ type: 'run-start', experiment: 'x', runId: 'r', backend: { name: 'cpu', reason: `auto${HOSTILE}` }, nodes: [{ id: 'data:a', kind: 'data', hash: 'h', state: 'to-run', reason: `no entry${HOSTILE}` }] });
    expect(JSON.stringify(seen)).not.toMatch(/\\u001b|\\u0007|\u202e|\u061c|\u200b/);
    expect(JSON.stringify(seen)).toContain('␛]0;PWNED␇');
  });
});

describe('environment oddities (s7 attack)', () => {
  it('a deleted working folder is a clear usage error, not "internal error: ENOENT … uv_cwd"', () => {
    const gone = mkdtempSync(join(dir, 'gone-'));
    const file = join(dir, 'cwd.ssl');
    writeFileSync(file, 'experiment e { seed = 1 }\n');
    const bin = join(__dirname, '..', '..', 'bin', 'ssl3d.js');
    const r = spawnSync('sh', ['-c', `cd "$1" && rmdir "$1" && exec "$2" "$3" check "$4"`, 'sh', gone, process.execPath, bin, file], { encoding: 'utf8', env, timeout: 60_000 });
    if (r.error) return; // no sh here
    expect(r.stderr).toContain('ssl3d check: the current folder no longer exists');
    expect(r.stderr).not.toContain('internal error');
    expect(r.status).toBe(2);
  });
});
