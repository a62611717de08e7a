import { HttpService } from "@rbxts/services";

/**
 * Finds the first value in `value` that a DataStore cannot store, and names its path ("Data.Items[3]").
 * Returns undefined when everything can be stored.
 * @internal
 */
export function findUnstorable(value: unknown, path: string, seen = new Set<object>()): string | undefined {
	const kind = typeOf(value);
	if (kind === "string") {
		return utf8.len(value as string)[0] === undefined ? `${path} is a string that is not valid UTF-8` : undefined;
	}
	if (kind === "number") {
		const n = value as number;
		if (n !== n) return `${path} is NaN`;
		if (n === math.huge || n === -math.huge) return `${path} is infinite`;
		return undefined;
	}
	if (kind === "boolean" || kind === "nil") return undefined;
	if (kind !== "table") return `${path} is a ${kind}`;
	const t = value as object;
	if (seen.has(t)) return `${path} is a reference to a table that contains it`;
	seen.add(t);
	let count = 0;
	let strings = 0;
	let maxIndex = 0;
	for (const [k] of pairs(t as Map<unknown, unknown>)) {
		count += 1;
		if (typeIs(k, "string")) {
			strings += 1;
		} else if (typeIs(k, "number") && k % 1 === 0 && k >= 1) {
			maxIndex = math.max(maxIndex, k);
		} else {
			return `${path} has a key that is not a string or a positive whole number (${tostring(k)})`;
		}
	}
	if (strings > 0 && strings < count) return `${path} is a mixed table (both array and dictionary keys)`;
	if (strings === 0 && count > 0 && maxIndex !== count) return `${path} is a sparse array (it has gaps)`;
	for (const [k, v] of pairs(t as Map<unknown, unknown>)) {
		const childPath = typeIs(k, "string")
			? k.match("^[%a_][%w_]*$")[0] !== undefined
				? `${path}.${k}`
				: `${path}[${string.format("%q", k)}]`
			: `${path}[${tostring(k)}]`;
		const problem = findUnstorable(v, childPath, seen);
		if (problem !== undefined) return problem;
	}
	seen.delete(t);
	return undefined;
}

/** Length of the JSON a DataStore would store for `value` (which must be storable). @internal */
export function encodedLength(value: unknown): number {
	return HttpService.JSONEncode(value).size();
}

/** DataStore error codes for a value, metadata or user id list the DataStore refuses to store. */
const REFUSAL_CODES = new Set([104, 105, 511, 512, 513]);

/** Whether a DataStore error message ("104: Cannot store ...") says the value itself was refused. @internal */
export function isValueRefusal(message: string): boolean {
	const [code] = message.match("^(%d+):");
	return code !== undefined && REFUSAL_CODES.has(tonumber(code) ?? 0);
}
