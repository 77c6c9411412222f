import { createServer } from 'node:http';
import { processLog, serve } from '@cell/sdk';
import { gatewayContract } from './contract.ts';
import { handleHttp } from './http-api.ts';

const port = Number(process.env['SHOP_HTTP_PORT'] ?? 8080);
const host = process.env['SHOP_HTTP_HOST'] ?? '127.0.0.1';
const http = createServer((req, res) => void handleHttp(req, res));
await new Promise<void>((resolve, reject) => {
  http.once('error', reject);
  http.listen(port, host, () => resolve());
});
const url = `http://${host}:${port}`;
processLog().info({ url }, 'shop is open');
await serve(gatewayContract, { info: () => ({ url }) });
