import { z } from 'zod';
import { routeDocs, type RouteDoc } from './http/route.js';
import { ErrorCode } from './errors.js';
import { sessionCookieName } from './auth.js';

// The OpenAPI 3.1 document is generated from the same zod schemas that validate requests,
// so the document cannot drift from the validators.

const ErrorSchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(ErrorCode) as [keyof typeof ErrorCode, ...(keyof typeof ErrorCode)[]]),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

const toJson = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;

// `/api/vms` + `/` is documented as `/api/vms` (Express matches both).
const openapiPath = (p: string) => p.replace(/:([A-Za-z_]\w*)/g, '{$1}').replace(/(.)\/$/, '$1');

function parameters(doc: RouteDoc) {
  const out: unknown[] = [];
  for (const [where, schema] of [['path', doc.spec.params], ['query', doc.spec.query]] as const) {
    if (!schema) continue;
    const json = toJson(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, s] of Object.entries(json.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: s });
    }
  }
  if (['post', 'put', 'patch', 'delete'].includes(doc.method)) {
    out.push({ name: 'Idempotency-Key', in: 'header', required: true, schema: { type: 'string', minLength: 1, maxLength: 255 } });
  }
  return out;
}

export function buildOpenApi(version = '0.1.0') {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const doc of routeDocs) {
    const responses: Record<string, unknown> = {};
    for (const [status, schema] of Object.entries(doc.spec.responses)) {
      responses[status] = schema
        ? { description: 'OK', content: { [doc.spec.produces ?? 'application/json']: { schema: toJson(schema, 'output') } } }
        : { description: status === '101' ? 'Switching Protocols' : 'No content' };
    }
    responses.default = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    const op: Record<string, unknown> = {
      tags: [doc.tag],
      summary: doc.spec.summary,
      operationId: `${doc.method}${openapiPath(doc.path).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      parameters: parameters(doc),
      responses,
      security: doc.spec.access === 'public' ? [] : doc.spec.sessionOnly ? [{ cookieSession: [] }] : [{ cookieSession: [] }, { bearerToken: [] }],
    };
    if (doc.spec.body) {
      // The route reads a missing body as {}: a body that may say nothing is optional (an admin's delete with no reason).
      op.requestBody = { required: !doc.spec.body.safeParse({}).success, content: { 'application/json': { schema: toJson(doc.spec.body, 'input') } } };
    }
    (paths[openapiPath(doc.path)] ??= {})[doc.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Campus Cloud API', version, description: 'Every mutating request needs an Idempotency-Key header.' },
    paths,
    components: {
      schemas: { Error: toJson(ErrorSchema, 'output') },
      securitySchemes: {
        cookieSession: { type: 'apiKey', in: 'cookie', name: sessionCookieName() },
        bearerToken: { type: 'http', scheme: 'bearer', description: 'Personal API token (cc_...)' },
      },
    },
  };
}
