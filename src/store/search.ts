// `?q=` → an FTS5 MATCH expression. The text is untrusted: every term becomes a quoted string, so no
// FTS5 operator, column filter, NEAR or bareword syntax can be injected, and the query stays a plain AND.

/** Longest `q` the API accepts (SPEC section 9). */
export const MAX_QUERY_LENGTH = 200;
/** Terms beyond this are dropped: each is one more doclist to walk. */
const MAX_TERMS = 8;
/** Characters the unicode61 tokenizer keeps in tokens: a term without any is only punctuation. */
const TOKEN_CHAR = /[\p{L}\p{N}]/u;

/**
 * Whitespace-separated terms, each quoted (`"` doubled), ANDed. Whole tokens only: FTS5 answers a prefix
 * query (`"ord"*`) by merging the doclists of every matching term before the first row, which at 1 M
 * records is seconds for a common prefix — so there is no prefix matching. Undefined when nothing
 * searchable is left (only punctuation).
 */
export function toFtsQuery(q: string): string | undefined {
  const terms = q
    .slice(0, MAX_QUERY_LENGTH)
    .split(/\s+/)
    .filter((t) => TOKEN_CHAR.test(t))
    .slice(0, MAX_TERMS);
  if (!terms.length) return undefined;
  return terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(' ');
}

/**
 * A search walks at most this many of the newest matching records: the page and `total` both come from
 * them, so a term found in every record costs the same as a rare one. `total` is therefore capped here.
 */
export const SEARCH_SCAN_CAP = 1_000;

/**
 * A list filter that no single index answers reads at most this many of the newest candidate records (see the
 * SQLite send log's filterWindow): its page and `total` come from them, so that `total` is capped here too.
 */
export const FILTER_SCAN_CAP = 5_000;
