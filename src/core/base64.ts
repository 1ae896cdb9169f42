// Attachment content is base64: checked by one linear scan (a regex over megabytes of text overflows V8's
// backtracking stack), sized without decoding.

const isAlphabet = (c: number) =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

/** Standard base64 with `=` padding; whitespace (MIME line breaks) anywhere is ignored. */
export function isBase64(s: string): boolean {
  let length = 0;
  let padding = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isSpace(c)) continue;
    if (c === 61) {
      if (++padding > 2) return false;
    } else if (padding > 0 || !isAlphabet(c)) return false;
    length++;
  }
  return length % 4 === 0;
}

/** Decoded size in bytes of base64 text without whitespace. */
export function base64Size(b64: string): number {
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.floor((b64.length * 3) / 4) - pad;
}
