/**
 * The game's MetaTags on a peer library, which has none: they live in Data, under `Tags`, and are confirmed by
 * a save that stored them (as ProfileService's MetaTagsLatest is).
 */
import type { SimData } from "./Library";

export type TaggedData = SimData & { Tags?: Record<string, unknown> };

/** A copy two levels deep (the game's tags are values or dictionaries of values), as stored at one moment. */
export function copyTags(tags: Record<string, unknown> | undefined): Record<string, unknown> {
	const copy: Record<string, unknown> = {};
	for (const [name, value] of pairs(tags ?? {})) {
		if (typeIs(value, "table")) {
			const inner: Record<string, unknown> = {};
			for (const [k, v] of pairs(value as Record<string, unknown>)) inner[k as string] = v;
			copy[name as string] = inner;
		} else copy[name as string] = value;
	}
	return copy;
}
