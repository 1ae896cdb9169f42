// `?q=` → an FTS5 MATCH expression. The text is untrusted: every term becomes a quoted string, so no
// FTS5 operator, column filter, NEAR or bareword syntax can be injected, and the query stays a plain AND.

/** Longest `q` the API accepts (SPEC section 9). */
export const MAX_QUERY_LENGTH = 200;
/** Terms beyond this are dropped: each is one more doclist to walk. */
const MAX_TERMS = 16;
/** A prefix shorter than this matches too many terms to merge cheaply; it is matched as a whole token. */
const MIN_PREFIX = 3;
/** Characters the unicode61 tokenizer keeps in tokens: a term without any is only punctuation. */
const TOKEN_CHAR = /[\p{L}\p{N}]/u;

/**
 * Whitespace-separated terms, each quoted (`"` doubled); the last one may be a prefix (`"ord"*`), so a
 * search box matches while typing. Undefined when nothing searchable is left (only punctuation).
 */
export function toFtsQuery(q: string): string | undefined {
  const terms = q
    .slice(0, MAX_QUERY_LENGTH)
    .split(/\s+/)
    .filter((t) => TOKEN_CHAR.test(t))
    .slice(0, MAX_TERMS);
  if (!terms.length) return undefined;
  return terms
    .map((t, i) => {
      const quoted = `"${t.replace(/"/g, '""')}"`;
      const last = i === terms.length - 1;
      // A prefix only when the term is one plain token (`ord`, not `a.b`), long enough to be selective.
      return last && t.length >= MIN_PREFIX && /^[\p{L}\p{N}]+$/u.test(t) ? `${quoted}*` : quoted;
    })
    .join(' ');
}
