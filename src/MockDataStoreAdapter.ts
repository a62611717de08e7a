import type {
	DataStoreAdapter,
	ProfileKeyInfo,
	ProfileTransform,
	ProfileVersionInfo,
	ProfileVersionPages,
} from "./DataStoreAdapter";
import { callWithoutYield } from "./internal/NoYield";
import { deepCopy } from "./internal/Payload";
import { ServiceState } from "./internal/ServiceState";
import { encodedLength, findUnstorable } from "./internal/Validation";
import { Settings } from "./internal/Constants";

interface MockVersion {
	version: string;
	createdTime: number;
	keyCreatedTime: number;
	value: unknown;
	userIds: number[];
	metadata: object;
	deleted: boolean;
}

const PAGE_SIZE = 100;

/**
 * What Roblox's UpdateAsync would refuse to store, as its error message, or undefined. The mock refuses the same
 * values, so a game that passes in Studio's mock does not fail on the live store.
 */
function refusalOf(value: unknown, userIds: unknown, metadata: unknown): string | undefined {
	const problem = findUnstorable(value, "value");
	if (problem !== undefined) return `104: Cannot store the value in the mock DataStore: ${problem}`;
	const size = encodedLength(value);
	if (size > Settings.MaxValueLength) {
		return `105: Serialized value exceeds ${Settings.MaxValueLength} limit. (${size} characters)`;
	}
	if (userIds !== undefined) {
		if (!typeIs(userIds, "table")) return "513: Attribute userId format is invalid.";
		for (const [k, v] of pairs(userIds as Map<unknown, unknown>)) {
			if (!typeIs(k, "number") || !typeIs(v, "number")) return "513: Attribute userId format is invalid.";
		}
	}
	if (metadata !== undefined) {
		if (!typeIs(metadata, "table") || findUnstorable(metadata, "metadata") !== undefined) {
			return "513: Attribute metadata format is invalid.";
		}
		if (encodedLength(metadata) > Settings.MaxMetadataLength) {
			return `511: Metadata attribute size exceeds ${Settings.MaxMetadataLength} limit.`;
		}
	}
	return undefined;
}

class MockKeyInfo implements ProfileKeyInfo {
	public readonly Version: string;
	public readonly CreatedTime: number;
	public readonly UpdatedTime: number;
	private readonly userIds: number[];
	private readonly metadata: object;

	public constructor(entry: MockVersion) {
		this.Version = entry.version;
		this.CreatedTime = entry.keyCreatedTime;
		this.UpdatedTime = entry.createdTime;
		this.userIds = entry.userIds;
		this.metadata = entry.metadata;
	}

	public GetUserIds() {
		return deepCopy(this.userIds);
	}

	public GetMetadata() {
		return deepCopy(this.metadata);
	}
}

/** @internal */
class MockVersionPages implements ProfileVersionPages {
	public IsFinished: boolean;
	private offset = 0;

	public constructor(private readonly items: ProfileVersionInfo[]) {
		this.IsFinished = items.size() <= PAGE_SIZE;
	}

	public GetCurrentPage() {
		const page: ProfileVersionInfo[] = [];
		for (let i = this.offset; i < math.min(this.offset + PAGE_SIZE, this.items.size()); i++)
			page.push(this.items[i]);
		return page;
	}

	public AdvanceToNextPageAsync() {
		if (this.IsFinished) error("[ProfileService] mock AdvanceToNextPageAsync: no more pages", 2);
		task.wait();
		this.offset += PAGE_SIZE;
		this.IsFinished = this.offset + PAGE_SIZE >= this.items.size();
	}
}

/**
 * An in-memory DataStore with versions, for `ProfileStore.Mock` and for Studio without API access. Values are
 * deep-copied in and out, transforms may not yield, and every call yields once, like a real request.
 */
export class MockDataStoreAdapter implements DataStoreAdapter {
	/** Always true. */
	public readonly IsMock = true;
	/** Refuses what Roblox's store refuses, with the same error codes. */
	public readonly ValidatesValues = true;
	private readonly keys = new Map<string, MockVersion[]>();
	private versionCounter = 0;

	/**
	 * The shared mock store of a pool ("user" for ProfileStore.Mock, "offline" for Studio without API access)
	 * and a store lookup, so that every ProfileStore of the same name and scope sees the same mock data.
	 */
	public static forLookup(pool: string, lookup: string): MockDataStoreAdapter {
		const pools = ServiceState.mockStores as Map<string, Map<string, MockDataStoreAdapter>>;
		let stores = pools.get(pool);
		if (stores === undefined) {
			stores = new Map();
			pools.set(pool, stores);
		}
		let store = stores.get(lookup);
		if (store === undefined) {
			store = new MockDataStoreAdapter();
			stores.set(lookup, store);
		}
		return store;
	}

	private latest(key: string): MockVersion | undefined {
		const versions = this.keys.get(key);
		const last = versions?.[versions.size() - 1];
		return last && !last.deleted ? last : undefined;
	}

	private write(key: string, value: unknown, userIds: number[], metadata: object) {
		const now = DateTime.now().UnixTimestampMillis;
		let versions = this.keys.get(key);
		if (versions === undefined) {
			versions = [];
			this.keys.set(key, versions);
		}
		const previous = this.latest(key);
		this.versionCounter += 1;
		const counter = tostring(this.versionCounter);
		const entry: MockVersion = {
			version: `${string.rep("0", 16)}.${string.rep("0", 10 - counter.size())}${counter}.${string.rep("0", 16)}.01`,
			createdTime: now,
			keyCreatedTime: previous ? previous.keyCreatedTime : now,
			value: deepCopy(value),
			userIds: deepCopy(userIds),
			metadata: deepCopy(metadata),
			deleted: value === undefined,
		};
		versions.push(entry);
		return entry;
	}

	/** UpdateAsync over memory: the transform must not yield; the stored value is a deep copy. */
	public UpdateAsync(key: string, transform: ProfileTransform): LuaTuple<[unknown, ProfileKeyInfo | undefined]> {
		const current = this.latest(key);
		const result = callWithoutYield("The UpdateAsync transform", () => {
			const [value, userIds, metadata] = transform(
				current ? deepCopy(current.value) : undefined,
				current ? new MockKeyInfo(current) : undefined,
			);
			return { value, userIds, metadata };
		});
		// Store first, then yield, as Roblox's own store commits before the response travels back: two writes
		// that overlap in time then still see each other.
		if (result.value === undefined) {
			task.wait();
			return $tuple(undefined, undefined);
		}
		const refusal = refusalOf(result.value, result.userIds, result.metadata);
		if (refusal !== undefined) {
			task.wait();
			error(refusal, 0);
		}
		const entry = this.write(key, result.value, result.userIds ?? [], result.metadata ?? {});
		const stored = deepCopy(entry.value);
		task.wait();
		return $tuple(stored, new MockKeyInfo(entry));
	}

	/** The latest value, or the given version; undefined for an empty key or an unknown version. */
	public GetAsync(key: string, version?: string): LuaTuple<[unknown, ProfileKeyInfo | undefined]> {
		task.wait();
		let entry: MockVersion | undefined;
		if (version !== undefined) {
			entry = this.keys.get(key)?.find((v) => v.version === version);
			if (entry?.deleted) entry = undefined;
		} else {
			entry = this.latest(key);
		}
		if (entry === undefined) return $tuple(undefined, undefined);
		return $tuple(deepCopy(entry.value), new MockKeyInfo(entry));
	}

	/** Deletes the key, leaving a deleted marker among its versions. */
	public RemoveAsync(key: string) {
		if (this.latest(key)) this.write(key, undefined, [], {});
		task.wait();
	}

	/** The key's versions between two times, 100 per page. */
	public ListVersionsAsync(
		key: string,
		sortDirection: Enum.SortDirection | undefined,
		minDate: number | undefined,
		maxDate: number | undefined,
	): ProfileVersionPages {
		task.wait();
		const items: ProfileVersionInfo[] = [];
		for (const entry of this.keys.get(key) ?? []) {
			if (
				(minDate === undefined || entry.createdTime >= minDate) &&
				(maxDate === undefined || entry.createdTime <= maxDate)
			) {
				items.push({ Version: entry.version, CreatedTime: entry.createdTime, IsDeleted: entry.deleted });
			}
		}
		if (sortDirection === Enum.SortDirection.Descending) {
			const reversed: ProfileVersionInfo[] = [];
			for (let i = items.size() - 1; i >= 0; i--) reversed.push(items[i]);
			return new MockVersionPages(reversed);
		}
		return new MockVersionPages(items);
	}

	/** Unlimited: a mock store is never throttled. */
	public GetBudget() {
		return math.huge;
	}
}
