import express, { type RequestHandler } from 'express';
import { config } from '../../config.js';
import { errors } from '../../platform/errors.js';
import { moduleRouter } from '../../platform/http/route.js';
import { FrpPluginAnswer, FrpPluginBody, FrpPluginQuery, handleFrpPlugin } from './frp-plugin.js';

// frps calls this with no credentials of its own (its plugin protocol has none), so only the
// addresses in FRP_PLUGIN_ALLOW (the frps machine; loopback by default) may. Mounted with the
// ingest routes: no session, no Idempotency-Key, its own small body limit.

const fromFrps: RequestHandler = (req, _res, next) => {
  const allowed = config.FRP_PLUGIN_ALLOW.split(',').map((s) => s.trim()).filter(Boolean);
  next(allowed.includes(req.socket.remoteAddress ?? '') ? undefined : errors.forbidden('Only the site\'s frps may call the frp plugin endpoint (FRP_PLUGIN_ALLOW).'));
};

export const frpPluginRoutes = moduleRouter('/api/frp/plugin', 'tunnels');

frpPluginRoutes.post('/', {
  summary: "frps server plugin (frp doc/server_plugin.md): Login, NewProxy, CloseProxy, Ping, NewWorkConn, NewUserConn. Callers: FRP_PLUGIN_ALLOW",
  access: 'public', query: FrpPluginQuery, body: FrpPluginBody, responses: { 200: FrpPluginAnswer },
  before: [fromFrps, express.json({ limit: '64kb', type: () => true })],
}, async ({ query, body }) => ({ status: 200, body: await handleFrpPlugin(query.op, body.content) }));
