import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './workspace.js';

/** The repository's README.md, whose "Use kd in your project" section the registry test follows. */
export const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The fenced ```lang block of the README whose first line is `firstLine` (the whole block, that line included). */
export function readmeBlock(lang: string, firstLine: string): string {
  const m = README.match(new RegExp('```' + lang + '\\n(' + escape(firstLine) + '\\n[\\s\\S]*?)```'));
  if (!m) throw new Error(`README.md has no \`\`\`${lang} block starting with ${firstLine}`);
  return m[1]!;
}

/**
 * The commands of the README's ```sh block whose first line starts with `firstCommand`: one entry per
 * line, comments dropped, `a && b` split into its commands, each as its words.
 */
export function readmeCommands(firstCommand: string): string[][] {
  const m = README.match(new RegExp('```sh\\n(' + escape(firstCommand) + '[\\s\\S]*?)```'));
  if (!m) throw new Error(`README.md has no \`\`\`sh block starting with ${firstCommand}`);
  return m[1]!
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean)
    .flatMap((line) => line.split(' && '))
    .map((command) => command.trim().split(/\s+/));
}
