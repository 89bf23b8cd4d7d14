// #17.1: imports stay inside the project folder and only ever read regular .ssl text files.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/index.js';
import { renderDiagnostics } from '../../grammar/diagnostics.js';

const EXP = `experiment e { seed = 1 }
dataset d = phantom3d { anatomy = brain, cases = 8, size = 16x16x16 }
encoder enc = unet3d { preset = tiny }
finetune f = segmentation { data = d, encoder = enc, train { epochs = 1 } }
evaluate ev { metrics = [dice] }
`;

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ssl3d-imports-'));
  mkdirSync(join(dir, 'shared'));
  writeFileSync(join(dir, 'shared', 'ok.ssl'), 'encoder other = unet3d { preset = tiny }\n');
  return dir;
}

function check(dir: string, importLine: string, importRoot?: string) {
  const file = join(dir, 'main.ssl');
  writeFileSync(file, `${importLine}\n${EXP}`);
  const r = compileFile(file, importRoot ? { importRoot } : {});
  const out = renderDiagnostics(r.diagnostics, (f) => r.sources[f] ?? null);
  const d = r.diagnostics.find((x) => x.code === 'SSL091');
  return { r, out, d };
}

describe('import confinement (#17.1)', () => {
  it('suggests adding .ssl only where there is a name to add it to (s6 attack)', () => {
    // before: "sub/" → did you mean "sub/.ssl", "." → "..ssl", "" → ".ssl", "x.ssl/" → "x.ssl/.ssl"
    const dir = project();
    for (const [path, suggestion] of [
      ['shared/', null],
      ['.', null],
      ['', null],
      ['shared/ok.ssl/', null],
      ['shared/ok.SSL', 'shared/ok.ssl'],
      ['shared/ok', 'shared/ok.ssl'],
    ] as const) {
      const { d } = check(dir, `import "${path}"`);
      expect(d?.message, path).toMatch(/is not an \.ssl file/);
      if (suggestion === null) expect(d!.message, path).not.toContain('did you mean');
      else expect(d!.message, path).toContain(`(did you mean "${suggestion}"?)`);
    }
  });

  it('paths leaving the project, absolute paths and non-.ssl names are refused by path, located on the import', () => {
    const dir = project();
    for (const [line, why] of [
      ['import "../../../../../../etc/passwd.ssl"', /leaves the project folder/],
      ['import "../../../../../../etc/passwd"', /leaves the project folder/],
      ['import "../../proc/self/environ"', /leaves the project folder/],
      ['import "notes.txt"', /not an \.ssl file/],
      ['import "/etc/passwd.ssl"', /absolute imports are not allowed/],
      ['import "/etc/hosts"', /absolute imports are not allowed/],
    ] as const) {
      const { d, out } = check(dir, line);
      expect(d, line).toMatchObject({ severity: 'error', message: expect.stringMatching(why), span: { startLine: 1 } });
      expect(out).not.toMatch(/root:x:0|localhost/);
      expect(out).not.toMatch(/hint: .*\/etc/); // no hint re-rooting an absolute path
    }
    expect(check(dir, 'import "shared/ok.ssl"').r.diagnostics.filter((x) => x.code === 'SSL091' || x.code === 'SSL034')).toEqual([]);
  });

  it('a symbolic link leaving the project is refused and its target never shown; one inside it works', () => {
    const dir = project();
    symlinkSync('/etc/passwd', join(dir, 'shared', 'passwd.ssl'));
    symlinkSync('/proc/self/environ', join(dir, 'env.ssl'));
    symlinkSync(join(dir, 'shared', 'ok.ssl'), join(dir, 'alias.ssl'));
    for (const line of ['import "shared/passwd.ssl"', 'import "env.ssl"']) {
      const { d, out } = check(dir, line);
      expect(d?.message, line).toMatch(/resolves \(through a symbolic link\) to \/(etc|proc)\/.*, outside the project folder/);
      expect(out).not.toMatch(/root:x:0|PATH=/);
    }
    expect(check(dir, 'import "alias.ssl"').r.diagnostics.filter((x) => x.code === 'SSL091' || x.code === 'SSL034')).toEqual([]);
  });

  it('devices, FIFOs, huge and binary files are refused without being read (no hang, no memory growth)', () => {
    const dir = project();
    symlinkSync('/dev/zero', join(dir, 'zero.ssl'));
    symlinkSync('/dev/urandom', join(dir, 'random.ssl'));
    execFileSync('mkfifo', [join(dir, 'pipe.ssl')]);
    writeFileSync(join(dir, 'big.ssl'), Buffer.alloc(4 * 1024 * 1024 + 10, 0x20));
    writeFileSync(join(dir, 'binary.ssl'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0x1b, 0x5d, 0x30, 0x3b, 0x70, 0x77, 0x6e, 0x07]));
    const rss0 = process.memoryUsage().rss;
    // with the whole file system as the project, the device checks are what refuses them
    for (const [name, why] of [
      ['zero.ssl', /not a regular file \(a device\)/],
      ['random.ssl', /not a regular file \(a device\)/],
      ['pipe.ssl', /not a regular file \(a named pipe\)/],
      ['big.ssl', /limited to 4194304 bytes/],
      ['binary.ssl', /binary data/],
    ] as const) {
      const { d, out } = check(dir, `import "${name}"`, '/');
      expect(d?.message, name).toMatch(why);
      expect(out).not.toMatch(/\u001b|ELF/);
    }
    expect(process.memoryUsage().rss - rss0).toBeLessThan(200 * 2 ** 20);
  });
});

describe('one file, many spellings (#17.1)', () => {
  it('a file imported as itself and through a symbolic link is loaded once (no clash with itself)', () => {
    const dir = project();
    symlinkSync('ok.ssl', join(dir, 'shared', 'link.ssl'));
    const { r } = check(dir, 'import "shared/ok.ssl"\nimport "shared/link.ssl"\nimport "./shared/../shared/ok.ssl"');
    expect(r.diagnostics.filter((d) => ['SSL031', 'SSL034', 'SSL035', 'SSL091'].includes(d.code))).toEqual([]);
    expect(Object.keys(r.sources).filter((f) => f.endsWith('.ssl') && !f.endsWith('main.ssl'))).toHaveLength(1);
  });

  it('a cycle through a symbolic link is an import cycle; a loop of links is named', () => {
    const dir = project();
    symlinkSync('main.ssl', join(dir, 'self.ssl'));
    symlinkSync('b.ssl', join(dir, 'a.ssl'));
    symlinkSync('a.ssl', join(dir, 'b.ssl'));
    const cycle = check(dir, 'import "self.ssl"').r.diagnostics.find((d) => d.code === 'SSL035');
    expect(cycle?.message).toMatch(/import cycle: .*main\.ssl → .*self\.ssl$/);
    const { d } = check(dir, 'import "a.ssl"');
    expect(d).toMatchObject({ span: { startLine: 1 }, message: expect.stringMatching(/symbolic links form a loop: .*a\.ssl → .*b\.ssl → .*a\.ssl$/) });
  });
});

describe('the editor reads imports like check (#17.1)', () => {
  it('a link to /dev/zero or a FIFO in the project is refused by the analysis thread, not read', async () => {
    const { analyze } = await import('../../cli/lsp/analyze.js');
    const dir = project();
    symlinkSync('/dev/zero', join(dir, 'zero.ssl'));
    execFileSync('mkfifo', [join(dir, 'pipe.ssl')]);
    for (const [name, why] of [['zero.ssl', /outside the project folder/], ['pipe.ssl', /a named pipe/]] as const) {
      const res = analyze({ id: 1, path: join(dir, 'main.ssl'), text: `import "${name}"\n${EXP}`, overlay: {}, library: false, wantDocument: false });
      expect(res.diagnostics.find((d) => d.code === 'SSL091')?.message, name).toMatch(why);
    }
  });
});

describe('deep import chains (#17.11)', () => {
  it('a chain of 200 files importing each other is refused at depth 64 with a located SSL091, not a stack overflow', () => {
    const dir = project();
    for (let i = 0; i < 200; i++) writeFileSync(join(dir, `f${i}.ssl`), `${i < 199 ? `import "f${i + 1}.ssl"\n` : ''}encoder e${i} = unet3d { preset = small }\n`);
    const { r } = check(dir, 'import "f0.ssl"');
    expect(r.diagnostics.filter((d) => d.code === 'SSL099')).toEqual([]);
    const deep = r.diagnostics.find((d) => d.code === 'SSL091');
    expect(deep).toMatchObject({ message: 'imports are nested more than 64 files deep here', span: { file: expect.stringMatching(/f62\.ssl$/), startLine: 1 } });
  });
});
