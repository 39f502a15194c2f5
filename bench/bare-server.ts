/** The baseline for bench:api: the smallest possible node:http JSON server. */
import { createServer } from 'node:http';

createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end('{"status":"healthy"}');
}).listen(Number(process.env.PORT), '127.0.0.1');
