/**
 * Joins identifiers with a NUL separator, which no DataStore name, scope or key can contain. Concatenation, not a
 * template string: Luau string interpolation can stop at an embedded NUL.
 * @internal
 */
export function joinKey(a: string, b: string): string {
	return a + "\0" + b;
}
