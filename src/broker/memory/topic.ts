/**
 * Topic-exchange matching with RabbitMQ's rules: words are separated by dots, `*` matches
 * exactly one word (possibly empty), `#` matches zero or more words. The empty key has no
 * words at all, while `a.` has two (`a` and the empty word).
 */

/** The words of a routing key or binding pattern, split the way RabbitMQ splits them. */
export function splitWords(key: string): string[] {
  return key === '' ? [] : key.split('.');
}

/** A binding pattern compiled once; `matches` takes the words of a routing key. */
export interface TopicMatcher {
  readonly pattern: string;
  matches(words: readonly string[]): boolean;
}

/** Compiles a topic binding pattern. */
export function compileTopicPattern(pattern: string): TopicMatcher {
  const parts = splitWords(pattern);
  return { pattern, matches: (words) => matchWords(parts, words) };
}

// Glob matching over words (`#` plays `*`, `*` plays `?`): linear in practice, and it
// backtracks only to the last `#` seen, which is enough because `#` absorbs any run.
function matchWords(pattern: readonly string[], words: readonly string[]): boolean {
  let p = 0;
  let w = 0;
  let hashAt = -1;
  let hashWord = 0;
  while (w < words.length) {
    const part = pattern[p];
    if (part === '#') {
      hashAt = p;
      hashWord = w;
      p += 1;
    } else if (part !== undefined && (part === '*' || part === words[w])) {
      p += 1;
      w += 1;
    } else if (hashAt >= 0) {
      p = hashAt + 1;
      hashWord += 1;
      w = hashWord;
    } else {
      return false;
    }
  }
  while (pattern[p] === '#') p += 1;
  return p === pattern.length;
}
