import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { sendJson } from './send-json';

/** A body like a task's: nested, unicode, nulls, and once past the 1000 bytes where res.send buffers. */
const BODIES: object[] = [
  { id: 'mail.0VcU5e7VEd0fxAZNpKyu', payload: { to: 'ada@example.com', note: 'déjà vu — ✓' }, result: null },
  {
    id: 'mail.1.0VcU5e7VEd0fxAZNpKyu',
    payload: 'x'.repeat(2000),
    errors: [{ attempt: 1, message: '"quoted"' }],
  },
  [],
];

describe('sendJson', () => {
  it('answers with the status, headers and bytes of express res.status().json()', async () => {
    const app = express();
    app.disable('x-powered-by');
    app.disable('etag');
    app.post('/express/:i/:status', (req, res) => {
      res.status(Number(req.params.status)).json(BODIES[Number(req.params.i)]);
    });
    app.post('/ours/:i/:status', (req, res) => {
      sendJson(res, Number(req.params.status), BODIES[Number(req.params.i)]!);
    });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const status of [200, 201]) {
        for (let i = 0; i < BODIES.length; i++) {
          const post = (p: string) => fetch(`${base}/${p}/${i}/${status}`, { method: 'POST' });
          const [theirs, ours] = await Promise.all([post('express'), post('ours')]);
          const headers = (r: Response) =>
            Object.fromEntries([...r.headers].filter(([name]) => name !== 'date'));
          expect(ours.status).toBe(status);
          expect(headers(ours)).toEqual(headers(theirs));
          expect(Buffer.from(await ours.arrayBuffer())).toEqual(Buffer.from(await theirs.arrayBuffer()));
        }
      }
    } finally {
      server.close();
    }
  });
});
