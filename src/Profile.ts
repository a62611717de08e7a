import type { ProfileKeyInfo } from "./DataStoreAdapter";
import { GlobalUpdates, type GlobalUpdateData } from "./GlobalUpdates";
import { ScriptSignal, type ScriptConnection } from "./ScriptSignal";
import { deepCopy } from "./internal/Payload";
import type { LockRecord, ProfileHost, ProfileInternals } from "./internal/ProfileHost";
import { expectArgument, expectMethodCall, expectStorable } from "./internal/Arguments";
import { Settings } from "./internal/Constants";
import { childPath } from "./internal/Validation";
import { t } from "@rbxts/t";

const wholeNumber = (value: unknown): value is number => t.number(value) && value % 1 === 0;
// A DataStore refuses a table key that is not valid UTF-8, like any such string.
const isTagName = (value: unknown): value is string =>
	t.string(value) && value.size() > 0 && utf8.len(value)[0] !== undefined;

/** Information about a profile, saved with it. */
export interface ProfileMetaData {
	/** os.time() when the profile was created. */
	readonly ProfileCreateTime: number;
	/** How many times the profile has been loaded. */
	readonly SessionLoadCount: number;
	/** [placeId, jobId] of the server that holds the profile, or undefined when released. */
	readonly ActiveSession: [placeId: number, jobId: string] | undefined;
	/** [placeId, jobId] of a server waiting for the holder to release it. */
	readonly ForceLoadSession?: [placeId: number, jobId: string];
	/** os.time() of the last save. */
	readonly LastUpdate?: number;
	/**
	 * Your own tags, saved with the profile like Data; set them with SetMetaTag, which refuses what the DataStore
	 * cannot store. Tags that cannot be stored (or a non-table here) never stop Data from saving: saves keep the last
	 * saved tags and report it.
	 */
	MetaTags: Map<string, unknown>;
	/** The MetaTags as of the last save that reached the DataStore: use it to confirm purchases. */
	readonly MetaTagsLatest: Map<string, unknown>;
}

function reconcile(target: Map<unknown, unknown>, template: Map<unknown, unknown>) {
	for (const [k, v] of pairs(template)) {
		if (!typeIs(k, "string")) continue;
		const current = target.get(k);
		if (current === undefined) {
			target.set(k, deepCopy(v));
		} else if (typeIs(current, "table") && typeIs(v, "table")) {
			reconcile(current as Map<unknown, unknown>, v as Map<unknown, unknown>);
		}
	}
}

/** The stored parts a Profile is made of. @internal */
interface StoredParts {
	Data: object;
	MetaData: ProfileInternals["MetaData"];
	RobloxMetaData?: object;
	UserIds?: number[];
	GlobalUpdates: import("./internal/Payload").StoredGlobalUpdates;
}

const NO_CONNECTION: ScriptConnection = { Connected: false, Disconnect() {} };

/**
 * A loaded profile: data that this server holds a session lock on, saved automatically every 30 s and once more
 * on release. A profile from `ViewProfileAsync` or `ProfileVersionQuery` is in view mode: never saved, except
 * through `OverwriteAsync`.
 */
// Structurally a ProfileInternals; not declared with `implements`, which would name a stripped internal type in
// the published .d.ts.
export class Profile<
	DataType extends object = object,
	RobloxMetaData = object,
	GlobalUpdateType extends object = GlobalUpdateData,
> {
	/** The profile's data. Read and write freely; it is saved for you while the profile is active. */
	public Data: DataType;
	/** Information about the profile. */
	public readonly MetaData: ProfileMetaData;
	/** Fires after every save that reached the DataStore (and after the last one), with MetaTagsLatest. */
	public readonly MetaTagsUpdated = ScriptSignal.create<[metaTagsLatest: Map<string, unknown>]>();
	/**
	 * Saved as the key's DataStore metadata: a table of at most 300 characters once encoded (keys up to 50, values up
	 * to 250). A value the DataStore refuses never stops Data from saving: saves keep the last saved metadata, and the
	 * warning and IssueSignal name the problem.
	 */
	public RobloxMetaData: RobloxMetaData;
	/**
	 * User ids associated with the profile (GDPR), at most 4. Change through AddUserId and RemoveUserId; a list the
	 * DataStore refuses, pushed directly, is not saved (saves keep the last saved list and report it).
	 */
	public readonly UserIds: number[];
	/** The DataStoreKeyInfo of the last load or save. */
	public KeyInfo: ProfileKeyInfo;
	/** Fires with the new KeyInfo after every save. */
	public readonly KeyInfoUpdated = ScriptSignal.create<[keyInfo: ProfileKeyInfo]>();
	/** The profile's global updates. */
	public GlobalUpdates: GlobalUpdates<GlobalUpdateType>;
	/**
	 * The GlobalUpdates object the profile was made with, which saves use even if the public field is replaced.
	 * @internal
	 */
	public ownUpdates: GlobalUpdates<GlobalUpdateType>;
	/** Set after the DataStore refused MetaTags: later saves check them before sending until they pass. @internal */
	public metaTagsRefused?: boolean;

	/** @internal */
	public readonly key: string;
	/** @internal */
	public readonly viewMode: boolean;
	/** @internal */
	public readonly loadedAt = os.clock();
	// Internal state that most profiles never need starts out undefined: a Luau table's hash part doubles past 16
	// fields, and a server holds a profile per player.
	/** Encoded size at the last measurement; undefined before the first. @internal */
	public lastSize?: number;
	/** @internal */
	public savesSinceSizeCheck?: number;
	/** @internal */
	public hopReady?: boolean;
	/** The lock upkeep's record of the session (see LockUpkeep.ts); undefined in view mode. @internal */
	public lock?: LockRecord;
	/** What this session knows about the profile's transactions (TransactAsync). @internal */
	public transaction?: import("./internal/TransactionFormat").ProfileTransactionState;
	/** @internal */
	public readonly host: ProfileHost;
	private releaseListeners?: ScriptSignal<[placeId: number | undefined, jobId: string | undefined]>;
	private hopReadyListeners?: ScriptSignal;

	private constructor(
		host: ProfileHost,
		key: string,
		stored: StoredParts,
		keyInfo: ProfileKeyInfo,
		viewMode: boolean,
	) {
		this.host = host;
		this.key = key;
		this.viewMode = viewMode;
		this.Data = stored.Data as DataType;
		this.MetaData = stored.MetaData as unknown as ProfileMetaData;
		this.RobloxMetaData = (stored.RobloxMetaData ?? {}) as RobloxMetaData;
		this.UserIds = stored.UserIds ?? [];
		this.KeyInfo = keyInfo;
		this.ownUpdates = GlobalUpdates.create<GlobalUpdateType>(
			stored.GlobalUpdates,
			viewMode ? "view" : "profile",
			() => this.IsActive(),
		);
		this.GlobalUpdates = this.ownUpdates;
	}

	/** @internal */
	public static create<D extends object, R, U extends object>(
		host: ProfileHost,
		key: string,
		stored: StoredParts,
		keyInfo: ProfileKeyInfo,
		viewMode: boolean,
	): Profile<D, R, U> {
		return new Profile<D, R, U>(host, key, stored, keyInfo, viewMode);
	}

	/** True while this server holds the session lock and changes to Data are guaranteed to be saved. */
	public IsActive(): boolean {
		expectMethodCall(this, Profile, "Profile:IsActive()");
		return !this.viewMode && this.host.isLoaded(this.key, this);
	}

	/**
	 * `MetaData.MetaTags[tagName]`, or undefined. Name the type you stored with SetMetaTag as the type argument.
	 * @example
	 * profile.SetMetaTag("DataVersion", 2);
	 * const version = profile.GetMetaTag<number>("DataVersion") ?? 1;
	 */
	public GetMetaTag<T = unknown>(tagName: string): T | undefined {
		expectMethodCall(this, Profile, "Profile:GetMetaTag()");
		return this.metaTags("Profile:GetMetaTag()").get(tagName) as T | undefined;
	}

	/** MetaData.MetaTags, or an error naming `method` when it was replaced by something that is not a table. */
	private metaTags(method: string): Map<string, unknown> {
		const tags = this.MetaData.MetaTags as unknown;
		if (typeOf(tags) !== "table") {
			error(`[ProfileService] ${method}: MetaData.MetaTags is a ${typeOf(tags)}, not a table`, 3);
		}
		return tags as Map<string, unknown>;
	}

	/**
	 * Errors when a change can no longer be saved: the profile was released (here or remotely). A view-mode profile
	 * accepts changes, which OverwriteAsync writes.
	 */
	private expectUnreleased(method: string) {
		if (!this.viewMode && !this.IsActive()) {
			error(`[ProfileService] ${method}: the profile is released, so the change would never be saved`, 3);
		}
	}

	/**
	 * @deprecated The seed documentation names this `GetMetaTag`; this alias keeps code written against the
	 * `@rbxts/profileservice` typings compiling.
	 */
	public GetMetaTags(tagName: string): unknown {
		expectMethodCall(this, Profile, "Profile:GetMetaTags()");
		return this.GetMetaTag(tagName);
	}

	/**
	 * Sets `MetaData.MetaTags[tagName]`; the value reaches MetaTagsLatest after the next save.
	 * @throws When `tagName` is not a non-empty string of valid UTF-8, `value` is something a DataStore cannot store
	 * (a function, an Instance, NaN, an infinity, a string that is not valid UTF-8, a mixed, sparse or cyclic table),
	 * MetaData.MetaTags is not a table, or the profile is released. Nothing changes on error.
	 */
	public SetMetaTag(tagName: string, value: unknown): void {
		const method = "Profile:SetMetaTag()";
		expectMethodCall(this, Profile, method);
		expectArgument(method, "tagName", tagName, isTagName, "a non-empty string of valid UTF-8");
		const tags = this.metaTags(method);
		this.expectUnreleased(method);
		expectStorable(method, "value", value, childPath("MetaTags", tagName));
		tags.set(tagName, value);
	}

	/** Fills in what Data is missing from the template: string keys only, deep-copying tables. */
	public Reconcile(): void {
		expectMethodCall(this, Profile, "Profile:Reconcile()");
		reconcile(this.Data as Map<unknown, unknown>, this.host.template as Map<unknown, unknown>);
	}

	/**
	 * Calls `listener(placeId, jobId)` when the profile is released, here or because another server took it.
	 * If the profile is already released, `listener` is called at once.
	 */
	public ListenToRelease(
		listener: (placeId: number | undefined, jobId: string | undefined) => void,
	): ScriptConnection {
		expectMethodCall(this, Profile, "Profile:ListenToRelease()");
		expectArgument("Profile:ListenToRelease()", "listener", listener, t.callback, "a function");
		if (this.viewMode) return NO_CONNECTION;
		if (!this.IsActive()) {
			const session = this.MetaData.ActiveSession;
			task.spawn(listener, session?.[0], session?.[1]);
			return NO_CONNECTION;
		}
		this.releaseListeners ??= ScriptSignal.create();
		return this.releaseListeners.Connect(listener);
	}

	/**
	 * Saves Data for the last time and releases the session lock. Listeners of ListenToRelease run at once; those
	 * of ListenToHopReady once the release has reached the DataStore. Releasing a profile that is already released
	 * (here, or by another server that took it) does nothing: games routinely release on leave whatever happened
	 * before.
	 * @throws In view mode, where there is no session lock to release.
	 */
	public Release(): void {
		expectMethodCall(this, Profile, "Profile:Release()");
		if (this.viewMode) error("[ProfileService] Profile:Release(): a view-mode profile holds no session lock", 2);
		if (this.IsActive()) this.host.spawnSave(this, true);
	}

	/** Calls `listener` once the released lock has reached the DataStore (before teleporting the player). */
	public ListenToHopReady(listener: () => void): ScriptConnection {
		expectMethodCall(this, Profile, "Profile:ListenToHopReady()");
		expectArgument("Profile:ListenToHopReady()", "listener", listener, t.callback, "a function");
		if (this.viewMode) return NO_CONNECTION;
		if (this.hopReady) {
			task.spawn(listener);
			return NO_CONNECTION;
		}
		this.hopReadyListeners ??= ScriptSignal.create();
		return this.hopReadyListeners.Connect(listener);
	}

	/**
	 * Associates a user id with the profile (GDPR). Negative ids are kept only in mock stores.
	 * @throws When `userId` is not a whole number, the profile already has the 4 user ids a DataStore key can hold,
	 * or the profile is released.
	 */
	public AddUserId(userId: number): void {
		const method = "Profile:AddUserId()";
		expectMethodCall(this, Profile, method);
		expectArgument(method, "userId", userId, wholeNumber, "a whole number");
		this.expectUnreleased(method);
		if (userId < 0 && !this.host.isMockStore()) return;
		if (this.UserIds.includes(userId)) return;
		if (this.UserIds.size() >= Settings.MaxUserIds) {
			error(
				`[ProfileService] ${method}: argument "userId" (${userId}) would be the ${this.UserIds.size() + 1}th user id; a DataStore key holds at most ${Settings.MaxUserIds} (RemoveUserId one first)`,
				2,
			);
		}
		this.UserIds.push(userId);
	}

	/**
	 * Removes a user id association.
	 * @throws When `userId` is not a whole number, or the profile is released.
	 */
	public RemoveUserId(userId: number): void {
		const method = "Profile:RemoveUserId()";
		expectMethodCall(this, Profile, method);
		expectArgument(method, "userId", userId, wholeNumber, "a whole number");
		this.expectUnreleased(method);
		const index = this.UserIds.indexOf(userId);
		if (index !== -1) this.UserIds.remove(index);
	}

	/** The store, scope and key, for logs: `[Store:"PlayerData";Scope:"Live";Key:"Player_1"]`. */
	public Identify(): string {
		expectMethodCall(this, Profile, "Profile:Identify()");
		return this.host.identify(this.key);
	}

	/**
	 * Saves now instead of at the next auto-save, to deliver global update changes or MetaTags sooner. Does not
	 * yield. Errors in view mode; warns if the profile is no longer active.
	 */
	public Save(): void {
		expectMethodCall(this, Profile, "Profile:Save()");
		if (this.viewMode) {
			error(
				"[ProfileService] Profile:Save(): can't save in view mode; use Profile:OverwriteAsync() to write a view",
				2,
			);
		}
		if (!this.IsActive()) {
			warn(`[ProfileService]: Attempted saving an inactive profile ${this.Identify()}`);
			return;
		}
		// A save already under way is followed by this one (SaveProtocol sends one auto-save at a time).
		this.host.restartAutoSave(this);
		this.host.spawnSave(this, false);
	}

	/** View mode only: removes every global update from this payload before OverwriteAsync. */
	public ClearGlobalUpdates(): void {
		expectMethodCall(this, Profile, "Profile:ClearGlobalUpdates()");
		if (!this.viewMode) error("[ProfileService] Profile:ClearGlobalUpdates() only works in view mode", 2);
		this.ownUpdates = GlobalUpdates.create<GlobalUpdateType>([0, []], "view");
		this.GlobalUpdates = this.ownUpdates;
	}

	/**
	 * View mode only: writes this payload as the profile's latest version and removes any session lock. For
	 * rollbacks; a server holding the profile loses it at its next save. Yields.
	 */
	public OverwriteAsync(): void {
		expectMethodCall(this, Profile, "Profile:OverwriteAsync()");
		if (!this.viewMode) error("[ProfileService] Profile:OverwriteAsync() only works in view mode", 2);
		this.host.overwriteAsync(this);
	}

	/** @internal */
	public requestRelease() {
		this.Release();
	}

	/** @internal */
	public onHopReady(callback: () => void) {
		this.ListenToHopReady(callback);
	}

	/** @internal */
	public markReleased() {
		const session = this.MetaData.ActiveSession;
		this.releaseListeners?.Fire(session?.[0], session?.[1]);
		this.releaseListeners?.DisconnectAll();
	}

	/** @internal */
	public fireSaved() {
		this.MetaTagsUpdated.Fire(this.MetaData.MetaTagsLatest);
		this.KeyInfoUpdated.Fire(this.KeyInfo);
	}

	/** @internal */
	public fireHopReady() {
		if (this.hopReady) return;
		this.hopReady = true;
		this.hopReadyListeners?.Fire();
		this.hopReadyListeners?.DisconnectAll();
	}
}

/**
 * A profile read with ViewProfileAsync or a ProfileVersionQuery. The same class as Profile (in view mode); the name
 * is the `@rbxts/profileservice` typings', so code written against them keeps compiling.
 */
export type ViewProfile<
	DataType extends object = object,
	RobloxMetaData = object,
	GlobalUpdateType extends object = GlobalUpdateData,
> = Profile<DataType, RobloxMetaData, GlobalUpdateType>;
