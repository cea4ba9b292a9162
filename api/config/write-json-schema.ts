import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from './json-schema.ts';

/** `npm run config:schema`: writes the config's JSON Schema beside this file. */
const target = resolve(dirname(fileURLToPath(import.meta.url)), 'headroom.config.schema.json');
writeFileSync(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
