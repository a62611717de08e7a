import type { ProfileVersionPages } from "./DataStoreAdapter";
import type { GlobalUpdateData } from "./GlobalUpdates";
import type { Profile } from "./Profile";

/** What a ProfileVersionQuery needs from its ProfileStore. @internal */
export interface VersionQueryHost<DataType extends object, RobloxMetaData, GlobalUpdateType extends object> {
	listVersionsAsync(
		key: string,
		sortDirection: Enum.SortDirection | undefined,
		minDate?: number,
		maxDate?: number,
	): ProfileVersionPages;
	ViewProfileAsync(
		profileKey: string,
		version?: string,
	): Profile<DataType, RobloxMetaData, GlobalUpdateType> | undefined;
}

/**
 * An iterator over a profile's saved versions, from `ProfileStore:ProfileVersionQuery()`. Calls to NextAsync from
 * several threads are served one at a time, in call order.
 */
export class ProfileVersionQuery<
	DataType extends object = object,
	RobloxMetaData = object,
	GlobalUpdateType extends object = GlobalUpdateData,
> {
	private pages: ProfileVersionPages | undefined;
	private index = 0;
	private failed = false;
	private busy = false;
	private readonly queue: thread[] = [];

	private constructor(
		private readonly store: VersionQueryHost<DataType, RobloxMetaData, GlobalUpdateType>,
		private readonly key: string,
		private readonly sortDirection: Enum.SortDirection | undefined,
		private readonly minDate: number | undefined,
		private readonly maxDate: number | undefined,
	) {}

	/** @internal */
	public static create<D extends object, R, U extends object>(
		store: VersionQueryHost<D, R, U>,
		key: string,
		sortDirection: Enum.SortDirection | undefined,
		minDate: number | undefined,
		maxDate: number | undefined,
	): ProfileVersionQuery<D, R, U> {
		return new ProfileVersionQuery<D, R, U>(store, key, sortDirection, minDate, maxDate);
	}

	/**
	 * The next version as a view-mode profile, or undefined when there are no more (or the listing failed, which
	 * also warns). Deleted versions are skipped. Yields.
	 */
	public NextAsync(): Profile<DataType, RobloxMetaData, GlobalUpdateType> | undefined {
		if (this.busy) {
			this.queue.push(coroutine.running());
			coroutine.yield();
		}
		this.busy = true;
		const [ok, result] = pcall(() => this.next());
		const nextThread = this.queue.shift();
		if (nextThread !== undefined) {
			task.defer(nextThread);
		} else {
			this.busy = false;
		}
		if (!ok) error(result, 0);
		return result;
	}

	/** @internal Ends the query: NextAsync returns undefined from now on. */
	public finish() {
		this.failed = true;
	}

	private next(): Profile<DataType, RobloxMetaData, GlobalUpdateType> | undefined {
		if (this.failed) return undefined;
		if (this.pages === undefined) {
			const [ok, pages] = pcall(() =>
				this.store.listVersionsAsync(this.key, this.sortDirection, this.minDate, this.maxDate),
			);
			if (!ok) {
				warn(`[ProfileService]: Version query failed - ${tostring(pages)}`);
				this.failed = true;
				return undefined;
			}
			this.pages = pages;
			this.index = 0;
		}
		const pages = this.pages;
		for (;;) {
			const page = pages.GetCurrentPage();
			while (this.index < page.size()) {
				const item = page[this.index];
				this.index += 1;
				if (!item.IsDeleted) return this.store.ViewProfileAsync(this.key, item.Version);
			}
			if (pages.IsFinished) return undefined;
			const [ok] = pcall(() => pages.AdvanceToNextPageAsync());
			this.index = 0;
			if (!ok || pages.GetCurrentPage().size() === 0) {
				this.failed = true;
				return undefined;
			}
		}
	}
}
