#!/usr/bin/env node
// `npx headroom …`: runs the TypeScript CLI (api/cli.ts) through tsx in this same process.
import { register } from 'tsx/esm/api';

register();
await import('../api/cli.ts');
