/**
 * The DataStore calls ProfileService makes, behind one interface so that the live Roblox store, the in-memory mock
 * and any store a developer plugs in are interchangeable.
 */

/** Key information returned with a stored value. Roblox's DataStoreKeyInfo satisfies it. */
export interface ProfileKeyInfo {
	readonly Version: string;
	readonly CreatedTime: number;
	readonly UpdatedTime: number;
	GetUserIds(): Array<number>;
	GetMetadata(): object;
}

/** One entry of a version listing. Roblox's DataStoreObjectVersionInfo satisfies it. */
export interface ProfileVersionInfo {
	readonly Version: string;
	readonly CreatedTime: number;
	readonly IsDeleted: boolean;
}

/** Paged version listing, shaped like Roblox's DataStoreVersionPages. */
export interface ProfileVersionPages {
	readonly IsFinished: boolean;
	GetCurrentPage(): ReadonlyArray<ProfileVersionInfo>;
	AdvanceToNextPageAsync(): void;
}

/**
 * Returns the new value, user ids and metadata, or undefined to cancel. Must not yield.
 */
export type ProfileTransform = (
	value: unknown,
	keyInfo: ProfileKeyInfo | undefined,
) => LuaTuple<[value: unknown, userIds?: Array<number>, metadata?: object]>;

/** A DataStore for one ProfileStore (a name and scope). Every method may yield and throws on failure. */
export interface DataStoreAdapter {
	/** True for stores that never touch Roblox's servers. */
	readonly IsMock: boolean;
	/** UpdateAsync. Returns the stored value and its key info, or nothing when the transform cancelled. */
	UpdateAsync(key: string, transform: ProfileTransform): LuaTuple<[unknown, ProfileKeyInfo | undefined]>;
	/** GetAsync without the read cache, or GetVersionAsync when `version` is given. */
	GetAsync(key: string, version?: string): LuaTuple<[unknown, ProfileKeyInfo | undefined]>;
	RemoveAsync(key: string): void;
	ListVersionsAsync(
		key: string,
		sortDirection: Enum.SortDirection | undefined,
		minDate: number | undefined,
		maxDate: number | undefined,
	): ProfileVersionPages;
	/** Requests of this kind that can be sent now without being throttled. Mocks return math.huge. */
	GetBudget(kind: "update" | "get" | "list"): number;
}
