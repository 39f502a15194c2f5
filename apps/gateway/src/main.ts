/** Local mode's gateway: `http://{subdomain}.localhost:{GATEWAY_PORT}` → the instance's process. */
import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { LocalRuntime, createLocalGateway } from '@app/provisioning';

const config = loadConfig();
const gateway = createLocalGateway(new LocalRuntime(config.LOCAL_STATE_DIR), config.BASE_DOMAIN);
gateway.listen(config.GATEWAY_PORT, () => {
  process.stdout.write(
    `${JSON.stringify({ level: 30, service: 'gateway', msg: `listening on :${config.GATEWAY_PORT}` })}\n`,
  );
});
process.on('SIGTERM', () => gateway.close(() => process.exit(0)));
