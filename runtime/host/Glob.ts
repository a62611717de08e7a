/**
 * Jest's glob patterns (micromatch's syntax, as jest-lua's picomatch port reads `testMatch`) as regular
 * expressions: `**`, `*`, `?`, `[...]`, `{a,b}` and the extglobs `?(...)`, `*(...)`, `+(...)`, `@(...)`.
 */

function escapeChar(c: string): string {
	return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/** The regular expression body of `glob` from `start`, up to the closing `)` of an extglob when `inGroup`. */
function translate(glob: string, start: number, inGroup: boolean): { body: string; end: number } {
	let body = "";
	let i = start;
	while (i < glob.length) {
		const c = glob[i];
		const next = glob[i + 1];
		if (inGroup && c === ")") return { body, end: i + 1 };
		if (inGroup && c === "|") {
			body += "|";
			i++;
		} else if ("?*+@!".includes(c) && next === "(") {
			const group = translate(glob, i + 2, true);
			const quantifier = { "?": "?", "*": "*", "+": "+", "@": "", "!": "" }[c as "?"];
			body += c === "!" ? `(?!(?:${group.body})$)[^/]*` : `(?:${group.body})${quantifier}`;
			i = group.end;
		} else if (c === "*" && next === "*") {
			// `**/` is any number of folders (none too); a trailing `**` is anything.
			if (glob[i + 2] === "/") {
				body += "(?:[^/]*/)*";
				i += 3;
			} else {
				body += ".*";
				i += 2;
			}
		} else if (c === "*") {
			body += "[^/]*";
			i++;
		} else if (c === "?") {
			body += "[^/]";
			i++;
		} else if ((c === "[" || c === "{") && glob.indexOf(c === "[" ? "]" : "}", i + 1) !== -1) {
			// A class, or a list of alternatives; an unclosed bracket is a plain character (the last branch).
			const close = glob.indexOf(c === "[" ? "]" : "}", i + 1);
			const inner = glob.slice(i + 1, close);
			body +=
				c === "["
					? `[${inner.replace(/^!/, "^")}]`
					: `(?:${inner
							.split(",")
							.map((part) => translate(part, 0, false).body)
							.join("|")})`;
			i = close + 1;
		} else {
			body += escapeChar(c);
			i++;
		}
	}
	return { body, end: i };
}

/** `glob` as an anchored regular expression over `/`-separated paths. */
export function globToRegExp(glob: string): RegExp {
	return new RegExp(`^${translate(glob, 0, false).body}$`);
}
