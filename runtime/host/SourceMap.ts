/**
 * Maps lines of the Luau that roblox-ts emits back to the TypeScript they came from.
 *
 * roblox-ts writes no source maps, so the map is rebuilt after the compile: both files are cut into the tokens that
 * survive compilation (identifiers, string and number literals, `true`/`false`/`nil`/`self`), the two token
 * sequences are aligned as a diff aligns lines (unique tokens first, then a longest common subsequence between
 * them), and each Luau line takes the TypeScript line of the first of its tokens that found a partner. Lines without
 * one take the line of the nearest mapped Luau line above them.
 */
import type * as TS from "typescript";

/** A token that survives compilation, with the (1-based) line it sits on and, in TypeScript, its position. */
export interface Token {
	text: string;
	line: number;
	pos?: number;
}

const LUAU_KEYWORDS = new Set([
	"and",
	"break",
	"continue",
	"do",
	"else",
	"elseif",
	"end",
	"for",
	"function",
	"if",
	"in",
	"local",
	"not",
	"or",
	"repeat",
	"return",
	"then",
	"until",
	"while",
]);

/** The TypeScript tokens roblox-ts carries over into Luau; types and other erased syntax are left out. */
export function typescriptTokens(ts: typeof TS, file: TS.SourceFile): Token[] {
	const tokens: Token[] = [];
	const push = (value: string, node: TS.Node) => {
		const pos = node.getStart(file);
		tokens.push({ text: value, line: file.getLineAndCharacterOfPosition(pos).line + 1, pos });
	};
	const visit = (node: TS.Node): void => {
		// Erased at compile time: nothing of them reaches the Luau.
		if (
			ts.isTypeNode(node) ||
			ts.isInterfaceDeclaration(node) ||
			ts.isTypeAliasDeclaration(node) ||
			(ts.isImportDeclaration(node) && node.importClause?.isTypeOnly) ||
			node.kind === ts.SyntaxKind.DeclareKeyword
		) {
			return;
		}
		switch (node.kind) {
			case ts.SyntaxKind.Identifier:
				push((node as TS.Identifier).text === "undefined" ? "nil" : (node as TS.Identifier).text, node);
				return;
			case ts.SyntaxKind.PrivateIdentifier:
				push((node as TS.PrivateIdentifier).text.slice(1), node);
				return;
			case ts.SyntaxKind.StringLiteral:
			case ts.SyntaxKind.NoSubstitutionTemplateLiteral:
			case ts.SyntaxKind.TemplateHead:
			case ts.SyntaxKind.TemplateMiddle:
			case ts.SyntaxKind.TemplateTail:
				if ((node as TS.LiteralLikeNode).text !== "") push(`"${(node as TS.LiteralLikeNode).text}`, node);
				return;
			case ts.SyntaxKind.NumericLiteral:
				push(String(Number((node as TS.NumericLiteral).text)), node);
				return;
			case ts.SyntaxKind.TrueKeyword:
				push("true", node);
				return;
			case ts.SyntaxKind.FalseKeyword:
				push("false", node);
				return;
			case ts.SyntaxKind.ThisKeyword:
				push("self", node);
				return;
		}
		ts.forEachChild(node, visit);
	};
	visit(file);
	return tokens;
}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", a: "\x07", b: "\b", f: "\f", v: "\v", "0": "\0" };

/** Decodes the escapes of a quoted Luau string body. */
function unescapeLuau(body: string): string {
	return body.replace(/\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|\d{1,3}|z\s*|[\s\S])/g, (_, escape: string) => {
		if (escape[0] === "x") return String.fromCharCode(parseInt(escape.slice(1), 16));
		if (escape[0] === "u") return String.fromCodePoint(parseInt(escape.slice(2, -1), 16));
		if (/^\d/.test(escape)) return String.fromCharCode(Number(escape));
		if (escape[0] === "z") return "";
		return ESCAPES[escape] ?? escape;
	});
}

/** The tokens of a Luau chunk that can have come from TypeScript: names, strings, numbers, true/false/nil/self. */
export function luauTokens(text: string): Token[] {
	const tokens: Token[] = [];
	let line = 1;
	let i = 0;
	// Open interpolated strings: each entry counts the braces open inside the current `{...}` expression.
	const interpolation: number[] = [];
	const countLines = (from: number, to: number) => {
		for (let k = from; k < to; k++) if (text.charCodeAt(k) === 10) line++;
	};
	/** Reads an interpolated string's text from `i` up to its next `{` or closing backtick. */
	const readInterpolated = () => {
		const start = i;
		const startLine = line;
		while (i < text.length && text[i] !== "`" && text[i] !== "{") i += text[i] === "\\" ? 2 : 1;
		const body = unescapeLuau(text.slice(start, i));
		if (body !== "") tokens.push({ text: `"${body}`, line: startLine });
		countLines(start, i);
		if (text[i] === "{") interpolation.push(0);
		i++;
	};
	while (i < text.length) {
		const c = text[i];
		if (c === "\n") {
			line++;
			i++;
		} else if (c === "-" && text[i + 1] === "-") {
			const long = /^--\[(=*)\[/.exec(text.slice(i, i + 40));
			const end = long ? text.indexOf(`]${long[1]}]`, i) : text.indexOf("\n", i);
			const stop = end === -1 ? text.length : long ? end + long[1].length + 2 : end;
			countLines(i, stop);
			i = stop;
		} else if (/[A-Za-z_]/.test(c)) {
			const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 200))!;
			if (!LUAU_KEYWORDS.has(match[0])) tokens.push({ text: match[0], line });
			i += match[0].length;
		} else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(text[i + 1] ?? ""))) {
			const match = /^(0[xX][0-9a-fA-F_]+|0[bB][01_]+|[0-9_]*\.?[0-9_]+(?:[eE][+-]?[0-9]+)?)/.exec(
				text.slice(i, i + 100),
			)!;
			tokens.push({ text: String(Number(match[0].replace(/_/g, ""))), line });
			i += match[0].length;
		} else if (c === '"' || c === "'") {
			let j = i + 1;
			while (j < text.length && text[j] !== c) j += text[j] === "\\" ? 2 : 1;
			tokens.push({ text: `"${unescapeLuau(text.slice(i + 1, j))}`, line });
			countLines(i, j);
			i = j + 1;
		} else if (c === "[" && /^\[=*\[/.test(text.slice(i, i + 40))) {
			const open = /^\[(=*)\[/.exec(text.slice(i, i + 40))!;
			const close = `]${open[1]}]`;
			const end = text.indexOf(close, i);
			const stop = end === -1 ? text.length : end;
			// A long string drops a newline right after its opening bracket.
			const body = text.slice(i + open[0].length, stop).replace(/^\r?\n/, "");
			tokens.push({ text: `"${body}`, line });
			countLines(i, stop);
			i = stop + close.length;
		} else if (c === "`") {
			i++;
			readInterpolated();
		} else if (c === "{" && interpolation.length > 0) {
			interpolation[interpolation.length - 1]++;
			i++;
		} else if (c === "}" && interpolation.length > 0) {
			i++;
			if (interpolation[interpolation.length - 1]-- === 0) {
				interpolation.pop();
				readInterpolated();
			}
		} else {
			i++;
		}
	}
	return tokens;
}

/** Pairs of indices (a, b) of equal tokens, increasing in both, as long as a common subsequence as can be found. */
export function alignTokens(a: string[], b: string[]): Array<[number, number]> {
	const aligner = new Aligner(a, b);
	aligner.align(0, a.length, 0, b.length);
	return aligner.pairs.sort((x, y) => x[0] - y[0]);
}

/** The largest gap (in cells) the quadratic LCS fills; larger gaps without a unique anchor stay unmatched. */
const MAX_LCS_CELLS = 4_000_000;

/** Aligns two token sequences range by range, collecting the matched index pairs. */
class Aligner {
	readonly pairs: Array<[number, number]> = [];

	constructor(
		private readonly a: string[],
		private readonly b: string[],
	) {}

	/** Aligns a[aLo, aHi) with b[bLo, bHi). */
	align(aLo: number, aHi: number, bLo: number, bHi: number): void {
		const { a, b, pairs } = this;
		while (aLo < aHi && bLo < bHi && a[aLo] === b[bLo]) pairs.push([aLo++, bLo++]);
		while (aLo < aHi && bLo < bHi && a[aHi - 1] === b[bHi - 1]) pairs.push([--aHi, --bHi]);
		if (aLo >= aHi || bLo >= bHi) return;
		const anchors = this.uniqueAnchors(aLo, aHi, bLo, bHi);
		if (anchors.length > 0) {
			let prevA = aLo;
			let prevB = bLo;
			for (const [i, j] of anchors) {
				this.align(prevA, i, prevB, j);
				pairs.push([i, j]);
				prevA = i + 1;
				prevB = j + 1;
			}
			this.align(prevA, aHi, prevB, bHi);
		} else if ((aHi - aLo) * (bHi - bLo) <= MAX_LCS_CELLS) {
			this.lcs(aLo, aHi, bLo, bHi);
		}
	}

	/** Patience diff's anchors: tokens that occur once in each range, kept where their order agrees (longest run). */
	private uniqueAnchors(aLo: number, aHi: number, bLo: number, bHi: number) {
		const { a, b } = this;
		const countA = new Map<string, number>();
		for (let i = aLo; i < aHi; i++) countA.set(a[i], (countA.get(a[i]) ?? 0) + 1);
		const inB = new Map<string, number>();
		const countB = new Map<string, number>();
		for (let j = bLo; j < bHi; j++) {
			countB.set(b[j], (countB.get(b[j]) ?? 0) + 1);
			inB.set(b[j], j);
		}
		const candidates: Array<[number, number]> = [];
		for (let i = aLo; i < aHi; i++) {
			if (countA.get(a[i]) === 1 && countB.get(a[i]) === 1) candidates.push([i, inB.get(a[i])!]);
		}
		// Longest increasing subsequence of the b positions (patience sorting).
		const tails: number[] = [];
		const previous: number[] = new Array<number>(candidates.length);
		for (let k = 0; k < candidates.length; k++) {
			let lo = 0;
			let hi = tails.length;
			while (lo < hi) {
				const mid = (lo + hi) >> 1;
				if (candidates[tails[mid]][1] < candidates[k][1]) lo = mid + 1;
				else hi = mid;
			}
			previous[k] = lo > 0 ? tails[lo - 1] : -1;
			tails[lo] = k;
		}
		const out: Array<[number, number]> = [];
		for (let k = tails.length > 0 ? tails[tails.length - 1] : -1; k !== -1; k = previous[k])
			out.push(candidates[k]);
		return out.reverse();
	}

	/** The classic quadratic longest common subsequence, for a gap without unique anchors. */
	private lcs(aLo: number, aHi: number, bLo: number, bHi: number) {
		const { a, b, pairs } = this;
		const n = aHi - aLo;
		const m = bHi - bLo;
		const table = new Uint16Array((n + 1) * (m + 1));
		for (let i = n - 1; i >= 0; i--) {
			for (let j = m - 1; j >= 0; j--) {
				table[i * (m + 1) + j] =
					a[aLo + i] === b[bLo + j]
						? table[(i + 1) * (m + 1) + j + 1] + 1
						: Math.max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1]);
			}
		}
		let i = 0;
		let j = 0;
		while (i < n && j < m) {
			if (a[aLo + i] === b[bLo + j]) {
				pairs.push([aLo + i++, bLo + j++]);
			} else if (table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1]) {
				i++;
			} else {
				j++;
			}
		}
	}
}

/**
 * The line a position reports as: the first line of the innermost statement (or class member, object property, or
 * arrow function's expression body) around it. roblox-ts often moves part of a statement to lines of its own (a
 * multi-line `expect(...)` becomes temporaries and a last line that holds only `.to.equal(...)`); the statement's
 * first line is where a reader looks for it.
 */
function reportedLine(ts: typeof TS, file: TS.SourceFile, pos: number): number {
	let best: TS.Node = file;
	const visit = (node: TS.Node): void => {
		if (pos < node.getStart(file) || pos >= node.getEnd()) return;
		const parent = node.parent as TS.Node | undefined;
		if (
			ts.isStatement(node) ||
			ts.isClassElement(node) ||
			ts.isPropertyAssignment(node) ||
			ts.isShorthandPropertyAssignment(node) ||
			(parent !== undefined && ts.isArrowFunction(parent) && parent.body === node)
		) {
			best = node;
		}
		ts.forEachChild(node, visit);
	};
	ts.forEachChild(file, visit);
	return file.getLineAndCharacterOfPosition(best === file ? pos : best.getStart(file)).line + 1;
}

/**
 * For each Luau line (index = line number), the TypeScript line it came from; 0 where nothing is known (the
 * roblox-ts header above the first mapped line).
 */
export function mapLines(ts: typeof TS, tsFileName: string, tsText: string, luauText: string, fill = true): number[] {
	const file = ts.createSourceFile(tsFileName, tsText, ts.ScriptTarget.Latest, true);
	const from = typescriptTokens(ts, file);
	const to = luauTokens(luauText);
	const lineCount = luauText.split("\n").length;
	const lines = new Array<number>(lineCount + 1).fill(0);
	for (const [i, j] of alignTokens(
		from.map((token) => token.text),
		to.map((token) => token.text),
	)) {
		const luauLine = to[j].line;
		// The first matched token of a Luau line stands for the line.
		if (lines[luauLine] === 0) lines[luauLine] = reportedLine(ts, file, from[i].pos!);
	}
	// Unmatched lines take the line above (a place in an error must name some line); coverage wants only matches.
	if (fill) for (let line = 1; line <= lineCount; line++) if (lines[line] === 0) lines[line] = lines[line - 1];
	return lines;
}
