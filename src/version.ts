// The package version, read once from package.json (dist/src/version.js and src/version.ts both sit two levels down).
import { readFileSync } from 'node:fs';

function readVersion(): string {
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8'));
      if (pkg.name === 'protopost') return pkg.version;
    } catch {
      /* try the next layout */
    }
  }
  return '0.0.0';
}

export const VERSION = readVersion();
export const USER_AGENT = `protopost/${VERSION}`;
