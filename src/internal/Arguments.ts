import { t } from "@rbxts/t";
import { Settings } from "./Constants";
import { storableProblem } from "./Validation";

/**
 * Checks a public argument with a @rbxts/t validator; the error names the method, the argument and what it got.
 * @internal
 */
export function expectArgument<T>(
	method: string,
	name: string,
	value: unknown,
	check: t.check<T>,
	expected: string,
): asserts value is T {
	if (!check(value)) {
		error(
			`[ProfileService] ${method}: argument "${name}" must be ${expected}, got ${typeOf(value)} (${tostring(value)})`,
			3,
		);
	}
}

/** Profile keys are non-empty strings of at most 50 characters, the DataStore key limit. @internal */
export function expectProfileKey(method: string, key: unknown): asserts key is string {
	if (!t.string(key) || key.size() === 0 || key.size() > Settings.MaxKeyLength) {
		const detail = t.string(key) ? `"${key}" (${key.size()} characters)` : `${typeOf(key)} (${tostring(key)})`;
		error(
			`[ProfileService] ${method}: argument "profileKey" must be a non-empty string of at most ${Settings.MaxKeyLength} characters, got ${detail}`,
			3,
		);
	}
}

/**
 * Checks that an argument is a value the DataStore stores (walking it, so only on the call that brings it in); the
 * error names the method, the argument and the path of the first value it would refuse.
 * @internal
 */
export function expectStorable(method: string, name: string, value: unknown, path: string) {
	const problem = storableProblem(value, path);
	if (problem !== undefined) {
		error(`[ProfileService] ${method}: argument "${name}" cannot be stored in a DataStore: ${problem}`, 3);
	}
}

/**
 * Checks that a method was called on its object (`profile:Release()` in Luau), not with a dot, which passes the first
 * argument as the object and would fail later with a raw error far from the mistake.
 * @internal
 */
export function expectMethodCall(object: unknown, cls: object, method: string) {
	if (!typeIs(object, "table") || getmetatable(object) !== cls) {
		error(`[ProfileService] ${method} must be called on its object with a colon, not a dot`, 3);
	}
}
