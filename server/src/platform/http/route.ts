import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { errors } from '../errors.js';
import type { Principal } from './context.js';
import { requireAdminTwoFactor, requireRole, requireSession, requireUser, requireVerifiedEmail } from '../auth.js';

// A route reads like a sentence: the spec says what it takes and gives, the helper wires
// validation, auth and audit around a handler, and the same spec feeds the OpenAPI document.

// Missing fields say "required" rather than zod's "expected string, received undefined".
z.config({ customError: (iss) => (iss.code === 'invalid_type' && iss.input === undefined ? 'required' : undefined) });

export type Access = 'public' | 'user' | 'admin';

/** Status -> the schema of that answer's body (undefined for an empty one). */
export type Responses = Record<number, z.ZodType | undefined>;

export interface RouteSpec<B extends z.ZodType | undefined, Q extends z.ZodType | undefined, P extends z.ZodType | undefined, R extends Responses = Responses> {
  summary: string;
  access: Access;
  body?: B;
  query?: Q;
  params?: P;
  /** Status -> response schema (undefined for empty bodies). */
  responses: R;
  /** Audit action name; every mutating route is audited, this names it. */
  audit?: string;
  /** A change an account with an unconfirmed email address may make (its own security); others wait for the confirmation. */
  allowUnverified?: boolean;
  /** Extra middleware run after auth and before validation (rate limits). */
  before?: RequestHandler[];
  /**
   * The answer holds a secret shown once (a session cookie, a new API token, a console
   * ticket), so the idempotency layer never stores it: `true` when only the Set-Cookie
   * header holds it, else the top-level body fields that do (the rest is kept for a retry).
   */
  returnsSecret?: true | readonly string[];
  /** Only a signed-in session may call it, never an API token (token management). */
  sessionOnly?: boolean;
  /** Media type of the answers when not JSON (Prometheus text). */
  produces?: string;
}

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface HandlerInput<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  principal: Principal | undefined;
  /** The signed-in caller; only for routes whose access is 'user' or 'admin'. */
  user: Principal;
  req: Request;
  res: Response;
}

export interface Reply {
  status: number;
  body?: unknown;
}

/**
 * A handler's answer, its body one of the spec's response schemas (their output type: the SPA
 * reads the body as that, web/src/api/contract.ts). A service that stops sending a documented
 * field breaks this typecheck, so the schema, the answer and the SPA's types cannot drift apart.
 */
export interface ReplyTo<R extends Responses> extends Reply {
  body?: { [K in keyof R]: R[K] extends z.ZodType ? z.output<R[K]> : undefined }[keyof R];
}

export interface RouteDoc {
  method: string;
  path: string;
  tag: string;
  spec: RouteSpec<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>;
}

export const routeDocs: RouteDoc[] = [];

/**
 * Documents a route wired by hand rather than through moduleRouter (the operations endpoints),
 * so /api/openapi.json lists every route the server answers.
 */
export function documentRoute(method: RouteDoc['method'], path: string, tag: string, spec: RouteDoc['spec']): void {
  routeDocs.push({ method, path, tag, spec });
}

function parse(schema: z.ZodType, value: unknown, where: string) {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw errors.validation(
      r.error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message })),
      where,
    );
  }
  return r.data;
}

const accessGuards: Record<Access, RequestHandler[]> = {
  public: [],
  user: [requireUser],
  admin: [requireUser, requireRole('admin'), requireAdminTwoFactor],
};

const guardsFor = (method: string, spec: { access: Access; allowUnverified?: boolean }): RequestHandler[] =>
  method !== 'get' && spec.access !== 'public' && !spec.allowUnverified ? [...accessGuards[spec.access], requireVerifiedEmail] : accessGuards[spec.access];

export function moduleRouter(prefix: string, tag: string) {
  const router = Router();
  const add =
    (method: 'get' | 'post' | 'put' | 'patch' | 'delete') =>
    <B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, P extends z.ZodType | undefined = undefined, R extends Responses = Responses>(
      path: string,
      spec: RouteSpec<B, Q, P, R>,
      handler: (input: HandlerInput<Out<B>, Out<Q>, Out<P>>) => Promise<ReplyTo<R>>,
    ) => {
      routeDocs.push({ method, path: prefix + path, tag, spec: spec as RouteDoc['spec'] });
      const pattern = prefix + path;
      const mark: RequestHandler = (req, _res, next) => {
        req.routePattern = pattern;
        // Ingest routes (RUM beacons, Alertmanager) are mounted before the audit layer.
        req.audit ??= {};
        if (spec.audit) req.audit.action = spec.audit;
        if (spec.access === 'public') req.audit.publicRoute = true;
        if (spec.returnsSecret) req.replySecret = spec.returnsSecret;
        next();
      };
      const run: RequestHandler = async (req, res) => {
        const input = {
          body: (spec.body ? parse(spec.body, req.body ?? {}, 'body') : undefined) as Out<B>,
          query: (spec.query ? parse(spec.query, req.query, 'query') : undefined) as Out<Q>,
          params: (spec.params ? parse(spec.params, req.params, 'params') : undefined) as Out<P>,
          principal: req.principal,
          get user(): Principal {
            if (!req.principal) throw errors.unauthenticated();
            return req.principal;
          },
          req,
          res,
        };
        const reply = await handler(input);
        // A handler that answered itself (a file download in another media type) is done.
        if (res.headersSent) return;
        if (reply.body === undefined) res.status(reply.status).send();
        else res.status(reply.status).json(reply.body);
      };
      router[method](path, mark, ...guardsFor(method, spec), ...(spec.sessionOnly ? [requireSession] : []), ...(spec.before ?? []), run);
    };
  return { router, prefix, get: add('get'), post: add('post'), put: add('put'), patch: add('patch'), delete: add('delete') };
}

export type ModuleRouter = ReturnType<typeof moduleRouter>;
