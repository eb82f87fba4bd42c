import { InvalidInputError } from "../errors.js";

/** Characters a backslash may escape: the metacharacters, so they match themselves. */
const ESCAPABLE = new Set([..."\\^$.|?*+()[]{}/-"]);

/**
 * Checks that a regular expression uses only the syntax JavaScript shares with
 * POSIX extended expressions, so PostgreSQL's `~`, SQLite's registered
 * function and JavaScript all find the same matches: literals, `.`, `^`, `$`,
 * `|`, groups `( )`, bracket expressions `[ ]` with ranges and negation,
 * quantifiers `* + ? {n,m}`, and backslash before a metacharacter. Refused:
 * lookaround and every other `(?…)` group, backreferences, class escapes such
 * as `\d` `\w` `\s` `\b`, lazy quantifiers, and POSIX classes like `[:alpha:]`.
 */
export function checkPortableRegex(pattern: string): void {
  const refuse = (why: string): never => {
    throw new InvalidInputError(
      `matches: ${JSON.stringify(pattern)} ${why}; only the syntax JavaScript shares with POSIX extended expressions is allowed`,
    );
  };
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
      // A `]` right after `[` or `[^` is a literal member in both syntaxes' common use; skip over the opening.
      if (next === "^") index += 1;
      if (pattern[index + 1] === "]") refuse("starts a bracket expression with ], which the syntaxes read differently");
      continue;
    }
    if (char === "(" && next === "?") refuse("uses a (?…) group");
    if ((char === "*" || char === "+" || char === "?" || char === "}") && next === "?") refuse("uses a lazy quantifier");
  }
  if (inClass) refuse("leaves a bracket expression open");
  try {
    new RegExp(pattern);
  } catch (error) {
    refuse(`is not a valid regular expression (${(error as Error).message})`);
  }
}
