/**
 * Where a profile's schema version is stored: the MetaTag named {@link SCHEMA_TAG}, `{ Version, LastCompatible }`.
 *
 * Why a MetaTag: the original ProfileService saves `MetaData.MetaTags` from its in-memory profile in the same write
 * as `Data` ("the only actively savable component of MetaData"), and its OverwriteAsync writes the view's whole
 * MetaData with the view's Data. So a server running the original keeps the tag it loaded and writes it back with
 * the Data it loaded: the version and the Data it describes always change together, in one write, whichever
 * library writes. This library does the same (SaveProtocol writes Data and MetaTags together or neither); the
 * lock writes of either library touch neither. A profile without the tag is at version 0.
 * @internal
 */
import type { StoredMetaData } from "./Payload";

/**
 * The reserved MetaTag name. The underscore keeps it apart from the tag names games choose (SetMetaTag on it
 * would change what the next load migrates); the README documents it as reserved.
 * @internal
 */
export const SCHEMA_TAG = "_Schema";

/** The stored tag: the data's version, and the lowest version that can still load it (as Lapis stores). @internal */
export interface SchemaStamp {
	/** The number of migrations applied to the stored Data. */
	Version: number;
	/**
	 * The version of the last migration not marked backwards compatible among those the stamping server knew:
	 * servers at this version or newer can load the data.
	 */
	LastCompatible: number;
}

function isWhole(value: unknown): value is number {
	return typeIs(value, "number") && value >= 0 && value % 1 === 0 && value < math.huge;
}

/**
 * Reads a profile's schema stamp from its MetaTags: version 0 when there is none, or a reason when the reserved tag
 * holds something that is not a stamp (the version is then unknown, and nothing may migrate the data).
 * @internal
 */
export function readStamp(meta: Pick<StoredMetaData, "MetaTags"> | undefined): SchemaStamp | string {
	const tags = meta?.MetaTags as unknown;
	if (!typeIs(tags, "table")) return { Version: 0, LastCompatible: 0 };
	const tag = (tags as Record<string, unknown>)[SCHEMA_TAG];
	if (tag === undefined) return { Version: 0, LastCompatible: 0 };
	const stamp = tag as Partial<SchemaStamp>;
	if (!typeIs(tag, "table") || !isWhole(stamp.Version) || !isWhole(stamp.LastCompatible)) {
		return `the reserved MetaTag "${SCHEMA_TAG}" holds ${tostring(tag)}, not { Version, LastCompatible }`;
	}
	return { Version: stamp.Version, LastCompatible: stamp.LastCompatible };
}

/** Writes a stamp into a MetaTags table (the stored one, or a profile's in memory). @internal */
export function writeStamp(tags: object, stamp: SchemaStamp) {
	(tags as Record<string, unknown>)[SCHEMA_TAG] = { Version: stamp.Version, LastCompatible: stamp.LastCompatible };
}
