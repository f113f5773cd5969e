import { useI18n } from 'vue-i18n';
import type { Tunnel } from '@/api/tunnels';
import { formatBytes } from './use-bytes';

/** How a tunnel reads in a table: where it is published, its state, its traffic. */
export function useTunnelDisplay() {
  const { t } = useI18n();
  const where = (tn: Tunnel) => tn.url ?? (tn.address ? `tcp://${tn.address}` : tn.frpProxyName ?? '—');
  // frp proxies and tunnels to a VM or a container (a forward, or a name for its port) need no client to connect: open while they exist.
  const open = (tn: Tunnel) => tn.kind === 'frp' || tn.kind === 'forward' || tn.vmId !== null || tn.containerId !== null;
  const stateLabel = (tn: Tunnel) => (tn.live ? t('tunnels.stateLive') : open(tn) ? t('tunnels.stateOpen') : t('tunnels.stateWaiting'));
  const stateType = (tn: Tunnel) => (tn.live || open(tn) ? 'success' : 'info');
  const traffic = (tn: Tunnel) => `↓ ${formatBytes(tn.bytesIn)} · ↑ ${formatBytes(tn.bytesOut)}`;
  const kindLabel = (tn: Tunnel) => t(`tunnels.kinds.${tn.kind}`);
  return { where, stateLabel, stateType, traffic, kindLabel };
}
