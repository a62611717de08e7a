/**
 * JSON Patch (RFC 6902) over a profile's Data, with the semantics of the game side (the library's src/AdminEdit.ts),
 * so that a patch the tool writes itself (released profile) and one it sends to the game (held profile) mean the
 * same thing: paths are JSON Pointers (RFC 6901) into Data, "" is Data itself, every `test` must hold, and either
 * every operation applies or none does.
 */
import { CliError } from "./CliError.js";
import { clone } from "./ProfileValue.js";

export interface PatchOperation {
	op: "add" | "remove" | "replace" | "move" | "copy" | "test";
	path: string;
	value?: unknown;
	from?: string;
}

const OPS = new Set(["add", "remove", "replace", "move", "copy", "test"]);

type Container = Record<string, unknown> | unknown[];

function tokens(pointer: string): string[] {
	if (pointer === "") return [];
	if (!pointer.startsWith("/")) throw new Error(`path "${pointer}" does not start with "/"`);
	return pointer
		.slice(1)
		.split("/")
		.map((token) => token.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function arrayIndex(token: string): number | undefined {
	return /^(0|[1-9]\d*)$/.test(token) ? Number(token) : undefined;
}

function isContainer(value: unknown): value is Container {
	return typeof value === "object" && value !== null;
}

function child(container: unknown, token: string): unknown {
	if (!isContainer(container)) return undefined;
	if (Array.isArray(container)) {
		const index = arrayIndex(token);
		return index !== undefined ? container[index] : undefined;
	}
	return Object.prototype.hasOwnProperty.call(container, token) ? container[token] : undefined;
}

function parentOf(root: Container, path: string): [Container, string] {
	const list = tokens(path);
	let current: unknown = root;
	let above: Container = root;
	for (const token of list.slice(0, -1)) {
		above = current as Container;
		current = child(current, token);
		if (current === undefined) throw new Error(`path "${path}": nothing at ${token}`);
	}
	if (!isContainer(current)) throw new Error(`path "${path}" is inside a ${typeof current}`);
	const last = list[list.length - 1];
	// The game stores an empty table as []: like Luau's, it is also an empty object when a name goes in it.
	if (Array.isArray(current) && current.length === 0 && last !== "-" && arrayIndex(last) === undefined) {
		const object = {};
		(above as Record<string, unknown>)[list[list.length - 2]] = object;
		current = object;
	}
	return [current as Container, last];
}

function valueAt(root: Container, path: string): unknown {
	let current: unknown = root;
	for (const token of tokens(path)) {
		current = child(current, token);
		if (current === undefined) return undefined;
	}
	return current;
}

function replaceRoot(root: Record<string, unknown>, value: unknown) {
	if (!isContainer(value) || Array.isArray(value)) throw new Error("Data must stay an object");
	for (const key of Object.keys(root)) delete root[key];
	Object.assign(root, clone(value));
}

function add(root: Record<string, unknown>, path: string, value: unknown) {
	if (value === undefined) throw new Error(`"add" at "${path}" has no value`);
	if (path === "") return replaceRoot(root, value);
	const [parent, token] = parentOf(root, path);
	if (Array.isArray(parent)) {
		if (token === "-") return void parent.push(clone(value));
		const index = arrayIndex(token);
		if (index === undefined || index > parent.length) {
			throw new Error(`"add" at "${path}": ${token} is not an index of a list of ${parent.length}`);
		}
		return void parent.splice(index, 0, clone(value));
	}
	parent[token] = clone(value);
}

function remove(root: Record<string, unknown>, path: string): unknown {
	if (path === "") throw new Error(`"remove" cannot remove Data itself`);
	const [parent, token] = parentOf(root, path);
	const existing = child(parent, token);
	if (existing === undefined) throw new Error(`"remove": nothing at "${path}"`);
	if (Array.isArray(parent)) parent.splice(arrayIndex(token)!, 1);
	else delete parent[token];
	return existing;
}

function replace(root: Record<string, unknown>, path: string, value: unknown) {
	if (value === undefined) throw new Error(`"replace" at "${path}" has no value`);
	if (path === "") return replaceRoot(root, value);
	const [parent, token] = parentOf(root, path);
	if (child(parent, token) === undefined) throw new Error(`"replace": nothing at "${path}"`);
	if (Array.isArray(parent)) parent[arrayIndex(token)!] = clone(value);
	else parent[token] = clone(value);
}

/** Structural equality of JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (!isContainer(a) || !isContainer(b) || Array.isArray(a) !== Array.isArray(b)) return false;
	const keysA = Object.keys(a);
	const keysB = Object.keys(b);
	if (keysA.length !== keysB.length) return false;
	return keysA.every((key) => jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

function describe(value: unknown): string {
	return value === undefined ? "nothing" : JSON.stringify(value);
}

function applyOperation(root: Record<string, unknown>, operation: PatchOperation) {
	const { op, path, value, from } = operation;
	if (op === "add") add(root, path, value);
	else if (op === "remove") remove(root, path);
	else if (op === "replace") replace(root, path, value);
	else if (op === "move") add(root, path, remove(root, from!));
	else if (op === "copy") {
		const copied = valueAt(root, from!);
		if (copied === undefined) throw new Error(`"copy": nothing at "${from}"`);
		add(root, path, copied);
	} else if (op === "test") {
		const actual = valueAt(root, path);
		if (!jsonEqual(actual, value)) {
			throw new Error(
				`"test" failed at "${path}": the value is ${describe(actual)}, the edit expected ${describe(value)}`,
			);
		}
	}
}

/** Data with the patch applied (a copy), or the problem that stopped it; `data` is not changed. */
export function applyPatch(
	data: Record<string, unknown>,
	patch: PatchOperation[],
): { data: Record<string, unknown> } | { problem: string } {
	const copy = clone(data);
	try {
		patch.forEach((operation) => applyOperation(copy, operation));
	} catch (err) {
		return { problem: (err as Error).message };
	}
	return { data: copy };
}

/** Whether a JSON value holds null anywhere (a DataStore value cannot: Luau has no null in tables). */
export function hasNull(value: unknown): boolean {
	if (value === null) return true;
	if (!isContainer(value)) return false;
	return Object.values(value).some(hasNull);
}

/**
 * Checks that `input` is a patch this tool can send: a list of operations with known ops, string paths, a `from`
 * where needed, and no null anywhere (a DataStore value cannot hold nil). `source` names the input in errors.
 */
export function parsePatch(input: unknown, source: string): PatchOperation[] {
	const fail = (message: string) => {
		throw CliError.usage(`edit: ${source}: ${message}`);
	};
	if (!Array.isArray(input))
		fail('a JSON Patch is a list of operations, like [{ "op": "replace", "path": "/Coins", "value": 10 }]');
	(input as unknown[]).forEach((operation, index) => {
		const at = `operation ${index + 1}`;
		if (!isContainer(operation) || Array.isArray(operation)) return fail(`${at} is not an object`);
		const { op, path, from } = operation as Record<string, unknown>;
		if (typeof op !== "string" || !OPS.has(op)) {
			return fail(`${at} has op ${JSON.stringify(op)}; expected add, remove, replace, move, copy or test`);
		}
		if (typeof path !== "string" || (path !== "" && !path.startsWith("/"))) {
			return fail(
				`${at} has path ${JSON.stringify(path)}; expected a JSON Pointer such as "/Coins" or "/Items/0"`,
			);
		}
		if ((op === "move" || op === "copy") && typeof from !== "string")
			return fail(`${at} (${op}) needs a "from" path`);
		if ((op === "add" || op === "replace" || op === "test") && !("value" in operation)) {
			return fail(`${at} (${op}) needs a "value"`);
		}
		if (hasNull((operation as Record<string, unknown>).value)) {
			return fail(`${at} has a null value; a DataStore value cannot hold null (remove the field instead)`);
		}
	});
	return input as PatchOperation[];
}
