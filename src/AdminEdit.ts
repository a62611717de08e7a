/**
 * Edits that support tooling sends to a profile a server holds (`profileservice-admin edit` and `rollback` of
 * @rbxts-profile/admin, over Open Cloud). A tool outside the game must never write a held profile: the holder's next
 * save would overwrite it. It adds a global update instead, and the holder applies it to its live Data, exactly
 * once, through the global update protocol (an update is locked, applied with the Data, then cleared with it).
 *
 * The update carries a JSON Patch (RFC 6902) over Data. Its `test` operations must all hold on the live Data or
 * nothing is applied: the tool puts the values it saw there, so what the player did since is never overwritten.
 * The outcome is kept in MetaTags (ReceiptTag), where the tool reads it back.
 */
import type { GlobalUpdateData } from "./GlobalUpdates";
import { deepCopy, deepEqual } from "./internal/Payload";
import type { Profile } from "./Profile";

/** One JSON Patch operation (RFC 6902); paths are JSON Pointers (RFC 6901) into Data, "" being Data itself. */
export interface AdminPatchOperation {
	op: "add" | "remove" | "replace" | "move" | "copy" | "test";
	path: string;
	value?: unknown;
	from?: string;
}

/** What a game's handler receives as the global update's data. */
export interface AdminEditUpdate extends GlobalUpdateData {
	Type: typeof ADMIN_EDIT_TYPE;
	/** Chosen by the tool; names the receipt. */
	Id: string;
	Patch: AdminPatchOperation[];
	/** Free text from the tool's --reason, kept in the receipt. */
	Reason?: string;
}

/** How an edit ended, as kept in MetaTags[ReceiptTag] (the newest last). */
export interface AdminEditReceipt {
	Id: string;
	Result: "applied" | "refused";
	/** Why an edit was refused: the operation that failed, and how. */
	Problem?: string;
	Reason?: string;
	/** os.time() of the holder when it applied (or refused) the edit. */
	At: number;
}

const ADMIN_EDIT_TYPE = "ProfileServiceAdminEdit";
/** Receipts kept: enough for the tool to find its own while a few other edits follow. */
const RECEIPTS_KEPT = 10;

type Container = Map<unknown, unknown>;

/** A table whose keys are 1..n (an empty table is both an array and an object: the operation decides). */
function isArray(value: Container): boolean {
	let count = 0;
	for (const [key] of pairs(value)) {
		if (!typeIs(key, "number")) return false;
		count++;
	}
	return count === (value as unknown as defined[]).size();
}

function parsePointer(pointer: unknown): string[] {
	if (!typeIs(pointer, "string")) error(`path ${tostring(pointer)} is not a JSON Pointer string`, 0);
	if (pointer === "") return [];
	if (pointer.sub(1, 1) !== "/") error(`path "${pointer}" does not start with "/"`, 0);
	return pointer
		.sub(2)
		.split("/")
		.map((token) => token.gsub("~1", "/")[0].gsub("~0", "~")[0]);
}

/** The array index a token names: digits without a leading zero, or undefined. */
function arrayIndex(token: string): number | undefined {
	if (token === "0") return 0;
	return token.match("^[1-9]%d*$")[0] !== undefined ? tonumber(token) : undefined;
}

function child(container: unknown, token: string, path: string): unknown {
	if (!typeIs(container, "table")) error(`path "${path}": ${token} is inside a ${typeOf(container)}`, 0);
	const node = container as Container;
	if (node.get(token) !== undefined) return node.get(token);
	const index = arrayIndex(token);
	if (index !== undefined && isArray(node)) return (node as unknown as defined[])[index];
	return undefined;
}

/** The container holding the last token of `path`, and that token. Errors when a step on the way is missing. */
function parentOf(root: Container, path: string): [Container, string] {
	const tokens = parsePointer(path);
	let current: unknown = root;
	for (let i = 0; i < tokens.size() - 1; i++) {
		current = child(current, tokens[i], path);
		if (current === undefined) error(`path "${path}": nothing at ${tokens[i]}`, 0);
	}
	if (!typeIs(current, "table")) error(`path "${path}" is inside a ${typeOf(current)}`, 0);
	return [current as Container, tokens[tokens.size() - 1]];
}

function valueAt(root: Container, path: string): unknown {
	let current: unknown = root;
	for (const token of parsePointer(path)) {
		current = child(current, token, path);
		if (current === undefined) return undefined;
	}
	return current;
}

function replaceRoot(root: Container, value: unknown) {
	if (!typeIs(value, "table")) error(`Data must stay a table, not become a ${typeOf(value)}`, 0);
	root.clear();
	for (const [key, v] of pairs(value as Container)) root.set(key, deepCopy(v));
}

function add(root: Container, path: string, value: unknown) {
	if (value === undefined) error(`"add" at "${path}" has no value`, 0);
	if (path === "") return replaceRoot(root, value);
	const [parent, token] = parentOf(root, path);
	const copy = deepCopy(value) as defined;
	if (parent.get(token) === undefined && isArray(parent) && (token === "-" || arrayIndex(token) !== undefined)) {
		const list = parent as unknown as defined[];
		if (token === "-") {
			list.push(copy);
			return;
		}
		const index = arrayIndex(token)!;
		if (index > list.size()) error(`"add" at "${path}": index ${index} is past the end (${list.size()})`, 0);
		return list.insert(index, copy);
	}
	parent.set(token, copy);
}

function remove(root: Container, path: string): unknown {
	if (path === "") error(`"remove" cannot remove Data itself`, 0);
	const [parent, token] = parentOf(root, path);
	const existing = child(parent, token, path);
	if (existing === undefined) error(`"remove": nothing at "${path}"`, 0);
	if (parent.get(token) === undefined) {
		(parent as unknown as defined[]).remove(arrayIndex(token)!);
	} else parent.delete(token);
	return existing;
}

function replace(root: Container, path: string, value: unknown) {
	if (value === undefined) error(`"replace" at "${path}" has no value`, 0);
	if (path === "") return replaceRoot(root, value);
	const [parent, token] = parentOf(root, path);
	if (child(parent, token, path) === undefined) error(`"replace": nothing at "${path}"`, 0);
	if (parent.get(token) === undefined)
		(parent as unknown as defined[])[arrayIndex(token)!] = deepCopy(value) as defined;
	else parent.set(token, deepCopy(value));
}

function applyOperation(root: Container, operation: unknown, index: number) {
	if (!typeIs(operation, "table")) error(`operation ${index + 1} is not a table`, 0);
	const { op, path, value, from } = operation as AdminPatchOperation;
	if (op === "add") add(root, path, value);
	else if (op === "remove") remove(root, path);
	else if (op === "replace") replace(root, path, value);
	else if (op === "move") {
		const moved = remove(root, from!);
		add(root, path, moved);
	} else if (op === "copy") {
		const copied = valueAt(root, from!);
		if (copied === undefined) error(`"copy": nothing at "${from}"`, 0);
		add(root, path, copied);
	} else if (op === "test") {
		const actual = valueAt(root, path);
		if (!deepEqual(actual, value)) {
			error(
				`"test" failed at "${path}": the live value is ${describe(actual)}, the edit expected ${describe(value)}`,
				0,
			);
		}
	} else error(`operation ${index + 1} has an unknown op "${tostring(op)}"`, 0);
}

function describe(value: unknown): string {
	if (typeIs(value, "string")) return `"${value}"`;
	if (typeIs(value, "table")) return "a table";
	return tostring(value);
}

/** Applies every operation to `data`, or none: it runs first on a copy, so a failing one changes nothing. */
function applyPatch(data: Container, patch: unknown): string | undefined {
	if (!typeIs(patch, "table")) return "the edit has no Patch list";
	const operations = patch as defined[];
	const [ok, problem] = pcall(() => {
		const trial = deepCopy(data);
		operations.forEach((operation, index) => applyOperation(trial, operation, index));
	});
	if (!ok) return tostring(problem);
	operations.forEach((operation, index) => applyOperation(data, operation, index));
	return undefined;
}

export const AdminEdit = {
	/** The `Type` of the global updates the tool sends. */
	Type: ADMIN_EDIT_TYPE,
	/** The MetaTag that keeps the receipts of the last edits, newest last. */
	ReceiptTag: "ProfileServiceAdmin",

	/** Whether a global update's data is an edit from the tool. */
	isEdit(data: GlobalUpdateData): data is AdminEditUpdate {
		return data.Type === ADMIN_EDIT_TYPE;
	},

	/**
	 * Applies the edit to the profile's live Data, all of it or nothing, and records the receipt in its MetaTags.
	 * Call it from your ListenToNewLockedUpdate handler, then ClearLockedUpdate: the Data, the receipt and the clear
	 * are saved together, so a server that crashes before that save leaves the update locked for the next load.
	 */
	apply(profile: Profile<object>, edit: AdminEditUpdate): AdminEditReceipt {
		const problem = applyPatch(profile.Data as unknown as Container, edit.Patch);
		const receipt: AdminEditReceipt = {
			Id: tostring(edit.Id),
			Result: problem === undefined ? "applied" : "refused",
			Problem: problem,
			Reason: typeIs(edit.Reason, "string") ? edit.Reason : undefined,
			At: os.time(),
		};
		const previous = profile.GetMetaTag<AdminEditReceipt[]>(AdminEdit.ReceiptTag);
		const receipts = typeIs(previous, "table") ? [...previous] : [];
		receipts.push(receipt);
		while (receipts.size() > RECEIPTS_KEPT) receipts.remove(0);
		profile.SetMetaTag(AdminEdit.ReceiptTag, receipts);
		return receipt;
	},
} as const;
