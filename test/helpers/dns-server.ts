import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

type Records = Record<string, { A?: string[]; TXT?: string[] }>;

const TYPE_A = 1;
const TYPE_TXT = 16;

/**
 * A minimal authoritative DNS server over UDP on 127.0.0.1 (A and TXT only), so DNS probes
 * can be tested for real without the outside network. Unknown names answer NXDOMAIN.
 */
export async function startDnsServer(records: Records): Promise<{ address: string; close(): Promise<void> }> {
  const socket = createSocket('udp4');
  socket.on('message', (query, remote) => {
    let offset = 12;
    const labels: string[] = [];
    while (offset < query.length) {
      const length = query[offset] ?? 0;
      offset += 1;
      if (length === 0) break;
      labels.push(query.subarray(offset, offset + length).toString('ascii'));
      offset += length;
    }
    const qtype = query.readUInt16BE(offset);
    const questionEnd = offset + 4;
    const name = labels.join('.').toLowerCase();
    const entry = records[name];
    const answers: Buffer[] = [];
    if (entry && qtype === TYPE_A) {
      for (const ip of entry.A ?? []) answers.push(Buffer.from(ip.split('.').map(Number)));
    }
    if (entry && qtype === TYPE_TXT) {
      for (const text of entry.TXT ?? []) answers.push(Buffer.concat([Buffer.from([text.length]), Buffer.from(text, 'ascii')]));
    }
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2); // id
    header.writeUInt16BE(0x8400 | (entry ? 0 : 3), 2); // response, authoritative, NXDOMAIN when unknown
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const records_ = answers.map((rdata) => {
      const fixed = Buffer.alloc(12);
      fixed.writeUInt16BE(0xc00c, 0); // pointer to the question name
      fixed.writeUInt16BE(qtype, 2);
      fixed.writeUInt16BE(1, 4); // IN
      fixed.writeUInt32BE(60, 6);
      fixed.writeUInt16BE(rdata.length, 10);
      return Buffer.concat([fixed, rdata]);
    });
    socket.send(Buffer.concat([header, query.subarray(12, questionEnd), ...records_]), remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const { port } = socket.address() as AddressInfo;
  return { address: `127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}
