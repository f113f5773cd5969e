import { config } from '../../config.js';
import { logger } from '../../platform/logger.js';
import { schedule } from '../../platform/schedules.js';
import { createHttpFront } from './http-front.js';
import { stopLive } from './tunnel-live.js';
import { createTunnelGateway } from './tunnel-gateway.js';
import { expireReservations } from './tunnels.service.js';
import { meterTunnels } from './tunnel-billing.js';

/** The gateway (TUNNEL_GATEWAY_PORT), the HTTP front (APPS_PORT) and the reservation sweep; the result stops them. */
export async function startTunnels(): Promise<() => Promise<void>> {
  // A port already taken (another instance on this machine) leaves that part off, said in the log.
  const gateway = config.TUNNEL_GATEWAY_PORT ? await createTunnelGateway() : undefined;
  await gateway?.listen(config.TUNNEL_GATEWAY_PORT, config.HOST).then(
    () => logger.info({ port: config.TUNNEL_GATEWAY_PORT }, 'tunnel gateway listening'),
    (err: unknown) => logger.error({ err, port: config.TUNNEL_GATEWAY_PORT }, 'tunnel gateway did not start'),
  );
  const front = config.APPS_PORT ? createHttpFront() : undefined;
  front?.on('error', (err) => logger.error({ err, port: config.APPS_PORT }, 'HTTP front for tunnels did not start'));
  front?.listen(config.APPS_PORT, config.HOST, () => logger.info({ port: config.APPS_PORT, domain: config.APPS_DOMAIN }, 'HTTP front for tunnels listening'));
  const sweep = schedule('tunnel-reservations', '20 */1 * * * *', async () => { await expireReservations(); });
  const billing = schedule('tunnel-metering', '40 */1 * * * *', async () => { await meterTunnels(); });
  return async () => {
    sweep.stop();
    billing.stop();
    await stopLive();
    front?.closeAllConnections();
    front?.close();
    await gateway?.close();
  };
}
