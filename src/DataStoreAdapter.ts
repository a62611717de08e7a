/**
 * The DataStore calls ProfileService makes, behind one interface so that the live Roblox store, the in-memory mock
 * and any store a developer plugs in are interchangeable.
 */

/** Key information returned with a stored value. Roblox's DataStoreKeyInfo satisfies it. */
export interface ProfileKeyInfo {
	/** The version id of this value. */
	readonly Version: string;
	/** When the key was created, in Unix milliseconds. */
	readonly CreatedTime: number;
	/** When this version was written, in Unix milliseconds. */
	readonly UpdatedTime: number;
	/** The user ids stored with the value. */
	GetUserIds(): Array<number>;
	/** The metadata stored with the value. */
	GetMetadata(): object;
}

/** One entry of a version listing. Roblox's DataStoreObjectVersionInfo satisfies it. */
export interface ProfileVersionInfo {
	/** The version id, for GetAsync(key, version). */
	readonly Version: string;
	/** When the version was written, in Unix milliseconds. */
	readonly CreatedTime: number;
	/** True for the marker a removal leaves. */
	readonly IsDeleted: boolean;
}

/** Paged version listing, shaped like Roblox's DataStoreVersionPages. */
export interface ProfileVersionPages {
	/** True when the current page is the last. */
	readonly IsFinished: boolean;
	/** The versions on the current page. */
	GetCurrentPage(): ReadonlyArray<ProfileVersionInfo>;
	/** Moves to the next page. Yields; errors when IsFinished. */
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
	/**
	 * True when UpdateAsync itself refuses, without writing, a value it cannot store or one over the size limit,
	 * with Roblox's errors (`104: Cannot store ...`, `105: Serialized value exceeds ...`). ProfileService then skips
	 * its own walk of the data before each save, and names the unstorable value only when a write is refused.
	 * Default false: every save is checked before it is sent.
	 */
	readonly ValidatesValues?: boolean;
	/** UpdateAsync. Returns the stored value and its key info, or nothing when the transform cancelled. */
	UpdateAsync(key: string, transform: ProfileTransform): LuaTuple<[unknown, ProfileKeyInfo | undefined]>;
	/** GetAsync without the read cache, or GetVersionAsync when `version` is given. */
	GetAsync(key: string, version?: string): LuaTuple<[unknown, ProfileKeyInfo | undefined]>;
	/** RemoveAsync: deletes the key (its versions stay listed). */
	RemoveAsync(key: string): void;
	/** ListVersionsAsync: the key's versions between two times (Unix milliseconds), oldest first by default. */
	ListVersionsAsync(
		key: string,
		sortDirection: Enum.SortDirection | undefined,
		minDate: number | undefined,
		maxDate: number | undefined,
	): ProfileVersionPages;
	/** Requests of this kind that can be sent now without being throttled. Mocks return math.huge. */
	GetBudget(kind: "update" | "get" | "list"): number;
}
