import { t } from "@rbxts/t";
import { Settings } from "./Constants";

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
