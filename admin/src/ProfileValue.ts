/**
 * The value ProfileService stores under a profile key (the original ProfileService's format; the library's
 * src/internal/Payload.ts): Data, MetaData (the session lock and MetaTags), GlobalUpdates, RobloxMetaData, UserIds.
 */
export type SessionTag = [placeId: number, jobId: string];

/** [id, version, locked, data] */
export type StoredGlobalUpdate = [number, number, boolean, Record<string, unknown>];

export interface StoredMetaData {
	ProfileCreateTime?: number;
	SessionLoadCount?: number;
	ActiveSession?: unknown;
	ForceLoadSession?: unknown;
	LastUpdate?: number;
	MetaTags?: Record<string, unknown>;
	HandOff?: unknown;
	[field: string]: unknown;
}

export interface ProfileValue {
	Data: Record<string, unknown>;
	MetaData: StoredMetaData;
	/** [last update index, updates, ...] */
	GlobalUpdates: [number, StoredGlobalUpdate[], ...unknown[]];
	RobloxMetaData?: unknown;
	UserIds?: number[];
	[field: string]: unknown;
}

/** Roblox's limit on one entry's value (the data stores guide: 4,194,304 characters). */
export const MAX_VALUE_SIZE = 4_194_304;

const isRecord = (value: unknown): value is Record<string, unknown> =>
	typeof value === "object" && value !== null && !Array.isArray(value);

const isEmptyList = (value: unknown) => Array.isArray(value) && value.length === 0;

/**
 * The value as a profile, or why it is not one. A key holding only GlobalUpdates (updates sent before the player
 * ever joined) is a profile without Data: `Data` is then empty and `dataless` true.
 */
export function readProfileValue(value: unknown): { profile: ProfileValue; dataless: boolean } | { problem: string } {
	if (!isRecord(value))
		return { problem: `the entry holds ${value === null ? "null" : typeof value}, not a profile` };
	// Luau has one table type: an empty Data or MetaTags is stored as [] by the game.
	if (isEmptyList(value.Data)) value.Data = {};
	if (isRecord(value.MetaData) && isEmptyList(value.MetaData.MetaTags)) value.MetaData.MetaTags = {};
	const updates = value.GlobalUpdates;
	const validUpdates = Array.isArray(updates) && typeof updates[0] === "number" && Array.isArray(updates[1]);
	if (isRecord(value.Data) && isRecord(value.MetaData) && validUpdates) {
		return { profile: value as unknown as ProfileValue, dataless: false };
	}
	if (value.Data === undefined && value.MetaData === undefined && validUpdates) {
		return { profile: { ...(value as object), Data: {}, MetaData: {} } as ProfileValue, dataless: true };
	}
	return { problem: "the entry is not in ProfileService's format (it needs Data, MetaData and GlobalUpdates)" };
}

/** The size Roblox counts against MAX_VALUE_SIZE: the stored JSON text. */
export function valueSize(value: unknown): number {
	return Buffer.byteLength(JSON.stringify(value), "utf8");
}

export function sessionTag(value: unknown): SessionTag | undefined {
	if (Array.isArray(value) && typeof value[0] === "number" && typeof value[1] === "string") {
		return [value[0], value[1]];
	}
	return undefined;
}

/** A deep copy, through JSON: values come from JSON and go back to it. */
export function clone<T>(value: T): T {
	return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
