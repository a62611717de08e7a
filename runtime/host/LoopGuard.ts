/**
 * Adds the watchdog's check (runtime/engine/Watchdog.luau) to Luau source: a call to `__rtWatchdog()` at the top of
 * every loop body, after each `do` and `repeat` keyword. luau-web exposes no interrupt callback and Luau has no debug
 * hook, so a thread that never yields can only be stopped from inside: this check is that way in.
 *
 * The line structure is kept (nothing is inserted across lines), so error positions still name the compiled file's
 * own lines.
 */

const CHECK = "__rtWatchdog()";
/** Bound once per chunk, so the check in a hot loop is a local call, not a global lookup through environments. */
const PREFIX = "local __rtWatchdog = __rtWatchdog; ";

const isIdentStart = (c: string) => /[A-Za-z_]/.test(c);
const isIdentPart = (c: string) => /[A-Za-z0-9_]/.test(c);

/** The index just past a long bracket (`[[ ]]`, `[==[ ]==]`) opening at `start`, or -1 when none opens there. */
function skipLongBracket(source: string, start: number): number {
	const open = /^\[(=*)\[/.exec(source.slice(start, start + 64));
	if (!open) return -1;
	const close = source.indexOf(`]${open[1]}]`, start + open[0].length);
	return close === -1 ? source.length : close + open[1].length + 2;
}

/** The index just past a quoted string opening at `start` with `quote`. */
function skipQuoted(source: string, start: number, quote: string): number {
	let i = start + 1;
	while (i < source.length && source[i] !== quote) {
		i += source[i] === "\\" ? 2 : 1;
	}
	return i + 1;
}

function instrument(source: string): string {
	let out = "";
	let last = 0;
	let i = 0;
	while (i < source.length) {
		const c = source[i];
		if (c === "-" && source[i + 1] === "-") {
			const long = skipLongBracket(source, i + 2);
			if (long !== -1) {
				i = long;
			} else {
				const newline = source.indexOf("\n", i);
				i = newline === -1 ? source.length : newline;
			}
		} else if (c === "[") {
			const long = skipLongBracket(source, i);
			i = long === -1 ? i + 1 : long;
		} else if (c === '"' || c === "'" || c === "`") {
			i = skipQuoted(source, i, c);
		} else if (/[0-9]/.test(c)) {
			// A number such as 0x1d or 1e5 holds letters that are no identifier.
			while (i < source.length && (isIdentPart(source[i]) || source[i] === ".")) i++;
		} else if (isIdentStart(c)) {
			const start = i;
			while (i < source.length && isIdentPart(source[i])) i++;
			const word = source.slice(start, i);
			const previous = source[start - 1];
			if ((word === "do" || word === "repeat") && previous !== "." && previous !== ":") {
				out += `${source.slice(last, i)} ${CHECK};`;
				last = i;
			}
		} else {
			i++;
		}
	}
	return PREFIX + out + source.slice(last);
}

const cache = new Map<string, string>();

/** `source` with the watchdog's loop checks, memoized: every simulated server compiles the same modules again. */
export function guardLoops(source: string): string {
	let guarded = cache.get(source);
	if (guarded === undefined) {
		guarded = instrument(source);
		cache.set(source, guarded);
	}
	return guarded;
}
