// Values that can end up in a header (addresses, display names, subject, header names and values, attachment
// names and types, tags) must not carry CR, LF, NUL or any other C0 control character: TAB is the only one allowed.

/** As a JSON Schema `pattern` (Ajv compiles it with the `u` flag). One negated class: linear on any input. */
export const HEADER_SAFE = '^[^\\u0000-\\u0008\\u000a-\\u001f]*$';

const UNSAFE = /[\u0000-\u0008\u000a-\u001f]/;

export const isHeaderSafe = (s: string): boolean => !UNSAFE.test(s);
