/**
 * Adds coverage counters to the Luau that roblox-ts emits, line structure kept (so places still map to TypeScript):
 * a counter before each statement that starts a line, and one at the start of each arm of every `if` statement
 * (`then`, `elseif ... then`, `else`). The counters live in one table per file, which the engine hands out
 * (`__rbxts_coverage(key, size)`, runtime/engine/Coverage.luau) and sends back at the end of the run.
 *
 * The statements are found by a scan of the tokens, not a full parse: roblox-ts writes one statement per line, so a
 * statement starts where a line starts at block level (no bracket open since the innermost block began) and the
 * line before did not end in the middle of an expression. Luau's `if` expressions (`if a then b else c`, roblox-ts's
 * `?:`) open no block and are not counted as branches.
 */

export interface Instrumented {
	source: string;
	/** The number of counters (ids 1..size). */
	size: number;
	/** Each counted statement: its counter and its (1-based) Luau line. */
	statements: Array<{ id: number; line: number }>;
	/** Each `if` statement: its own counter (how often it ran), its line, and a counter per arm. */
	branches: Array<{ id: number; line: number; arms: number[]; hasElse: boolean }>;
}

interface Token {
	text: string;
	kind: "name" | "keyword" | "string" | "number" | "punct";
	start: number;
	end: number;
	line: number;
	/** Whether no other token comes before it on its line. */
	first: boolean;
}

const KEYWORDS = new Set([
	"and",
	"break",
	"do",
	"else",
	"elseif",
	"end",
	"false",
	"for",
	"function",
	"if",
	"in",
	"local",
	"nil",
	"not",
	"or",
	"repeat",
	"return",
	"then",
	"true",
	"until",
	"while",
]);

/** Luau's operators of more than one character, longest first (as the scan must try them). */
const PUNCTUATION = "... //= ..= == ~= <= >= .. :: -> += -= *= /= %= ^= //".split(" ");

/** After one of these a line goes on with the same expression: the next line is not a new statement. */
const CONTINUES = new Set([
	..."and or not in = , . : + - * / % ^ # < >".split(" "),
	...PUNCTUATION.filter((op) => op !== "..."),
]);

/** No statement starts with one of these. */
const NOT_A_START = new Set(["end", "else", "elseif", "until", "then", "do", ")", "}", "]", "in", ...CONTINUES]);

/** Before an `if`, one of these makes it an `if` expression. */
const EXPECTS_EXPRESSION = new Set([...CONTINUES, "(", "[", "{", "return", "local"]);

function tokenize(text: string): Token[] {
	const tokens: Token[] = [];
	let i = 0;
	let line = 1;
	let lineHasToken = false;
	const push = (kind: Token["kind"], start: number, end: number, startLine: number) => {
		tokens.push({ text: text.slice(start, end), kind, start, end, line: startLine, first: !lineHasToken });
		lineHasToken = true;
	};
	const skipTo = (end: number) => {
		for (let k = i; k < end; k++) {
			if (text.charCodeAt(k) === 10) {
				line++;
				lineHasToken = false;
			}
		}
		i = end;
	};
	/** A string token from `i` to `end` (it may span lines). */
	const stringToken = (end: number) => {
		const start = i;
		const startLine = line;
		const first = !lineHasToken;
		skipTo(end);
		lineHasToken = true;
		tokens.push({ text: text.slice(start, i), kind: "string", start, end: i, line: startLine, first });
	};
	const longBracket = (at: number) => /^\[(=*)\[/.exec(text.slice(at, at + 64));
	while (i < text.length) {
		const c = text[i];
		if (c === "\n") {
			line++;
			lineHasToken = false;
			i++;
		} else if (c === " " || c === "\t" || c === "\r") {
			i++;
		} else if (c === "-" && text[i + 1] === "-") {
			const long = longBracket(i + 2);
			if (long) {
				const close = text.indexOf(`]${long[1]}]`, i);
				skipTo(close === -1 ? text.length : close + long[1].length + 2);
			} else {
				const close = text.indexOf("\n", i);
				i = close === -1 ? text.length : close;
			}
		} else if (c === '"' || c === "'") {
			let j = i + 1;
			while (j < text.length && text[j] !== c) j += text[j] === "\\" ? 2 : 1;
			stringToken(j + 1);
		} else if (c === "`") {
			// An interpolated string: its `{...}` parts may hold strings of their own.
			let j = i + 1;
			let depth = 0;
			while (j < text.length) {
				const d = text[j];
				if (d === "\\") j += 2;
				else if (depth === 0 && d === "`") break;
				else {
					if (d === "{") depth++;
					else if (d === "}") depth--;
					j++;
				}
			}
			stringToken(j + 1);
		} else if (c === "[" && longBracket(i)) {
			const long = longBracket(i)!;
			const close = text.indexOf(`]${long[1]}]`, i);
			stringToken(close === -1 ? text.length : close + long[1].length + 2);
		} else if (/[A-Za-z_]/.test(c)) {
			const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 256))!;
			push(KEYWORDS.has(match[0]) ? "keyword" : "name", i, i + match[0].length, line);
			i += match[0].length;
		} else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(text[i + 1] ?? ""))) {
			const match = /^(0[xX][0-9a-fA-F_]+|0[bB][01_]+|[0-9_]*\.?[0-9_]*(?:[eE][+-]?[0-9]+)?)/.exec(
				text.slice(i, i + 128),
			)!;
			const length = Math.max(1, match[0].length);
			push("number", i, i + length, line);
			i += length;
		} else {
			const op = PUNCTUATION.find((candidate) => text.startsWith(candidate, i)) ?? c;
			push("punct", i, i + op.length, line);
			i += op.length;
		}
	}
	return tokens;
}

type Frame = "block" | "(" | "[" | "{" | "params" | "ifexpr" | "ifcond";

/** The Luau source with its counters, and where each counter is. */
export function instrumentLuau(text: string, key: string): Instrumented {
	const tokens = tokenize(text);
	const stack: Frame[] = [];
	const inserts: Array<{ at: number; text: string }> = [];
	const statements: Instrumented["statements"] = [];
	const branches: Instrumented["branches"] = [];
	/** The `if` statements whose arms are being read, innermost last. */
	const openIfs: Array<Instrumented["branches"][number]> = [];
	/** Per block frame on the stack: whether it is an `if` statement's arm (its `end` closes the `if`). */
	const blockIsIf: boolean[] = [];
	let size = 0;
	let pendingFunction = false;
	const top = () => stack[stack.length - 1];
	const counter = () => ++size;
	const count = (at: number, id: number) => inserts.push({ at, text: `__rbxts_cov[${id}]+=1;` });
	const pushBlock = (isIf: boolean) => {
		stack.push("block");
		blockIsIf.push(isIf);
	};
	const popBlock = () => {
		while (stack.length > 0 && top() !== "block") stack.pop();
		stack.pop();
		return blockIsIf.pop() ?? false;
	};
	for (let k = 0; k < tokens.length; k++) {
		const token = tokens[k];
		const previous = tokens[k - 1];
		const atBlockLevel = stack.length === 0 || top() === "block";
		const startsStatement =
			atBlockLevel &&
			(token.first || previous?.text === ";") &&
			!NOT_A_START.has(token.text) &&
			(previous === undefined || !CONTINUES.has(previous.text));
		let statementId: number | undefined;
		if (startsStatement) {
			statementId = counter();
			statements.push({ id: statementId, line: token.line });
			count(token.start, statementId);
		}
		switch (token.text) {
			case "function":
				if (token.kind === "keyword") pendingFunction = true;
				break;
			case "(":
				stack.push(pendingFunction ? "params" : "(");
				pendingFunction = false;
				break;
			case "[":
			case "{":
				stack.push(token.text);
				break;
			case ")":
			case "]":
			case "}": {
				const frame = stack.pop();
				if (frame === "params") pushBlock(false);
				break;
			}
			case "if": {
				if (token.kind !== "keyword") break;
				const expression =
					previous !== undefined &&
					(EXPECTS_EXPRESSION.has(previous.text) ||
						(["then", "else", "elseif"].includes(previous.text) && top() === "ifexpr"));
				if (expression) {
					stack.push("ifexpr");
				} else {
					const branch = { id: statementId ?? counter(), line: token.line, arms: [], hasElse: false };
					if (statementId === undefined) count(token.start, branch.id);
					branches.push(branch);
					openIfs.push(branch);
					stack.push("ifcond");
				}
				break;
			}
			case "then":
				if (top() === "ifcond") {
					stack.pop();
					pushBlock(true);
					const arm = counter();
					openIfs[openIfs.length - 1].arms.push(arm);
					count(token.end, arm);
					inserts[inserts.length - 1].text = ` ${inserts[inserts.length - 1].text}`;
				}
				break;
			case "elseif":
				if (top() === "block" && blockIsIf[blockIsIf.length - 1]) {
					popBlock();
					stack.push("ifcond");
				}
				break;
			case "else":
				if (top() === "ifexpr") {
					stack.pop();
				} else if (top() === "block" && blockIsIf[blockIsIf.length - 1]) {
					popBlock();
					pushBlock(true);
					const branch = openIfs[openIfs.length - 1];
					branch.hasElse = true;
					const arm = counter();
					branch.arms.push(arm);
					count(token.end, arm);
					inserts[inserts.length - 1].text = ` ${inserts[inserts.length - 1].text}`;
				}
				break;
			case "do":
			case "repeat":
				if (token.kind === "keyword") pushBlock(false);
				break;
			case "end":
			case "until":
				if (token.kind === "keyword" && popBlock()) openIfs.pop();
				break;
		}
	}
	let source = text;
	for (const insert of inserts.sort((a, b) => b.at - a.at)) {
		source = source.slice(0, insert.at) + insert.text + source.slice(insert.at);
	}
	// The counters' table, on the first line (line numbers stay as they were).
	source = `local __rbxts_cov = __rbxts_coverage(${JSON.stringify(key)}, ${size});${source}`;
	return { source, size, statements, branches };
}
