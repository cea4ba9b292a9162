import { createClient } from '@libsql/client';
import { spawn } from 'node:child_process';
const url = 'file:/tmp/r2/repro.db';
const client = createClient({ url, timeout: 1000 });
await client.execute('PRAGMA journal_mode = WAL');
await client.execute('CREATE TABLE IF NOT EXISTS t (x INTEGER)');
const holder = spawn('node_modules/.bin/tsx', ['test/helpers/hold-write-lock.ts', url, '3000'], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((r) => holder.stdout.on('data', (d: Buffer) => { if (d.toString().includes('locked')) r(); }));
const mode = process.argv[2] ?? 'tx';
try {
  if (mode === 'tx') { const tx = await client.transaction('write'); await tx.execute('INSERT INTO t VALUES (1)'); await tx.commit(); tx.close(); }
  else if (mode === 'deferred') { const tx = await client.transaction('deferred'); await tx.execute('SELECT 1'); await tx.execute('INSERT INTO t VALUES (1)'); await tx.commit(); tx.close(); }
  else { await client.execute('INSERT INTO t VALUES (1)'); }
  console.log('first: ok?!');
} catch (e) { console.log('first failed:', (e as Error).message, (e as {code?: string}).code); }
await new Promise((r) => holder.on('exit', r));
if (process.argv[3] === 'reconnect') await client.reconnect();
for (let i = 0; i < 3; i++) {
  try { const tx = await client.transaction('write'); await tx.execute('INSERT INTO t VALUES (2)'); await tx.commit(); tx.close(); console.log('after: tx ok'); }
  catch (e) { console.log('after: tx failed:', (e as Error).message, (e as {code?: string}).code); }
  try { await client.execute('INSERT INTO t VALUES (3)'); console.log('after: execute ok'); }
  catch (e) { console.log('after: execute failed:', (e as Error).message); }
}
