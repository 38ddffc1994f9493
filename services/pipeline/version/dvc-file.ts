// The DVC 3 on-disk formats, as pure functions: `.dvc` files, the content-addressed cache layout,
// the `.gitignore` entries `dvc add` writes, and the remote section `dvc remote add -d` writes.
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { MarqueeError } from '../../core/errors.ts';

/** One tracked output of a `.dvc` file. `path` is relative to the `.dvc` file's folder. */
export interface DvcOut {
  md5: string;
  size: number;
  path: string;
}

const MD5 = /^[0-9a-f]{32}$/;

const dvcFileSchema = z.object({
  outs: z
    .array(
      z.object({
        md5: z.string().regex(MD5, 'md5 must be 32 lowercase hex digits'),
        size: z.number().int().min(0),
        hash: z.literal('md5').optional(),
        path: z.string().min(1),
      }),
    )
    .min(1),
});

/** `.dvc` file text exactly as DVC 3 writes it for a single file output. */
export function formatDvcFile(out: DvcOut): string {
  assertMd5(out.md5);
  if (!Number.isInteger(out.size) || out.size < 0) throw new MarqueeError('INPUT', `invalid size ${out.size} for ${out.path}`);
  if (!out.path || out.path.includes('/')) throw new MarqueeError('INPUT', `a .dvc output path is a file name beside it, got '${out.path}'`);
  // Written by hand to match DVC byte for byte (yaml's default indents the sequence).
  return `outs:\n- md5: ${out.md5}\n  size: ${out.size}\n  hash: md5\n  path: ${yamlScalar(out.path)}\n`;
}

/** Reads the single output of a `.dvc` file; rejects anything that is not a DVC 3 md5 entry. */
export function parseDvcFile(text: string, source = '.dvc file'): DvcOut {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new MarqueeError('INPUT', `${source}: not valid YAML (${(err as Error).message})`, { cause: err });
  }
  const result = dvcFileSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new MarqueeError('INPUT', `${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const [first] = result.data.outs;
  return { md5: first.md5, size: first.size, path: first.path };
}

/** Where an object lives inside a DVC 3 cache or remote: `files/md5/<2 hex>/<30 hex>`. */
export function objectRelPath(md5: string): string {
  assertMd5(md5);
  return `files/md5/${md5.slice(0, 2)}/${md5.slice(2)}`;
}

/**
 * Adds `/<name>` lines to a `.gitignore` text the way `dvc add` does (one per output, in the output's
 * folder). Returns the new text, or null when every entry is already there.
 */
export function withGitignoreEntries(existing: string | undefined, names: string[]): string | null {
  const text = existing ?? '';
  const present = new Set(text.split(/\r?\n/).map((l) => l.trim()));
  const missing = names.map((n) => `/${n}`).filter((entry, i, all) => !present.has(entry) && all.indexOf(entry) === i);
  if (missing.length === 0) return null;
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  return `${text}${sep}${missing.join('\n')}\n`;
}

/**
 * `.dvc/config` with `name` as the default remote at `url`, as `dvc remote add -d name url` writes it.
 * Other sections and keys are kept; an existing section for the same remote gets the new url.
 */
export function withDefaultRemote(existing: string | undefined, name: string, url: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new MarqueeError('INPUT', `invalid DVC remote name '${name}'`);
  const sections = parseIni(existing ?? '');
  setKey(sections, 'core', 'remote', name);
  setKey(sections, `'remote "${name}"'`, 'url', url);
  return sections.map((s) => [`[${s.name}]`, ...s.lines].join('\n')).join('\n') + '\n';
}

/** The default remote's name and url from `.dvc/config`, if any. */
export function readDefaultRemote(config: string): { name: string; url: string } | null {
  const sections = parseIni(config);
  const name = getKey(sections, 'core', 'remote');
  if (!name) return null;
  const url = getKey(sections, `'remote "${name}"'`, 'url');
  return url ? { name, url } : null;
}

interface IniSection {
  name: string;
  lines: string[];
}

function parseIni(text: string): IniSection[] {
  const sections: IniSection[] = [];
  for (const line of text.split(/\r?\n/)) {
    const header = /^\s*\[(.+)\]\s*$/.exec(line);
    if (header) sections.push({ name: header[1].trim(), lines: [] });
    else if (line.trim() !== '') {
      if (sections.length === 0) throw new MarqueeError('INPUT', `.dvc/config: key outside any section: '${line.trim()}'`);
      sections[sections.length - 1].lines.push(line);
    }
  }
  return sections;
}

const keyOf = (line: string) => line.split('=')[0].trim();

function getKey(sections: IniSection[], section: string, key: string): string | undefined {
  const line = sections.find((s) => s.name === section)?.lines.find((l) => keyOf(l) === key);
  return line?.slice(line.indexOf('=') + 1).trim();
}

function setKey(sections: IniSection[], section: string, key: string, value: string): void {
  let s = sections.find((x) => x.name === section);
  if (!s) {
    s = { name: section, lines: [] };
    sections.push(s);
  }
  const entry = `    ${key} = ${value}`;
  const at = s.lines.findIndex((l) => keyOf(l) === key);
  if (at === -1) s.lines.push(entry);
  else s.lines[at] = entry;
}

/** A file name as a YAML scalar: plain when safe, otherwise quoted by the yaml library. */
function yamlScalar(name: string): string {
  return /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/.test(name) ? name : stringify(name).trimEnd();
}

function assertMd5(md5: string): void {
  if (!MD5.test(md5)) throw new MarqueeError('INPUT', `invalid md5 '${md5}'`);
}
