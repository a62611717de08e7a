/**
 * What changed between two versions of Data, as support staff read it (`Coins: 10 → 35`, `+ Items[2]: "Sword"`),
 * and as the JSON Patch an edit sends to a game server: each change guarded by a `test` of the value the tool saw,
 * so the game refuses the edit rather than overwrite what the player did since.
 */
import type { PatchOperation } from "./JsonPatch.js";
import { jsonEqual } from "./JsonPatch.js";

export interface Change {
	kind: "added" | "removed" | "changed";
	/** Keys and indexes from Data down. */
	path: Array<string | number>;
	before?: unknown;
	after?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
	typeof value === "object" && value !== null && !Array.isArray(value);

/** Changes from `before` to `after`, depth first, keys in order. Lists are compared index by index. */
export function diffData(before: unknown, after: unknown, path: Array<string | number> = []): Change[] {
	if (jsonEqual(before, after)) return [];
	if (isObject(before) && isObject(after)) {
		const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
		return keys.flatMap((key) => {
			if (!(key in after)) return [{ kind: "removed", path: [...path, key], before: before[key] } as Change];
			if (!(key in before)) return [{ kind: "added", path: [...path, key], after: after[key] } as Change];
			return diffData(before[key], after[key], [...path, key]);
		});
	}
	if (Array.isArray(before) && Array.isArray(after)) {
		const changes: Change[] = [];
		const shared = Math.min(before.length, after.length);
		for (let i = 0; i < shared; i++) changes.push(...diffData(before[i], after[i], [...path, i]));
		for (let i = shared; i < after.length; i++)
			changes.push({ kind: "added", path: [...path, i], after: after[i] });
		for (let i = shared; i < before.length; i++)
			changes.push({ kind: "removed", path: [...path, i], before: before[i] });
		return changes;
	}
	return [{ kind: "changed", path, before, after }];
}

/** `Quests.Daily`, `Items[2]`, `["Odd key"]`. */
export function displayPath(path: Array<string | number>): string {
	if (path.length === 0) return "Data";
	return path
		.map((part, index) => {
			if (typeof part === "number") return `[${part}]`;
			if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(part)) return index === 0 ? part : `.${part}`;
			return `[${JSON.stringify(part)}]`;
		})
		.join("");
}

export function pointer(path: Array<string | number>): string {
	return path.map((part) => `/${String(part).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}

function shown(value: unknown): string {
	const text = JSON.stringify(value);
	return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** One line per change; "(no change to Data)" when there is none. */
export function formatChanges(changes: Change[]): string[] {
	if (changes.length === 0) return ["  (no change to Data)"];
	return changes.map((change) => {
		const where = displayPath(change.path);
		if (change.kind === "added") return `  + ${where}: ${shown(change.after)}`;
		if (change.kind === "removed") return `  - ${where}: ${shown(change.before)}`;
		return `  ~ ${where}: ${shown(change.before)} → ${shown(change.after)}`;
	});
}

/** The changes as JSON, for --json output. */
export function changesJson(changes: Change[]) {
	return changes.map((change) => ({
		kind: change.kind,
		path: pointer(change.path),
		before: change.before,
		after: change.after,
	}));
}

/**
 * A patch that turns `before` into `after`, each change guarded by a `test` of its value in `before`. List items
 * added go to the end ("-"); items removed from the end go last first, so the indexes stay right.
 */
export function guardedPatch(before: Record<string, unknown>, after: Record<string, unknown>): PatchOperation[] {
	const changes = diffData(before, after);
	const removals = changes.filter((change) => change.kind === "removed").reverse();
	const others = changes.filter((change) => change.kind !== "removed");
	const patch: PatchOperation[] = [];
	for (const change of [...others, ...removals]) {
		const path = pointer(change.path);
		if (change.kind === "changed") {
			patch.push({ op: "test", path, value: change.before }, { op: "replace", path, value: change.after });
		} else if (change.kind === "added") {
			// A list only grows at its end in diffData: append, so items the player gained since are kept.
			const last = change.path[change.path.length - 1];
			const appended = typeof last === "number" ? pointer([...change.path.slice(0, -1), "-"]) : path;
			patch.push({ op: "add", path: appended, value: change.after });
		} else {
			patch.push({ op: "test", path, value: change.before }, { op: "remove", path });
		}
	}
	return patch;
}
