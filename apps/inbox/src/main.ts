/** The per-tenant inbox instance (seed 002's Integration API): built in the inbox issue. */
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 8000);
createServer((_req, res) => {
  res.writeHead(503, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ detail: 'The inbox instance is not implemented yet' }));
}).listen(port);
