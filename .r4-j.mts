import { createClient } from '@libsql/client';
const c = createClient({ url: ':memory:' });
const vals: number[] = [];
for (let i = 0; i < 100000; i++) {
  const mode = i % 4;
  vals.push(mode === 0 ? Math.random() * 10 ** Math.floor(Math.random() * 40 - 20) : mode === 1 ? Math.random() : mode === 2 ? Math.floor(Math.random() * 1e6) + Math.random() : new Float64Array(new BigUint64Array([BigInt.asUintN(64, BigInt(Math.floor(Math.random() * 2 ** 53)) * 2048n + BigInt(i % 2048))]).buffer)[0]!);
}
const finite = vals.filter((v) => Number.isFinite(v) && !Number.isInteger(v));
let bad = 0; const ex: string[] = [];
for (let i = 0; i < finite.length; i += 100) {
  const chunk = finite.slice(i, i + 100);
  const q = await c.execute({ sql: `SELECT json_array(${chunk.map(() => `CASE typeof(?) WHEN 'real' THEN printf('%!.17g', ?) END`).join(',')}) j`, args: chunk.flatMap((v) => [v, v]) });
  const back = (JSON.parse(String(q.rows[0]?.['j'])) as string[]).map(Number);
  back.forEach((v, k) => { if (v !== chunk[k]) { bad++; if (ex.length < 5) ex.push(`${chunk[k]} -> ${(JSON.parse(String(q.rows[0]?.['j'])) as string[])[k]}`); } });
}
console.log('tested', finite.length, 'mismatches', bad, ex);
