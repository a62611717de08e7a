/**
 * Keeps a game's specs out of its own `rbxtsc` build. A tsconfig without `include` (the standard template's)
 * compiles every .ts file under it, specs included: roblox-ts then fails with TS6059 (the spec is outside rootDir)
 * and `Cannot find name 'it'`. The edit is made on the text, so the tsconfig's comments and layout stay.
 */

/** Inserts `"key": value` as the last top-level property of a JSON-with-comments object. */
function addProperty(text: string, key: string, value: unknown): string {
	const end = text.lastIndexOf("}");
	const before = text.slice(0, end).replace(/\s*$/, "");
	const comma = before.endsWith("{") || before.endsWith(",") ? "" : ",";
	return `${before}${comma}\n\t${JSON.stringify(key)}: ${JSON.stringify(value)}\n${text.slice(end)}`;
}

/** Whether an include pattern (relative to the tsconfig) takes in files under `folder`. */
function covers(pattern: string, folder: string): boolean {
	const clean = pattern.replace(/^\.\//, "").replace(/\/$/, "");
	if (clean === "" || clean === "." || clean.startsWith("*")) return true;
	return clean === folder || clean.startsWith(`${folder}/`) || folder.startsWith(`${clean}/`);
}

/**
 * The tsconfig's text edited so that `specs` (a folder relative to the tsconfig) is not compiled: an `include` of the
 * sources (`rootDir`) when it has none, or the specs folder added to `exclude` when its `include` takes it in.
 * Returns undefined when nothing needs to change.
 */
export function keepSpecsOutOfBuild(
	text: string,
	parsed: Record<string, unknown>,
	rootDir: string,
	specs: string,
): string | undefined {
	if (parsed.include === undefined && parsed.files === undefined) {
		return addProperty(text, "include", [rootDir]);
	}
	const include = Array.isArray(parsed.include) ? (parsed.include as string[]) : [];
	if (!include.some((pattern) => covers(pattern, specs))) return undefined;
	const exclude = Array.isArray(parsed.exclude) ? (parsed.exclude as string[]) : [];
	if (exclude.some((pattern) => covers(pattern, specs) && !pattern.startsWith("*"))) return undefined;
	if (parsed.exclude === undefined) return addProperty(text, "exclude", [specs]);
	const edited = text.replace(/("exclude"\s*:\s*\[)(\s*\])?/, (_, open: string, empty?: string) =>
		empty === undefined ? `${open}${JSON.stringify(specs)}, ` : `${open}${JSON.stringify(specs)}]`,
	);
	return edited === text ? undefined : edited;
}
