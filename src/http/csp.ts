// Content-Security-Policy for the pages we serve: own scripts only, never framed by another site.

const policy = (directives: readonly string[]) => directives.join('; ');

/** The dashboard: email HTML is shown only in sandboxed iframes (about:/data:/blob: documents). */
export const DASHBOARD_CSP = policy([
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self' about: data: blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
]);

/**
 * `/docs` (swagger-ui): its bundle and initializer are files served from here; its components set inline
 * styles and its icons are data: URIs. "Try it out" calls this same origin.
 */
export const DOCS_CSP = policy([
  "default-src 'self'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
]);
