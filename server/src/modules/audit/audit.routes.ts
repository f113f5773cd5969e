import { moduleRouter } from '../../platform/http/route.js';
import { AuditPage, AuditQuery } from './audit.schemas.js';
import { listAudit } from './audit.service.js';

export const auditRoutes = moduleRouter('/api/admin/audit', 'admin');

auditRoutes.get('/', { summary: 'Page and filter the audit log, newest first', access: 'admin', query: AuditQuery, responses: { 200: AuditPage } },
  async ({ query }) => ({ status: 200, body: await listAudit(query) }));
