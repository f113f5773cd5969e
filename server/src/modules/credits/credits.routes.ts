import { moduleRouter } from '../../platform/http/route.js';
import { CreditPage, CreditsQuery } from './credits.schemas.js';
import { listCredits } from './credits.service.js';

export const creditsRoutes = moduleRouter('/api/me/credits', 'credits');

creditsRoutes.get('/', { summary: 'My credit ledger, newest first', access: 'user', query: CreditsQuery, responses: { 200: CreditPage } },
  async ({ query, user }) => ({ status: 200, body: await listCredits(user.userId, query.page, query.pageSize) }));
