import { HttpService } from "@rbxts/services";
import { Settings } from "./Constants";

/** The path of `key` inside the value at `path`: `Data.Items`, `Data["my key"]`, `Data.Items[3]`. @internal */
export function childPath(path: string, key: unknown): string {
	if (!typeIs(key, "string")) return `${path}[${tostring(key)}]`;
	return key.match("^[%a_][%w_]*$")[0] !== undefined ? `${path}.${key}` : `${path}[${string.format("%q", key)}]`;
}

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
		const problem = findUnstorable(v, childPath(path, k), seen);
		if (problem !== undefined) return problem;
	}
	seen.delete(t);
	return undefined;
}

/** Length of the JSON a DataStore would store for `value` (which must be storable). @internal */
export function encodedLength(value: unknown): number {
	return HttpService.JSONEncode(value).size();
}

/**
 * What a DataStore refuses about a value as a whole: an unstorable part (named by its path) or an encoded size over
 * the value limit. Walks and encodes the value, so it runs on the calls that bring a value in, not on saves.
 * @internal
 */
export function storableProblem(value: unknown, path: string): string | undefined {
	const problem = findUnstorable(value, path);
	if (problem !== undefined) return problem;
	const size = encodedLength(value);
	if (size > Settings.MaxValueLength) {
		return `${path} is ${size} characters once encoded, over the DataStore limit of ${Settings.MaxValueLength}`;
	}
	return undefined;
}

/**
 * What the DataStore refuses about key metadata (`RobloxMetaData`): not a table, an unstorable value, a key over 50
 * characters, a value over 250 characters or a total over 300 once encoded. Metadata is small by these limits, so
 * checking it on every save stays cheap.
 * @internal
 */
export function metadataProblem(metadata: unknown, path: string): string | undefined {
	if (typeOf(metadata) !== "table") return `${path} is a ${typeOf(metadata)}, not a table`;
	for (const [k, v] of pairs(metadata as Map<unknown, unknown>)) {
		if (!typeIs(k, "string")) return `${path} has a key that is not a string (${tostring(k)})`;
		if (k.size() > Settings.MaxMetadataKeyLength) {
			return `${path} has a key of ${k.size()} characters, over the DataStore limit of ${Settings.MaxMetadataKeyLength}`;
		}
		const problem = findUnstorable(v, childPath(path, k));
		if (problem !== undefined) return problem;
		const size = encodedLength(v);
		if (size > Settings.MaxMetadataValueLength) {
			return `${childPath(path, k)} is ${size} characters once encoded, over the DataStore limit of ${Settings.MaxMetadataValueLength}`;
		}
	}
	const size = encodedLength(metadata);
	if (size > Settings.MaxMetadataLength) {
		return `${path} is ${size} characters once encoded, over the DataStore limit of ${Settings.MaxMetadataLength}`;
	}
	return undefined;
}

/**
 * What the DataStore refuses about a key's user ids (`UserIds`): not an array of whole numbers, or more than 4 of
 * them. At most 4 entries when valid, so checking on every save stays cheap.
 * @internal
 */
export function userIdsProblem(userIds: unknown, path: string): string | undefined {
	if (typeOf(userIds) !== "table") return `${path} is a ${typeOf(userIds)}, not a table`;
	const problem = findUnstorable(userIds, path);
	if (problem !== undefined) return problem;
	let count = 0;
	for (const [k, v] of pairs(userIds as Map<unknown, unknown>)) {
		count += 1;
		if (!typeIs(k, "number")) return `${path} is a dictionary, not an array of user ids`;
		if (!typeIs(v, "number") || v % 1 !== 0) return `${childPath(path, k)} is not a whole number (${tostring(v)})`;
	}
	if (count > Settings.MaxUserIds) {
		return `${path} holds ${count} user ids, over the DataStore limit of ${Settings.MaxUserIds}`;
	}
	return undefined;
}

/** DataStore error codes for a value, metadata or user id list the DataStore refuses to store. */
const REFUSAL_CODES = new Set([104, 105, 511, 512, 513]);

/** Whether a DataStore error message ("104: Cannot store ...") says the value itself was refused. @internal */
export function isValueRefusal(message: string): boolean {
	const [code] = message.match("^(%d+):");
	return code !== undefined && REFUSAL_CODES.has(tonumber(code) ?? 0);
}
