/**
 * Joins identifiers with a NUL separator, which no DataStore name, scope or key can contain. Concatenation, not a
 * template string: Luau string interpolation can stop at an embedded NUL.
 * @internal
 */
export function joinKey(a: string, b: string): string {
	return a + "\0" + b;
}

/**
 * The one spelling of a store's (or one of its keys') identity on this server: live and `.Mock` stores of the same
 * name and scope are tracked apart. Used for loaded profiles, pending releases, load tokens and hand-off requests.
 * @internal
 */
export function sessionKey(isMock: boolean, lookup: string, key?: string): string {
	const store = joinKey(isMock ? "mock" : "live", lookup);
	return key === undefined ? store : joinKey(store, key);
}
