import { t } from "@rbxts/t";
import type { DataStoreAdapter } from "./DataStoreAdapter";
import type { GlobalUpdateData, GlobalUpdates } from "./GlobalUpdates";
import type { DataValidator, MigrationChain, MigrationList } from "./Migrations";
import type { Profile } from "./Profile";
import { ProfileVersionQuery } from "./ProfileVersionQuery";
import { expectArgument, expectMethodCall, expectProfileKey } from "./internal/Arguments";
import { sendGlobalUpdate } from "./internal/GlobalUpdateSender";
import { loadRounds } from "./internal/Loader";
import { deepCopy, fillNewProfile, type StoredProfile } from "./internal/Payload";
import type { Schema } from "./internal/Schema";
import { reportSchemaRefusal, settleLoaded } from "./internal/SchemaLoad";
import { registerIssue, ServiceState } from "./internal/ServiceState";
import { StoreCore } from "./internal/StoreCore";
import { registerStore, resolveLoaded } from "./internal/TransactionResolve"; // issue 26: transactions
import { markSettledOnLoad } from "./internal/TransactionWatch"; // issue 26

/** What a not-released handler function may answer. */
export type NotReleasedAnswer = "Repeat" | "Cancel" | "ForceLoad" | "Steal";

/**
 * What LoadProfileAsync does when another server holds the profile: "ForceLoad" (ask it to release, then take
 * the lock), "Steal" (take the lock at once), or a function of the holder's (placeId, jobId).
 */
export type NotReleasedHandler = "ForceLoad" | "Steal" | ((placeId: number, gameJobId: string) => NotReleasedAnswer);

/**
 * The argument of GetProfileStore: a DataStore name, or a name and scope with options. `DataType` is the template's
 * type, which the last migration must return and Validate receives; `Migrations` is the type of the migration list
 * (inferred), which must chain (see {@link MigrationChain}).
 */
export type ProfileStoreIndex<
	DataType extends object = object,
	Migrations extends MigrationList<NoInfer<DataType>> = MigrationList<NoInfer<DataType>>,
> =
	| string
	| {
			/** DataStore name (at most 50 characters). */
			Name: string;
			/** DataStore scope (at most 50 characters). Default: the DataStore's global scope. */
			Scope?: string;
			/** A DataStore of your own, instead of Roblox's (for tests or other backends). */
			DataStore?: DataStoreAdapter;
			/**
			 * Ordered migrations of the saved Data: `Migrations[i]` turns data at schema version i into version i + 1,
			 * and the store's version is `Migrations.size()`. A profile saved without a version (by a store without
			 * migrations, or by the original ProfileService) is at version 0. A load migrates in memory, before the
			 * profile is returned; the next save writes the migrated Data with its version. Data at a newer version
			 * than this store's is not loaded, unless every newer migration is marked BackwardsCompatible. The version
			 * is kept in the MetaTag "_Schema", which is reserved. Default: no migrations (version 0).
			 */
			Migrations?: Migrations & MigrationChain<Migrations>;
			/**
			 * Checks Data on every load (after migrations) and before every save. A load whose data fails returns no
			 * profile; a save whose data fails is skipped (the last good save stays, and the profile stays active).
			 * The reason goes to a warning and IssueSignal. Default: no check.
			 */
			Validate?: DataValidator<NoInfer<DataType>>;
			/**
			 * Seconds between two auto-saves of each loaded profile, from 10 to 1200. Default 30 (the original's).
			 * The trade-off: a server that crashes loses up to one period of its players' progress (what was not
			 * saved yet), while each profile costs one UpdateAsync per period, so 300 makes ten times fewer writes
			 * than 30. Hand-offs, takeovers and global updates stay fast with any period: this server keeps one
			 * heartbeat in MemoryStoreService (about one request a second, whatever the number of profiles) that
			 * requesters judge it by and that carries its inbox of requests and gift notices. With MixedFleet (the
			 * default) a lock that no save confirmed for 32 s is also read (a GetAsync), so that a ForceLoad from a
			 * server that sends no message (the original ProfileService) is answered in the original's time.
			 */
			AutoSavePeriod?: number;
			/**
			 * Whether servers that do not run this library (the original ProfileService, or this library before 0.2)
			 * may load this store's profiles. Default true: each lock that no save confirmed for 32 s is read, about
			 * 120 GetAsync per profile-hour at a long period. Set it to false only when every server that loads
			 * these profiles runs this library: requests then reach a holder through its heartbeat's inbox instead,
			 * and a long-period profile costs one UpdateAsync per period and nothing else. A store that meets a lock
			 * of a server that is not this library's goes back to the default on this server, whatever this says.
			 * @example
			 * // Every server of the game runs this library: a profile costs 12 UpdateAsync an hour, and nothing else.
			 * ProfileService.GetProfileStore({ Name: "PlayerData", AutoSavePeriod: 300, MixedFleet: false }, template);
			 */
			MixedFleet?: boolean;
	  };

// The public facade: argument checks and delegation. The protocols live in internal/: Loader and LockProtocol
// (loading and the session lock), SaveProtocol (auto-saves, releases, overwrites) and GlobalUpdateSender; StoreCore
// is the DataStore transport and the host of this store's profiles.
/**
 * A set of profiles in one DataStore (name and scope), like `DataStoreService:GetDataStore()`. Loads profiles
 * with session locks, views them, sends them global updates and queries their versions.
 */
export class ProfileStore<
	DataType extends object,
	RobloxMetaData = object,
	GlobalUpdateType extends object = GlobalUpdateData,
> {
	/**
	 * The same store over an in-memory DataStore that forgets everything when the server stops, isolated from
	 * the live one: for Studio testing, or for temporary profiles on live servers. `.Mock` of a mock store is that
	 * same mock store.
	 */
	public readonly Mock: ProfileStore<DataType, RobloxMetaData, GlobalUpdateType>;
	private readonly core: StoreCore;

	private constructor(
		name: string,
		scope: string | undefined,
		template: DataType,
		isDotMock: boolean,
		adapter: DataStoreAdapter | undefined,
		schema: Schema | undefined,
		autoSavePeriod: number | undefined,
		mixedFleet: boolean,
	) {
		this.core = new StoreCore(name, scope, template, isDotMock, adapter, schema, autoSavePeriod, mixedFleet);
		registerStore(this.core); // issue 26: a transaction's keys reach their coordinator's store
		// `.Mock` of a mock store is the store itself: applying "use Mock" twice must never reach live keys.
		this.Mock = isDotMock
			? this
			: new ProfileStore(name, scope, template, true, undefined, schema, autoSavePeriod, mixedFleet);
	}

	/** @internal */
	public static create<D extends object, R, U extends object>(
		name: string,
		scope: string | undefined,
		template: D,
		adapter: DataStoreAdapter | undefined,
		schema?: Schema,
		autoSavePeriod?: number,
		mixedFleet = true,
	): ProfileStore<D, R, U> {
		return new ProfileStore<D, R, U>(name, scope, template, false, adapter, schema, autoSavePeriod, mixedFleet);
	}

	/**
	 * True when this store keeps its profiles in memory instead of Roblox's DataStores: `.Mock` stores, and every
	 * store in Studio without API access. May yield while ProfileService checks Studio's API access.
	 */
	public IsMock(): boolean {
		expectMethodCall(this, ProfileStore, "ProfileStore:IsMock()");
		return this.core.isMockStore();
	}

	/**
	 * Loads a profile and session-locks it to this server. Yields. Returns undefined when the handler cancels,
	 * another server force-loads the profile meanwhile, a newer LoadProfileAsync for the same key starts, or the
	 * server is shutting down (as the original does). A key this server has just released is loaded once that
	 * release has reached the DataStore, so the load gets back exactly what was released. With `Migrations`, the
	 * Data is migrated to the store's version before it is returned (saved at the next save); the load returns
	 * undefined, with the reason in IssueSignal, when the data is newer than the store's version (the key is left
	 * as it was), or a migration or Validate fails (the lock is given back, the stored data untouched).
	 *
	 * @param profileKey DataStore key, 1 to 50 characters.
	 * @param notReleasedHandler What to do when another server holds the profile. Default "ForceLoad": ask the
	 * holder to release it (at once when it runs this library, at its next save otherwise) and steal the lock
	 * after 8 unanswered steps, so a crashed server's lock is taken in about a minute.
	 * @throws When `profileKey` is not a string of 1 to 50 characters, `notReleasedHandler` is not one of the above,
	 * the key is already loaded on this server, or the handler returns another value.
	 * @example
	 * const profile = store.LoadProfileAsync(`Player_${player.UserId}`);
	 * if (profile === undefined) return player.Kick("Your data could not be loaded");
	 */
	public LoadProfileAsync(
		profileKey: string,
		notReleasedHandler: NotReleasedHandler = "ForceLoad",
	): Profile<DataType, RobloxMetaData, GlobalUpdateType> | undefined {
		const method = "ProfileStore:LoadProfileAsync()";
		expectMethodCall(this, ProfileStore, method);
		expectProfileKey(method, profileKey);
		expectArgument(
			method,
			"notReleasedHandler",
			notReleasedHandler,
			t.union(t.literal("ForceLoad"), t.literal("Steal"), t.callback),
			'"ForceLoad", "Steal" or a function',
		);
		if (ServiceState.locked) return undefined;
		const core = this.core;
		if (core.loaded().has(profileKey)) {
			error(
				`[ProfileService] ${method}: profile ${core.identify(profileKey)} is already loaded on this server; release it before loading it again`,
				2,
			);
		}
		// The newest load of a key wins; every ProfileStore object of this name and scope shares the tokens.
		const tokenId = core.sessionId(profileKey);
		const token = (ServiceState.loadTokens.get(tokenId) ?? 0) + 1;
		ServiceState.loadTokens.set(tokenId, token);
		ServiceState.activeLoadJobs += 1;
		let settledTransaction: string | undefined; // issue 26: a pending transaction resolved by this load
		const [ok, result] = pcall(() =>
			settleLoaded(
				core,
				core.schema,
				profileKey,
				resolveLoaded(
					core,
					profileKey,
					loadRounds(core, core.template, profileKey, notReleasedHandler, token, core.schema),
					(id) => (settledTransaction = id),
				),
			),
		);
		ServiceState.activeLoadJobs -= 1;
		if (ServiceState.loadTokens.get(tokenId) === token) ServiceState.loadTokens.delete(tokenId);
		if (!ok) error(result, 0);
		if (result === undefined) return undefined;
		const profile = core.adopt<DataType, RobloxMetaData, GlobalUpdateType>(
			profileKey,
			result[0],
			result[1],
			result[2],
			result[4],
		);
		if (profile !== undefined && settledTransaction !== undefined) markSettledOnLoad(profile, settledTransaction);
		// A lock handed over by the previous holder is written by this server as soon as its write cooldown allows:
		// until then, other servers judge it by the shorter window of a lock nobody has claimed.
		if (profile !== undefined && result[3]) profile.Save();
		return profile;
	}

	/**
	 * Sends global updates to a profile, loaded anywhere or nowhere (it need not exist yet). `updateHandler`
	 * receives a GlobalUpdates object on which to call AddActiveUpdate, ChangeActiveUpdate and ClearActiveUpdate;
	 * it must not yield. Yields; retries until the DataStore accepts the update. Returns the profile's updates
	 * (read-only), or undefined if the server is shutting down (as the original does).
	 *
	 * Each call takes effect exactly once. When a write fails after it may have reached the DataStore (a lost
	 * response looks like any other error), the retry first checks whether that write landed, by a marker it put
	 * in the key's DataStore metadata and, if other writes came after it, in the key's recent versions; only if
	 * it did not land does the handler run again. The marker stays in `KeyInfo:GetMetadata()` until the
	 * profile's next save; the stored value keeps the original's format.
	 * @throws On a bad key or handler, with the handler's own error (a yield included), when an update the handler
	 * added or changed holds a value the DataStore cannot store, and when the DataStore refuses the updates (for
	 * example, the key would grow over the size limit): retrying could never succeed. Nothing is written then.
	 * @example
	 * store.GlobalUpdateProfileAsync(`Player_${recipientId}`, (updates) => {
	 * 	updates.AddActiveUpdate({ Type: "Gift", Item: "Sword" });
	 * });
	 */
	public GlobalUpdateProfileAsync(
		profileKey: string,
		updateHandler: (globalUpdates: GlobalUpdates<GlobalUpdateType>) => void,
	): GlobalUpdates<GlobalUpdateType> | undefined {
		const method = "ProfileStore:GlobalUpdateProfileAsync()";
		expectMethodCall(this, ProfileStore, method);
		expectProfileKey(method, profileKey);
		expectArgument(method, "updateHandler", updateHandler, t.callback, "a function");
		return sendGlobalUpdate(this.core, profileKey, updateHandler);
	}

	/**
	 * Reads a profile without locking it: the latest version, or `version` (from a version listing). Returns
	 * undefined when the key is empty, the version does not exist or the DataStore rejects it as not valid (with
	 * a warning), and when the server is shutting down. The profile is in view mode: it never saves, except
	 * through OverwriteAsync. Yields; retries other DataStore errors. With `Migrations`, the view's Data is migrated
	 * in memory (nothing is written); data newer than the store's version, or a failing migration or Validate,
	 * returns undefined with the reason in IssueSignal.
	 * @throws On a bad key or version argument.
	 */
	public ViewProfileAsync(
		profileKey: string,
		version?: string,
	): Profile<DataType, RobloxMetaData, GlobalUpdateType> | undefined {
		const method = "ProfileStore:ViewProfileAsync()";
		expectMethodCall(this, ProfileStore, method);
		expectProfileKey(method, profileKey);
		expectArgument(method, "version", version, t.optional(t.string), "a version string or undefined");
		const core = this.core;
		while (!ServiceState.locked) {
			const missing = (payload: StoredProfile) => {
				fillNewProfile(payload, core.template);
				core.schema.stampNew(payload.MetaData!);
			};
			const result = core.update(profileKey, { missing }, true, version);
			if (result === false) return undefined;
			if (result !== undefined) {
				if (result.keyInfo === undefined) return undefined;
				// Views migrate in memory, like loads, and never write; OverwriteAsync writes the migrated Data.
				const storedTags = deepCopy(result.payload.MetaData!.MetaTags);
				const refusal = core.schema.upgrade(result.payload);
				if (refusal !== undefined) {
					reportSchemaRefusal(core, profileKey, "Profile not viewed", refusal);
					return undefined;
				}
				return core.makeProfile<DataType, RobloxMetaData, GlobalUpdateType>(
					profileKey,
					result.payload,
					result.keyInfo,
					true,
					storedTags,
				);
			}
			task.wait();
		}
		return undefined;
	}

	/**
	 * Lists a profile's saved versions, oldest first by default; each NextAsync returns the next version as a
	 * view-mode profile. Works on Mock stores too.
	 *
	 * Once the server is shutting down, the query returns no versions (as the original's does).
	 *
	 * @throws On a bad argument.
	 * @param sortDirection Default Ascending.
	 * @param minDate Earliest version time: a DateTime or Unix milliseconds.
	 * @param maxDate Latest version time: a DateTime or Unix milliseconds.
	 * @example
	 * // Roll back to the last version before an incident:
	 * const query = store.ProfileVersionQuery(key, Enum.SortDirection.Descending, undefined, DateTime.fromUniversalTime(2024, 8, 13));
	 * const view = query.NextAsync();
	 * view?.OverwriteAsync();
	 */
	public ProfileVersionQuery(
		profileKey: string,
		sortDirection?: Enum.SortDirection,
		minDate?: DateTime | number,
		maxDate?: DateTime | number,
	): ProfileVersionQuery<DataType, RobloxMetaData, GlobalUpdateType> {
		const method = "ProfileStore:ProfileVersionQuery()";
		expectMethodCall(this, ProfileStore, method);
		expectProfileKey(method, profileKey);
		expectArgument(
			method,
			"sortDirection",
			sortDirection,
			t.optional(t.enum(Enum.SortDirection)),
			"an Enum.SortDirection or undefined",
		);
		const date = t.optional(t.union(t.DateTime, t.number));
		expectArgument(method, "minDate", minDate, date, "a DateTime, Unix milliseconds or undefined");
		expectArgument(method, "maxDate", maxDate, date, "a DateTime, Unix milliseconds or undefined");
		const toMillis = (value: DateTime | number | undefined) =>
			typeIs(value, "DateTime") ? value.UnixTimestampMillis : (value as number | undefined);
		const query = ProfileVersionQuery.create<DataType, RobloxMetaData, GlobalUpdateType>(
			this,
			profileKey,
			sortDirection,
			toMillis(minDate),
			toMillis(maxDate),
		);
		if (ServiceState.locked) query.finish();
		return query;
	}

	/** @internal Lists versions through the request budget check. */
	public listVersionsAsync(
		key: string,
		sortDirection: Enum.SortDirection | undefined,
		minDate?: number,
		maxDate?: number,
	) {
		return this.core.listVersionsAsync(key, sortDirection, minDate, maxDate);
	}

	/**
	 * Erases a profile's key (right of erasure). Returns whether the DataStore accepted it; a failure also fires
	 * IssueSignal. Returns false once the server is shutting down (as the original does). Yields. Release the
	 * profile everywhere first: a server still holding it would lose it at its next save.
	 * @throws On a bad key.
	 */
	public WipeProfileAsync(profileKey: string): boolean {
		const method = "ProfileStore:WipeProfileAsync()";
		expectMethodCall(this, ProfileStore, method);
		expectProfileKey(method, profileKey);
		if (ServiceState.locked) return false;
		const core = this.core;
		const [ok, err] = pcall(() => core.send(profileKey, "update", (store) => store.RemoveAsync(profileKey)));
		if (!ok) registerIssue(tostring(err), core.name, core.identify(profileKey), profileKey);
		return ok;
	}
}
