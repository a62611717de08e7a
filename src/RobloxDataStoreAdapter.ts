import { DataStoreService } from "@rbxts/services";
import type { DataStoreAdapter, ProfileKeyInfo, ProfileTransform, ProfileVersionPages } from "./DataStoreAdapter";

const BUDGET_TYPES = {
	update: Enum.DataStoreRequestType.UpdateAsync,
	get: Enum.DataStoreRequestType.GetAsync,
	list: Enum.DataStoreRequestType.ListAsync,
};

/** The live Roblox DataStore. */
export class RobloxDataStoreAdapter implements DataStoreAdapter {
	/** Always false. */
	public readonly IsMock = false;
	/** Roblox refuses unstorable and oversized values with errors 104 and 105. */
	public readonly ValidatesValues = true;
	private readonly store: DataStore;
	private readonly noCache: DataStoreGetOptions;

	/**
	 * @param name DataStore name.
	 * @param scope DataStore scope; undefined for the default scope.
	 */
	public constructor(name: string, scope: string | undefined) {
		const options = new Instance("DataStoreOptions");
		// Versioned data stores (key info, versions) are the original's "v2" experimental feature.
		options.SetExperimentalFeatures({ v2: true });
		this.store = DataStoreService.GetDataStore(name, scope, options);
		this.noCache = new Instance("DataStoreGetOptions");
		this.noCache.UseCache = false;
	}

	/** GlobalDataStore:UpdateAsync. */
	public UpdateAsync(key: string, transform: ProfileTransform) {
		return this.store.UpdateAsync(key, transform as never) as unknown as LuaTuple<
			[unknown, ProfileKeyInfo | undefined]
		>;
	}

	/** GetAsync with UseCache off, or GetVersionAsync when `version` is given. */
	public GetAsync(key: string, version?: string) {
		if (version !== undefined) {
			return this.store.GetVersionAsync(key, version) as unknown as LuaTuple<
				[unknown, ProfileKeyInfo | undefined]
			>;
		}
		return this.store.GetAsync(key, this.noCache) as unknown as LuaTuple<[unknown, ProfileKeyInfo | undefined]>;
	}

	/** GlobalDataStore:RemoveAsync. */
	public RemoveAsync(key: string) {
		this.store.RemoveAsync(key);
	}

	/** DataStore:ListVersionsAsync. */
	public ListVersionsAsync(
		key: string,
		sortDirection: Enum.SortDirection | undefined,
		minDate: number | undefined,
		maxDate: number | undefined,
	) {
		return this.store.ListVersionsAsync(key, sortDirection, minDate, maxDate) as unknown as ProfileVersionPages;
	}

	/** DataStoreService:GetRequestBudgetForRequestType for the request kind. */
	public GetBudget(kind: "update" | "get" | "list") {
		return DataStoreService.GetRequestBudgetForRequestType(BUDGET_TYPES[kind]);
	}
}
