// Imports a package that deploy/install-deps.sh installed into .tools/node_modules: node's own
// resolution looks only next to these scripts, and ES modules ignore NODE_PATH.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export async function load(name) {
  const root = path.resolve(process.env.CDTT_TOOLS || '.tools', 'node_modules', name);
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  let entry = pkg.exports?.['.'] ?? pkg.exports ?? pkg.module ?? pkg.main;
  while (entry && typeof entry === 'object') entry = entry.import ?? entry.node ?? entry.default;
  return import(pathToFileURL(path.join(root, entry)).href);
}

// Fails the script with a message naming what was expected.
export function expect(condition, what) {
  if (!condition) {
    console.error(`interop: expected ${what}`);
    process.exit(1);
  }
}
