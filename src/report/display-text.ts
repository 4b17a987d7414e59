/**
 * The one place where text an archive or a report supplies (names, tags, paths, history steps,
 * platforms, parser messages) becomes display text. Everything hostile reaches a terminal through
 * `terminalText`, a Markdown document through `markdownText`, HTML through `htmlText` (issue 12).
 * JSON output stays exact: JSON.stringify escapes what JSON needs, and `jsonLogText` writes the one
 * character a CI log acts on as a JSON escape, which parses to the same value.
 *
 * Each function is linear in its input (one regex pass with a character class, no backtracking)
 * and idempotent on its own output, so a message built from escaped parts may be escaped again
 * at the edge without doubling anything.
 */

/**
 * Characters that can drive a terminal or hide what a reader sees: C0 controls, DEL, C1 controls
 * (U+0080–009F, which include the 8-bit CSI), bidirectional overrides and isolates
 * (U+202A–202E, U+2066–2069, U+061C, U+200E/200F), zero-width characters (U+200B–200D), line and
 * paragraph separators (U+2028/2029), and the byte-order mark / zero-width no-break space U+FEFF.
 * Also the `#` that opens a CI log command anywhere in a line: GitHub's runner acts on
 * `##[error]…`, `##[add-mask]…` or `##[stop-commands]…` wherever a line of a step's output holds
 * it (ActionCommand.TryParse), Azure Pipelines on `##vso[task.setvariable …]`; shown as `\x23`
 * (hunt 3: a tag, path or history step of an archive could annotate, mask or group a job's log).
 */
const UNSAFE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]|#(?=#(?:[Vv][Ss][Oo])?\[)/g;

function visible(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\t') return '\\t';
  if (c === '\r') return '\\r';
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/**
 * Terminal-safe text: every unsafe character shown as a visible escape (`\x1b`, `\n`,
 * `\u{202e}`), so an archive name cannot move the cursor, ring the bell, set the title or reorder
 * the line a reviewer reads.
 * @example terminalText('evil\u001b[2Jname') // 'evil\\x1b[2Jname'
 */
export function terminalText(text: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(text) ? text.replace(UNSAFE, visible) : text;
}

/** Whether `text` holds a character `terminalText` would escape (for tests and assertions). */
export function hasUnsafeCharacters(text: string, allowNewlines = false): boolean {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(allowNewlines ? text.replaceAll('\n', '') : text);
}

/**
 * A whole rendered text report made terminal-safe line by line: the newlines the renderer put
 * there stay, any other unsafe character is escaped. The guard at the CLI's edge; renderers
 * escape their fields already, so on their output this changes nothing.
 */
export function terminalLines(text: string): string {
  UNSAFE.lastIndex = 0;
  const safe = UNSAFE.test(text) ? text.replace(UNSAFE, (c) => (c === '\n' ? c : visible(c))) : text;
  return safe.includes('::') ? safe.split('\n').map(logLine).join('\n') : safe;
}

/**
 * What .NET's `string.TrimStart()` removes (`char.IsWhiteSpace`) that `terminalText` leaves:
 * the space, the no-break spaces and the typographic spaces.
 */
const LEADING_SPACE = /^[ \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]*/;

/**
 * One line of text output made safe for a CI log: GitHub's runner reads a line that starts with
 * `::` after its leading white space as a workflow command (`::error::`, `::add-mask::`,
 * `::stop-commands::`; ActionCommand.TryParseV2), so a line whose text starts that way shows its
 * first `:` as `\x3a`. Only the text at hand can start a line: a section title is a tag, and a
 * wrapped finding puts any path at a line start. `##[` anywhere is `terminalText`'s. Applied by
 * the text renderers to each line they write, after wrapping; idempotent.
 * @example logLine('  ::error::x') // '  \\x3a:error::x'
 */
export function logLine(line: string): string {
  const lead = LEADING_SPACE.exec(line)?.[0].length ?? 0;
  return line.startsWith('::', lead) ? `${line.slice(0, lead)}\\x3a${line.slice(lead + 1)}` : line;
}

/** `##[` or `##vso[` (any case) in JSON text, where it can only be inside a string. */
const LOG_COMMAND_IN_JSON = /(##(?:[Vv][Ss][Oo])?)\[/g;

/**
 * JSON text made inert in a CI log: the `[` of `##[` and `##vso[`, which GitHub's runner and
 * Azure Pipelines act on anywhere in a line (see UNSAFE), written as the JSON escape `\u005b`,
 * so the parsed value is the same. A line of JSON output never starts with `::` (it starts with
 * indentation and `"`, a bracket or a brace), so that is all a runner could act on. In JSON text
 * a `#` is always a character of a string (no escape or token holds one), so the escape lands
 * inside that string. Text without `##` is returned as it is after one `includes` (hunt 4).
 * @example jsonLogText('"##[error]x"') // '"##\\u005berror]x"'
 */
export function jsonLogText(json: string): string {
  return json.includes('##') ? json.replace(LOG_COMMAND_IN_JSON, '$1\\u005b') : json;
}

const MARKDOWN_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
};

/**
 * What `markdownText` writes, and so leaves alone when it meets it again (idempotence): a
 * backslash pair, one of its four entities, an `@` already followed by a zero-width space entity.
 * Then what it changes: an `@` before a letter or digit (a GitHub @mention: `@&#8203;` breaks it
 * and reads the same, as Renovate does), HTML characters, Markdown syntax. Each alternative has a
 * bounded length: one left-to-right pass, no backtracking.
 */
const MARKDOWN_TOKEN = /\\[\\`*_[\]|~!{}#+-]|&(?:amp|lt|gt|quot);|@&#8203;|@(?=[A-Za-z0-9])|[&<>"\\`*_[\]|~!{}]/g;

function markdownToken(token: string): string {
  if (token.length > 1) return token;
  if (token === '@') return '@&#8203;';
  return MARKDOWN_ESCAPES[token] ?? `\\${token}`;
}

/**
 * Markdown-safe text for one line or table cell of a PR comment: terminal escapes first (a comment
 * is read in terminals and diffs too), then HTML made inert (`<img onerror>`, `</style><script>`
 * become `&lt;…`), then Markdown syntax escaped with backslashes (`|`, backticks, `*`, `_`,
 * `[x](y)`, `~`, `!`), a leading `#`, or `-`/`+` and a space, that would start a heading or a
 * list, and `@user` / `@org/team` mentions broken with an invisible zero-width space entity.
 *
 * Idempotent: text it wrote is left as it is. The price is that input which already looks
 * escaped (`\*`, `&lt;`) is shown the way Markdown renders it (`*`, `<`), which is still inert.
 * @example markdownText('<img src=x onerror=alert(1)>') // '&lt;img src=x onerror=alert(1)&gt;'
 */
export function markdownText(text: string): string {
  return terminalText(text)
    .replace(MARKDOWN_TOKEN, markdownToken)
    .replace(/^(#|[+-](?=\s|$))/, '\\$&');
}

/**
 * HTML-safe text for element content and quoted attribute values. Unsafe characters are escaped
 * visibly too: a bidi override inside a table cell would reorder what the reader sees.
 */
export function htmlText(text: string): string {
  return terminalText(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/**
 * What XML 1.0 cannot hold that `terminalText` leaves: U+FFFE, U+FFFF and lone surrogates (a
 * surrogate pair is one character, and fine). One such character in a tag made the whole JUnit
 * report unreadable to every XML parser (hunt 3).
 */
const NOT_XML = /[\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const XML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/**
 * XML-safe text for element content and double-quoted attributes (the JUnit report):
 * `terminalText`, then `& < > "` as entities (so `]]>` cannot appear), then what XML cannot hold
 * shown as `\u{fffe}`.
 */
export function xmlText(text: string): string {
  return terminalText(text)
    .replace(/[&<>"]/g, (c) => XML_ESCAPES[c] ?? c)
    .replace(NOT_XML, visible);
}

/** Longest excerpt of a parser's own message kept in an error line. */
const PARSER_MESSAGE_MAX = 120;

/**
 * A JSON.parse error as one safe line. V8 quotes the input around the failure point (`Unexpected
 * token '\x1b', "…" is not valid JSON`), which may hold newlines, escape sequences or megabytes:
 * only the position is kept when the message has one, otherwise a short escaped excerpt.
 */
export function jsonErrorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const head = message.slice(0, 4096);
  const position = /position (\d{1,15})/.exec(head);
  // `Unexpected token 'x', "…the input…" is not valid JSON`: keep the words before the quote.
  const before = (head.split(', "')[0] ?? '').replace(/ in JSON at position \d+.*$/, '');
  const words = terminalText(before.slice(0, PARSER_MESSAGE_MAX)).trim();
  return position ? `${words || 'syntax error'} at character ${position[1]}` : words || 'syntax error';
}
