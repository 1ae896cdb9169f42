// The drop-in APIs: each provider's SDK keeps working with only its base URL changed.
import type { FastifyInstance } from 'fastify';
import type { DropinDeps } from './edge.js';
import { resendRoutes } from './resend/routes.js';
import { sendgridRoutes } from './sendgrid/routes.js';
import { postmarkRoutes } from './postmark/routes.js';

export function dropinRoutes(app: FastifyInstance, deps: DropinDeps): void {
  resendRoutes(app, deps);
  sendgridRoutes(app, deps);
  postmarkRoutes(app, deps);
}
