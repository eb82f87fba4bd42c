import { InvalidInputError } from "../errors.js";

/** Characters a backslash may escape: the metacharacters, so they match themselves. */
const ESCAPABLE = new Set([..."\\^$.|?*+()[]{}/-"]);

/** The largest repetition count PostgreSQL accepts in `{n,m}`. */
const MAX_REPETITION = 255;

const BOUND = /^\{(\d+)(,(\d*))?\}/;

/**
 * Checks that a regular expression uses only the syntax JavaScript shares with
 * POSIX extended expressions, so PostgreSQL's `~`, SQLite's registered
 * function and JavaScript all find the same matches: literals, `.`, `^`, `$`,
 * `|`, groups `( )`, bracket expressions `[ ]` with ranges and negation,
 * quantifiers `* + ? {n} {n,} {n,m}` (counts up to 255), and backslash before a
 * metacharacter. Refused: lookaround and every other `(?…)` group,
 * backreferences, class escapes such as `\d` `\w` `\s` `\b`, escapes such as
 * `\n` or `\u0041` (write the character itself), lazy quantifiers, POSIX
 * classes like `[:alpha:]`, a `]` first in a bracket expression, and NUL.
 */
export function checkPortableRegex(pattern: string): void {
  const refuse = (why: string): never => {
    throw new InvalidInputError(
      `matches: ${JSON.stringify(pattern)} ${why}; only the syntax JavaScript shares with POSIX extended expressions is allowed`,
    );
  };
  if (pattern.includes("\0")) refuse("contains a NUL character");
  let inClass = false;
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index] as string;
    const next = pattern[index + 1];
    if (char === "\\") {
      if (next === undefined) refuse("ends with a lone backslash");
      if (!ESCAPABLE.has(next as string)) refuse(`uses the escape \\${next}`);
      index += 1;
      continue;
    }
    if (inClass) {
      if (char === "[" && (next === ":" || next === "." || next === "=")) refuse(`uses the POSIX class syntax [${next}`);
      if (char === "]") inClass = false;
      continue;
    }
    if (char === "[") {
      inClass = true;
      // A `]` right after `[` or `[^` is a literal member in POSIX and ends an empty class in JavaScript.
      if (next === "^") index += 1;
      if (pattern[index + 1] === "]") refuse("starts a bracket expression with ], which the syntaxes read differently");
      continue;
    }
    if (char === "(" && next === "?") refuse("uses a (?…) group");
    if (char === "{") {
      const bound = BOUND.exec(pattern.slice(index));
      if (bound === null) refuse("uses { outside a repetition count {n}, {n,} or {n,m} (write \\{ for the character)");
      const counts = [bound?.[1], bound?.[3]].filter((count) => count !== undefined && count !== "").map(Number);
      if (counts.some((count) => count > MAX_REPETITION)) refuse(`repeats more than ${MAX_REPETITION} times`);
      index += (bound?.[0].length ?? 1) - 1;
      if (pattern[index + 1] === "?") refuse("uses a lazy quantifier");
      continue;
    }
    if ((char === "*" || char === "+" || char === "?") && next === "?") refuse("uses a lazy quantifier");
  }
  if (inClass) refuse("leaves a bracket expression open");
  try {
    portableRegExp(pattern, "");
  } catch (error) {
    refuse(`is not a valid regular expression (${(error as Error).message})`);
  }
}

/**
 * The JavaScript `RegExp` that evaluates a checked portable pattern as
 * PostgreSQL's `~` (flags `""`) or `~*` (flags `"i"`) does: by code point
 * (the `u` flag, so `.` matches one character even above U+FFFF) and with `.`
 * matching newlines too (the `s` flag), as POSIX expressions do. Adapters that
 * evaluate `matches` in JavaScript use this, not `new RegExp(pattern, flags)`.
 */
export function portableRegExp(pattern: string, flags: "" | "i"): RegExp {
  return new RegExp(pattern, flags === "i" ? "isu" : "su");
}
