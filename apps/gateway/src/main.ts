/** Local mode's gateway: `http://{subdomain}.localhost:{GATEWAY_PORT}` → the instance's process. */
import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { LocalRuntime, createLocalGateway } from '@app/runtime';

const config = loadConfig();
const gateway = createLocalGateway(new LocalRuntime(config.LOCAL_STATE_DIR), config.BASE_DOMAIN);
// Local mode serves this machine only (instances are reached through *.localhost).
gateway.listen(config.GATEWAY_PORT, '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ level: 30, service: 'gateway', msg: `listening on 127.0.0.1:${config.GATEWAY_PORT}` })}\n`,
  );
});
process.on('SIGTERM', () => gateway.close(() => process.exit(0)));
