import { moduleRouter } from '../../platform/http/route.js';
import { CreatedToken, CreateTokenBody, TokenIdParams, TokenList } from './tokens.schemas.js';
import { createToken, listTokens, revokeToken } from './tokens.service.js';

export const tokensRoutes = moduleRouter('/api/me/tokens', 'tokens');

tokensRoutes.get('/', { summary: 'My personal API tokens (revoked or expired ones for a while)', access: 'user', responses: { 200: TokenList } },
  async ({ user }) => ({ status: 200, body: await listTokens(user.userId) }));

tokensRoutes.post('/', { summary: 'Create a personal API token (the secret is shown once)', access: 'user', sessionOnly: true, body: CreateTokenBody, responses: { 201: CreatedToken }, audit: 'token.create', returnsSecret: ['secret'] },
  async ({ body, user, req }) => {
    const created = await createToken(user.userId, body);
    Object.assign(req.audit, { targetType: 'token', targetId: created.token.id, details: { name: body.name, scope: body.scope, expiresAt: created.token.expiresAt } });
    return { status: 201, body: created };
  });

tokensRoutes.delete('/:id', { summary: 'Revoke a token', access: 'user', sessionOnly: true, params: TokenIdParams, responses: { 204: undefined }, audit: 'token.revoke' },
  async ({ params, user, req }) => {
    Object.assign(req.audit, { targetType: 'token', targetId: params.id });
    await revokeToken(user.userId, params.id);
    return { status: 204 };
  });
