import { joinKey } from "./internal/Keys";
import { HttpService } from "@rbxts/services";
import { t } from "@rbxts/t";
import type { DataStoreAdapter, ProfileKeyInfo } from "./DataStoreAdapter";
import { GlobalUpdates, type GlobalUpdateData } from "./GlobalUpdates";
import { MockDataStoreAdapter } from "./MockDataStoreAdapter";
import { Profile } from "./Profile";
import { ProfileVersionQuery } from "./ProfileVersionQuery";
import { RobloxDataStoreAdapter } from "./RobloxDataStoreAdapter";
import { expectArgument, expectProfileKey } from "./internal/Arguments";
import { addToAutoSave, removeFromAutoSave, restartAutoSave } from "./internal/AutoSave";
import { MetaDataUpdatedFields, Settings } from "./internal/Constants";
import { ensureHandOffSubscribed, requestHandOff, requestHandOffLater } from "./internal/HandOff";
import { callWithoutYield } from "./internal/NoYield";
import {
	deepCopy,
	newMetaData,
	normalizePayload,
	sameSession,
	type SessionTag,
	type StoredMetaData,
	type StoredProfile,
} from "./internal/Payload";
import type { ProfileInternals } from "./internal/ProfileHost";
import { loadedMap, ServiceState, thisSession, waitForLiveCheck } from "./internal/ServiceState";
import { isUncertainWrite, metadataWithNonce, newUncertainWrite, type UncertainWrite } from "./internal/UncertainWrite";
import { encodedLength, findUnstorable } from "./internal/Validation";
import { WriteQueue } from "./internal/WriteQueue";

/** What a not-released handler function may answer. */
export type NotReleasedAnswer = "Repeat" | "Cancel" | "ForceLoad" | "Steal";

/**
 * What LoadProfileAsync does when another server holds the profile: "ForceLoad" (ask it to release, then take
 * the lock), "Steal" (take the lock at once), or a function of the holder's (placeId, jobId).
 */
export type NotReleasedHandler = "ForceLoad" | "Steal" | ((placeId: number, gameJobId: string) => NotReleasedAnswer);

/** The argument of GetProfileStore: a DataStore name, or a name and scope. */
export type ProfileStoreIndex =
	| string
	| {
			/** DataStore name (at most 50 characters). */
			Name: string;
			/** DataStore scope (at most 50 characters). Default: the DataStore's global scope. */
			Scope?: string;
			/** A DataStore of your own, instead of Roblox's (for tests or other backends). */
			DataStore?: DataStoreAdapter;
	  };

interface UpdateHandlers {
	existing?: (payload: StoredProfile) => void;
	missing?: (payload: StoredProfile) => void;
	/**
	 * Edits what will be written. Returning false cancels the write (the transform returns nil), so a key that
	 * this request has no business changing is never rewritten.
	 */
	edit?: (payload: StoredProfile, keyInfo: ProfileKeyInfo | undefined, missing: boolean) => boolean | void;
	/** The key metadata to write instead of the payload's RobloxMetaData. */
	metadata?: (payload: StoredProfile) => object | undefined;
}

/** What one UpdateAsync (or GetAsync) saw and did. */
interface UpdateOutcome {
	/** The stored value after the request: what was written, or for a cancelled write what the key holds. */
	payload: StoredProfile;
	/** Key info of the stored value; undefined for an empty key and for cancelled writes. */
	keyInfo: ProfileKeyInfo | undefined;
	/** True when the edit handler cancelled the write. */
	cancelled: boolean;
}

const writeQueue = new WriteQueue();

/** Registers a DataStore error: warning, issue count (critical state) and IssueSignal. @internal */
export function registerIssue(message: string, storeName: string, identity: string, key: string) {
	warn(`[ProfileService]: DataStore API error ${identity} - "${message}"`);
	ServiceState.issues.record();
	ServiceState.issueSignal.Fire(message, storeName, key);
}

/**
 * A set of profiles in one DataStore (name and scope), like `DataStoreService:GetDataStore()`. Loads profiles
 * with session locks, views them, sends them global updates and queries their versions.
 */
// Structurally a ProfileHost (not `implements`, which would name a stripped internal type in the .d.ts).
export class ProfileStore<DataType extends object, RobloxMetaData extends object = object> {
	/**
	 * The same store over an in-memory DataStore that forgets everything when the server stops, isolated from
	 * the live one: for Studio testing, or for temporary profiles on live servers. `.Mock` of a mock store is that
	 * same mock store.
	 */
	public readonly Mock: ProfileStore<DataType, RobloxMetaData>;

	/** @internal */
	public readonly name: string;
	/** @internal */
	public readonly scope: string | undefined;
	/** @internal */
	public readonly lookup: string;
	/** @internal */
	public readonly template: DataType;
	/** @internal */
	public readonly isUserMock: boolean;
	private adapter: DataStoreAdapter | undefined;

	/** @internal */
	public constructor(
		name: string,
		scope: string | undefined,
		template: DataType,
		isUserMock: boolean,
		adapter: DataStoreAdapter | undefined,
	) {
		this.name = name;
		this.scope = scope;
		this.lookup = joinKey(name, scope ?? "");
		this.template = template;
		this.isUserMock = isUserMock;
		this.adapter = isUserMock ? MockDataStoreAdapter.forLookup("user", this.lookup) : adapter;
		// `.Mock` of a mock store is the store itself: applying "use Mock" twice must never reach live keys.
		this.Mock = isUserMock ? this : new ProfileStore(name, scope, template, true, undefined);
	}

	/** @internal */
	public getAdapter(): DataStoreAdapter {
		if (this.adapter === undefined) {
			waitForLiveCheck();
			this.adapter ??= ServiceState.useOfflineMock
				? MockDataStoreAdapter.forLookup("offline", this.lookup)
				: new RobloxDataStoreAdapter(this.name, this.scope);
		}
		return this.adapter;
	}

	/** @internal */
	public isMockStore(): boolean {
		return this.getAdapter().IsMock;
	}

	/**
	 * True when this store keeps its profiles in memory instead of Roblox's DataStores: `.Mock` stores, and every
	 * store in Studio without API access. May yield while ProfileService checks Studio's API access.
	 */
	public IsMock(): boolean {
		return this.getAdapter().IsMock;
	}

	/** @internal */
	public identify(key: string) {
		return this.scope !== undefined
			? `[Store:"${this.name}";Scope:"${this.scope}";Key:"${key}"]`
			: `[Store:"${this.name}";Key:"${key}"]`;
	}

	private loaded() {
		return loadedMap(this.isUserMock, this.lookup);
	}

	/** @internal */
	public isLoaded(key: string, profile: object) {
		return this.loaded().get(key) === profile;
	}

	/** @internal */
	public isWriteQueueIdle(key: string) {
		return writeQueue.isIdle(joinKey(this.lookup, key));
	}

	/** Sends one DataStore request for `key` through the write queue and the budget check. */
	private send<T>(key: string, kind: "update" | "get" | "list", request: (adapter: DataStoreAdapter) => T): T {
		const adapter = this.getAdapter();
		return writeQueue.run(adapter, joinKey(this.lookup, key), kind, () => request(adapter));
	}

	/** @internal */
	public restartAutoSave(profile: ProfileInternals) {
		restartAutoSave(profile);
	}

	/** @internal */
	public spawnSave(profile: ProfileInternals, release: boolean) {
		task.spawn(() => this.saveAsync(profile, release, false));
	}

	/** @internal */
	public overwriteAsync(profile: ProfileInternals) {
		this.saveAsync(profile, false, true);
	}

	// DataStore access ---------------------------------------------------------------------------------------

	/**
	 * One UpdateAsync (or GetAsync for views) with the original's transform: normalizes what the key holds, runs
	 * the handlers, flags corruption. Returns undefined after registering an issue when the request failed, and
	 * false, after a warning, for a version read that the DataStore rejects as not valid (retrying cannot help).
	 */
	private standardUpdate(
		key: string,
		handlers: UpdateHandlers,
		isGet = false,
		version?: string,
	): UpdateOutcome | false | undefined {
		let cancelled = false;
		let seen: StoredProfile | undefined;
		const transform = (latest: unknown, keyInfo?: ProfileKeyInfo) => {
			const { payload, missing, corrupted } = normalizePayload(latest);
			if (corrupted) payload.WasCorrupted = true;
			if (!missing) handlers.existing?.(payload);
			if (missing) handlers.missing?.(payload);
			seen = payload;
			cancelled = handlers.edit?.(payload, keyInfo, missing) === false;
			if (cancelled) return $tuple(undefined as unknown, undefined, undefined);
			const metadata = handlers.metadata ? handlers.metadata(payload) : payload.RobloxMetaData;
			return $tuple(payload as unknown, payload.UserIds, metadata);
		};
		let value: unknown;
		let keyInfo: ProfileKeyInfo | undefined;
		const [ok, err] = pcall(() => {
			if (isGet) {
				const [stored, info] = this.send(key, "get", (store) => store.GetAsync(key, version));
				keyInfo = info;
				value = transform(stored, info)[0];
			} else {
				const [stored, info] = this.send(key, "update", (store) => store.UpdateAsync(key, transform));
				value = stored;
				keyInfo = info;
			}
		});
		if (ok && cancelled && seen !== undefined) return { payload: seen, keyInfo: undefined, cancelled: true };
		if (ok && typeIs(value, "table")) {
			const payload = value as StoredProfile;
			if (payload.WasCorrupted === true && !isGet) {
				warn(`[ProfileService]: Resolved profile corruption ${this.identify(key)}`);
				ServiceState.corruptionSignal.Fire(this.name, key);
			}
			return { payload, keyInfo, cancelled: false };
		}
		const message = ok ? "Undefined error" : tostring(err);
		// Roblox rejects a malformed version instead of returning nothing; retrying it would never end. The
		// original recognises the rejection by these words.
		if (!ok && version !== undefined && message.find("not valid", 1, true)[0] !== undefined) {
			warn(`[ProfileService]: Version "${version}" is not valid for ${this.identify(key)} - ${message}`);
			return false;
		}
		registerIssue(message, this.name, this.identify(key), key);
		return undefined;
	}

	// Loading ------------------------------------------------------------------------------------------------

	/**
	 * Loads a profile and session-locks it to this server. Yields. Returns undefined when the handler cancels,
	 * another server force-loads the profile meanwhile, a newer LoadProfileAsync for the same key starts, or the
	 * server is shutting down (as the original does). A key this server has just released is loaded once that
	 * release has reached the DataStore, so the load gets back exactly what was released.
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
	): Profile<DataType, RobloxMetaData> | undefined {
		const method = "ProfileStore:LoadProfileAsync()";
		expectProfileKey(method, profileKey);
		expectArgument(
			method,
			"notReleasedHandler",
			notReleasedHandler,
			t.union(t.literal("ForceLoad"), t.literal("Steal"), t.callback),
			'"ForceLoad", "Steal" or a function',
		);
		if (ServiceState.locked) return undefined;
		if (this.loaded().has(profileKey)) {
			error(
				`[ProfileService] ${method}: profile ${this.identify(profileKey)} is already loaded on this server; release it before loading it again`,
				2,
			);
		}
		// Every ProfileStore object of this name and scope shares the tokens, as it shares the loaded profiles.
		const tokenId = this.sessionId(profileKey);
		const token = (ServiceState.loadTokens.get(tokenId) ?? 0) + 1;
		ServiceState.loadTokens.set(tokenId, token);
		ServiceState.activeLoadJobs += 1;
		const [ok, result] = pcall(() => this.loadLoop(profileKey, notReleasedHandler, token));
		ServiceState.activeLoadJobs -= 1;
		if (ServiceState.loadTokens.get(tokenId) === token) ServiceState.loadTokens.delete(tokenId);
		if (!ok) error(result, 0);
		return result;
	}

	private loadLoop(
		key: string,
		handler: NotReleasedHandler,
		token: number,
	): Profile<DataType, RobloxMetaData> | undefined {
		const me: SessionTag = thisSession();
		let forceLoad = handler === "ForceLoad";
		let requestForceLoad = forceLoad;
		let stealSession = false;
		let aggressiveSteal = handler === "Steal";
		let forceLoadSteps = 0;
		let askedHolder = false;
		const adapter = this.getAdapter();
		if (!adapter.IsMock) ensureHandOffSubscribed();
		// A load superseded by a newer load of the same key must never write: its write would bump the load count
		// under the newer profile, which would then find its lock lost and stop saving.
		const tokenId = this.sessionId(key);
		const superseded = () => ServiceState.loadTokens.get(tokenId) !== token;
		// The release of this key from this server may still be retrying (a failed write, a lost response): the
		// load waits for it, or it would read the older auto-saved data and make that release give up.
		while (ServiceState.releasing.has(tokenId) && !ServiceState.locked && !superseded()) {
			task.wait();
		}

		while (!ServiceState.locked && !superseded()) {
			// The read that finds a live holder to ask costs a GetAsync; when the Get budget runs low (many players
			// joining at once), skip it and ask after the first UpdateAsync instead, which is slower by one cooldown.
			if (
				forceLoad &&
				!askedHolder &&
				!adapter.IsMock &&
				adapter.GetBudget("get") >= Settings.HandOffReadBudget
			) {
				askedHolder = true;
				this.askHolderToRelease(key, me);
			}
			const result = this.standardUpdate(key, {
				existing: (payload) => {
					if (ServiceState.locked) return;
					const meta = payload.MetaData!;
					const active = meta.ActiveSession;
					if (active === undefined) {
						meta.ActiveSession = me;
						meta.ForceLoadSession = undefined;
					} else if (typeIs(active, "table")) {
						if (!sameSession(active, me[0], me[1])) {
							if (this.isDead(meta)) {
								meta.ActiveSession = me;
								meta.ForceLoadSession = undefined;
								return;
							}
							if (stealSession || aggressiveSteal) {
								const uninterrupted = sameSession(meta.ForceLoadSession, me[0], me[1]);
								if (uninterrupted || aggressiveSteal) {
									meta.ActiveSession = me;
									meta.ForceLoadSession = undefined;
								}
							} else if (requestForceLoad) {
								meta.ForceLoadSession = me;
							}
						} else {
							meta.ForceLoadSession = undefined;
						}
					}
				},
				missing: (payload) => {
					payload.Data = deepCopy(this.template);
					payload.MetaData = newMetaData(me);
				},
				edit: (payload) => {
					if (superseded()) return false;
					if (ServiceState.locked) return;
					const meta = payload.MetaData!;
					if (sameSession(meta.ActiveSession, me[0], me[1])) {
						meta.SessionLoadCount += 1;
						meta.LastUpdate = os.time();
					}
				},
			});
			if (superseded()) return undefined; // a newer load of this key took over
			if (result === undefined || result === false || result.cancelled) {
				task.wait();
				continue;
			}
			const { payload, keyInfo } = result;
			const meta = payload.MetaData!;
			const active = meta.ActiveSession;
			if (typeIs(active, "table") && sameSession(active, me[0], me[1]) && keyInfo !== undefined) {
				return this.adopt(key, payload, keyInfo);
			}
			if (!typeIs(active, "table")) {
				task.wait();
				continue;
			}
			if (forceLoad) {
				if (!sameSession(meta.ForceLoadSession, me[0], me[1])) return undefined; // another server force-loads it
				if (!askedHolder && !adapter.IsMock && !this.isDead(meta)) {
					askedHolder = true;
					requestHandOffLater(active[1], this.lookup, key);
				}
				if (!requestForceLoad) {
					forceLoadSteps += 1;
					if (forceLoadSteps >= Settings.ForceLoadMaxSteps) stealSession = true;
				}
				requestForceLoad = false;
				task.wait();
			} else if (aggressiveSteal) {
				task.wait();
			} else {
				const answer = (handler as (placeId: number, jobId: string) => unknown)(active[0], active[1]);
				if (answer === "Repeat") {
					task.wait(Settings.RepeatDelay);
				} else if (answer === "Cancel") {
					return undefined;
				} else if (answer === "ForceLoad") {
					forceLoad = true;
					requestForceLoad = true;
					task.wait();
				} else if (answer === "Steal") {
					aggressiveSteal = true;
					task.wait();
				} else {
					error(
						`[ProfileService] ProfileStore:LoadProfileAsync(): the notReleasedHandler returned ${tostring(answer)}; expected "Repeat", "Cancel", "ForceLoad" or "Steal"`,
						0,
					);
				}
			}
		}
		return undefined;
	}

	/** The id under which this server tracks `key` of this store (live or mock) in ServiceState. */
	private sessionId(key: string) {
		return joinKey(joinKey(this.isUserMock ? "mock" : "live", this.lookup), key);
	}

	/** A lock not updated for AssumeDeadSessionLock seconds belongs to a dead server and is taken at once. */
	private isDead(meta: StoredMetaData) {
		return meta.LastUpdate !== undefined && os.time() - meta.LastUpdate > Settings.AssumeDeadSessionLock;
	}

	/** Reads who holds the key; if it is another live server, asks it to release and waits briefly for it. */
	private askHolderToRelease(key: string, me: SessionTag) {
		const [ok, stored] = pcall(() => this.send(key, "get", (store) => store.GetAsync(key)));
		if (!ok || !typeIs(stored, "table")) return;
		const meta = (stored as StoredProfile).MetaData;
		const active = meta?.ActiveSession;
		if (!typeIs(active, "table") || sameSession(active, me[0], me[1]) || this.isDead(meta!)) return;
		requestHandOff(active[1], this.lookup, key, Settings.HandOffAckWait, Settings.HandOffReleaseWait);
	}

	/** A Profile over a stored payload; MetaTagsLatest starts as a copy of the stored MetaTags. */
	private makeProfile(key: string, payload: StoredProfile, keyInfo: ProfileKeyInfo, viewMode: boolean) {
		const meta = payload.MetaData! as unknown as ProfileInternals["MetaData"];
		meta.MetaTagsLatest = deepCopy(meta.MetaTags);
		return new Profile<DataType, RobloxMetaData>(
			this,
			key,
			{
				Data: payload.Data!,
				MetaData: meta,
				RobloxMetaData: payload.RobloxMetaData,
				UserIds: payload.UserIds,
				GlobalUpdates: payload.GlobalUpdates,
			},
			keyInfo,
			viewMode,
		);
	}

	private adopt(
		key: string,
		payload: StoredProfile,
		keyInfo: ProfileKeyInfo,
	): Profile<DataType, RobloxMetaData> | undefined {
		const profile = this.makeProfile(key, payload, keyInfo, false);
		this.loaded().set(key, profile);
		addToAutoSave(profile, () => this.spawnSave(profile, false));
		if (ServiceState.locked) {
			// Loaded while the server started shutting down: hand it straight back.
			this.saveAsync(profile, true, false);
			return undefined;
		}
		return profile;
	}

	// Saving -------------------------------------------------------------------------------------------------

	private releaseInternally(profile: ProfileInternals) {
		const loaded = this.loaded();
		if (loaded.get(profile.key) === profile) loaded.delete(profile.key);
		removeFromAutoSave(profile);
		profile.markReleased();
	}

	/** Reports a save that cannot be written (warning and IssueSignal) and returns the reason. */
	private skipSave(profile: ProfileInternals, reason: string): string {
		const message = `Save skipped: ${reason}; the last good save is kept`;
		warn(`[ProfileService]: ${message} ${profile.Identify()}`);
		ServiceState.issueSignal.Fire(message, this.name, profile.key);
		return reason;
	}

	/**
	 * Checks that the profile can be stored: Data is a table, every value is one a DataStore can store, and the
	 * encoded profile fits the DataStore limit. Returns the problem (after reporting it through skipSave), or
	 * undefined. Data replaced by a non-table is also reported through CorruptionSignal, as the original does:
	 * saving it would make the next load reset the player to the template.
	 */
	private checkStorable(profile: ProfileInternals): string | undefined {
		const meta = profile.MetaData;
		const data = profile.Data as unknown;
		if (!typeIs(data, "table")) {
			const shown = data === undefined ? "nil" : `a ${typeOf(data)} (${tostring(data)})`;
			ServiceState.corruptionSignal.Fire(this.name, profile.key);
			return this.skipSave(profile, `Data is ${shown}, not a table`);
		}
		const problem =
			findUnstorable(profile.Data, "Data") ??
			findUnstorable(meta.MetaTags, "MetaData.MetaTags") ??
			findUnstorable(profile.RobloxMetaData, "RobloxMetaData") ??
			findUnstorable(profile.UserIds, "UserIds");
		if (problem !== undefined) return this.skipSave(profile, problem);
		const size = encodedLength({
			Data: profile.Data,
			MetaData: {
				ProfileCreateTime: meta.ProfileCreateTime,
				SessionLoadCount: meta.SessionLoadCount,
				ActiveSession: meta.ActiveSession,
				ForceLoadSession: meta.ForceLoadSession,
				LastUpdate: meta.LastUpdate,
				MetaTags: meta.MetaTags,
			},
			GlobalUpdates: profile.GlobalUpdates.latest,
			RobloxMetaData: profile.RobloxMetaData,
			UserIds: profile.UserIds,
		});
		if (size > Settings.MaxValueLength) {
			return this.skipSave(
				profile,
				`the profile is ${size} characters once encoded, over the DataStore limit of ${Settings.MaxValueLength}`,
			);
		}
		if (size > Settings.MaxValueLength * Settings.SizeWarningShare) {
			if (!profile.sizeWarned) {
				profile.sizeWarned = true;
				warn(
					`[ProfileService]: ${profile.Identify()} is ${size} characters once encoded, over ${Settings.SizeWarningShare * 100}% of the DataStore limit of ${Settings.MaxValueLength}`,
				);
			}
		} else {
			profile.sizeWarned = false;
		}
		return undefined;
	}

	/** @internal Saves a profile; with `release`, the last save that also removes the session lock. */
	public saveAsync(profile: ProfileInternals, release: boolean, overwrite: boolean) {
		const unstorable = this.checkStorable(profile);
		// An auto-save of unstorable data is skipped; a release still removes the lock, keeping the stored data.
		if (unstorable !== undefined && !release) {
			if (overwrite) error(`[ProfileService] Profile:OverwriteAsync(): ${unstorable}`, 0);
			return;
		}
		const writeData = unstorable === undefined;
		const me = thisSession();
		const releasingId = this.sessionId(profile.key);
		if (release && !overwrite) {
			this.releaseInternally(profile);
			// Until the release lands, a hand-off request for this key waits for it instead of finding nothing, and
			// a new load of the key on this server waits for it instead of reading older data.
			ServiceState.releasing.set(releasingId, profile);
		}
		ServiceState.activeSaveJobs += 1;
		const lastLoadCount = profile.MetaData.SessionLoadCount;
		for (;;) {
			const result = this.standardUpdate(profile.key, {
				edit: (latest, _, missing) => {
					if (overwrite) {
						this.writeOverwrite(profile, latest);
						return;
					}
					// Only the session that holds the lock writes. A key that holds no profile any more (wiped, or
					// replaced by something else) is left as it is.
					const meta = latest.MetaData;
					if (missing || meta === undefined) return false;
					if (!sameSession(meta.ActiveSession, me[0], me[1]) || meta.SessionLoadCount !== lastLoadCount) {
						return false;
					}
					const forceLoadPending =
						typeIs(meta.ForceLoadSession, "table") && !sameSession(meta.ForceLoadSession, me[0], me[1]);
					// Clearing a locked update is only safe together with the Data that processed it.
					profile.GlobalUpdates.applyPending(latest.GlobalUpdates, writeData);
					if (writeData) {
						latest.Data = profile.Data;
						latest.RobloxMetaData = profile.RobloxMetaData;
						latest.UserIds = profile.UserIds;
						meta.MetaTags = profile.MetaData.MetaTags as unknown as Record<string, unknown>;
					}
					meta.LastUpdate = os.time();
					if (release || forceLoadPending) meta.ActiveSession = undefined;
				},
			});
			if (result !== undefined && result !== false) {
				if (!overwrite) this.afterSave(profile, result, lastLoadCount, me);
				break;
			}
			if (!release || overwrite) break;
			// A release must reach the DataStore: retry, spaced by the write queue, until it lands, another server
			// takes the lock, or the server stops.
			task.wait();
		}
		// Only the release itself ends the releasing state: an auto-save of the same profile finishing meanwhile
		// must not, or a reload on this server would stop waiting for the release.
		if (release && ServiceState.releasing.get(releasingId) === profile) ServiceState.releasing.delete(releasingId);
		ServiceState.activeSaveJobs -= 1;
	}

	/** An overwrite owns the key: it writes Data and MetaData whatever the key held (wiped, corrupted, ...). */
	private writeOverwrite(profile: ProfileInternals, latest: StoredProfile) {
		const source = profile.MetaData;
		latest.Data = profile.Data;
		latest.RobloxMetaData = profile.RobloxMetaData;
		latest.UserIds = profile.UserIds;
		latest.MetaData = {
			ProfileCreateTime: source.ProfileCreateTime,
			SessionLoadCount: source.SessionLoadCount,
			LastUpdate: source.LastUpdate,
			MetaTags: source.MetaTags as unknown as Record<string, unknown>,
			ActiveSession: undefined,
			ForceLoadSession: undefined,
		};
		latest.GlobalUpdates = profile.GlobalUpdates.latest;
		latest.WasCorrupted = false;
	}

	private afterSave(profile: ProfileInternals, outcome: UpdateOutcome, lastLoadCount: number, me: SessionTag) {
		const { payload, keyInfo } = outcome;
		if (keyInfo !== undefined) profile.KeyInfo = keyInfo;
		// A key wiped (or overwritten with something else) while loaded has no MetaData: this server lost it.
		const latestMeta = payload.MetaData;
		if (latestMeta !== undefined) {
			const meta = profile.MetaData as unknown as Record<string, unknown>;
			for (const field of MetaDataUpdatedFields) {
				meta[field] = (latestMeta as unknown as Record<string, unknown>)[field];
			}
			if (!outcome.cancelled) {
				profile.MetaData.MetaTagsLatest = latestMeta.MetaTags as unknown as Map<string, unknown>;
			}
		}
		const owns =
			!outcome.cancelled &&
			latestMeta !== undefined &&
			sameSession(latestMeta.ActiveSession, me[0], me[1]) &&
			latestMeta.SessionLoadCount === lastLoadCount;
		const active = this.loaded().get(profile.key) === profile;
		if (!outcome.cancelled) profile.GlobalUpdates.deliver(payload.GlobalUpdates, owns && active);
		if (!owns) {
			if (active) this.releaseInternally(profile);
			profile.fireHopReady();
		}
		if (!outcome.cancelled) profile.fireSaved();
	}

	// Other requests -------------------------------------------------------------------------------------------

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
	 * @throws On a bad key or handler, and with the handler's own error (a yield included).
	 * @example
	 * store.GlobalUpdateProfileAsync(`Player_${recipientId}`, (updates) => {
	 * 	updates.AddActiveUpdate({ Type: "Gift", Item: "Sword" });
	 * });
	 */
	public GlobalUpdateProfileAsync(
		profileKey: string,
		updateHandler: (globalUpdates: GlobalUpdates<GlobalUpdateData>) => void,
	): GlobalUpdates<GlobalUpdateData> | undefined {
		const method = "ProfileStore:GlobalUpdateProfileAsync()";
		expectProfileKey(method, profileKey);
		expectArgument(method, "updateHandler", updateHandler, t.callback, "a function");
		let uncertain: UncertainWrite | undefined;
		while (!ServiceState.locked) {
			// An error in the developer's handler (including a yield) cancels the write and is raised to the caller;
			// it is not a DataStore issue and is not retried.
			let handlerError: unknown;
			let verdict: "landed" | "unknown" | undefined;
			let attempt: UncertainWrite | undefined;
			const nonce = HttpService.GenerateGUID(false);
			const result = this.standardUpdate(profileKey, {
				edit: (latest, keyInfo) => {
					verdict = undefined;
					attempt = undefined;
					if (uncertain !== undefined) {
						if (isUncertainWrite(uncertain, latest, keyInfo)) verdict = "landed";
						else if (keyInfo?.Version !== uncertain.baseVersion) verdict = "unknown";
						// Otherwise nothing was written since: the earlier attempt never landed.
						if (verdict !== undefined) return false;
					}
					const updates = new GlobalUpdates<GlobalUpdateData>(latest.GlobalUpdates, "handler");
					const [ok, err] = pcall(() =>
						callWithoutYield("The GlobalUpdateProfileAsync update handler", () => updateHandler(updates)),
					);
					if (!ok) {
						handlerError = err;
						return false;
					}
					attempt = newUncertainWrite(deepCopy(latest.GlobalUpdates), keyInfo);
				},
				metadata: (payload) => {
					const metadata = metadataWithNonce(payload.RobloxMetaData, nonce);
					if (attempt !== undefined && metadata !== undefined) attempt.nonce = nonce;
					return metadata ?? payload.RobloxMetaData;
				},
			});
			if (handlerError !== undefined) error(handlerError, 0);
			if (result === undefined || result === false) {
				if (attempt !== undefined) uncertain = attempt;
				task.wait();
				continue;
			}
			if (!result.cancelled || verdict === "landed")
				return new GlobalUpdates(result.payload.GlobalUpdates, "view");
			const found = this.findUncertainWrite(profileKey, uncertain!);
			if (found === true) return new GlobalUpdates(result.payload.GlobalUpdates, "view");
			if (found === false) uncertain = undefined;
			else task.wait();
		}
		return undefined;
	}

	/**
	 * Looks through the versions written since an uncertain write's base for the write itself. Returns undefined
	 * (after registering an issue) when the versions could not be read.
	 */
	private findUncertainWrite(key: string, write: UncertainWrite): boolean | undefined {
		const [ok, found] = pcall(() => {
			const pages = this.send(key, "list", (store) =>
				store.ListVersionsAsync(key, Enum.SortDirection.Ascending, write.since, undefined),
			);
			for (;;) {
				for (const item of pages.GetCurrentPage()) {
					if (item.IsDeleted || item.Version === write.baseVersion) continue;
					const [value, keyInfo] = this.send(key, "get", (store) => store.GetAsync(key, item.Version));
					if (isUncertainWrite(write, value, keyInfo)) return true;
				}
				if (pages.IsFinished) return false;
				pages.AdvanceToNextPageAsync();
			}
		});
		if (ok) return found;
		registerIssue(tostring(found), this.name, this.identify(key), key);
		return undefined;
	}

	/**
	 * Reads a profile without locking it: the latest version, or `version` (from a version listing). Returns
	 * undefined when the key is empty, the version does not exist or the DataStore rejects it as not valid (with
	 * a warning), and when the server is shutting down. The profile is in view mode: it never saves, except
	 * through OverwriteAsync. Yields; retries other DataStore errors.
	 * @throws On a bad key or version argument.
	 */
	public ViewProfileAsync(profileKey: string, version?: string): Profile<DataType, RobloxMetaData> | undefined {
		const method = "ProfileStore:ViewProfileAsync()";
		expectProfileKey(method, profileKey);
		expectArgument(method, "version", version, t.optional(t.string), "a version string or undefined");
		while (!ServiceState.locked) {
			const result = this.standardUpdate(
				profileKey,
				{
					missing: (payload) => {
						payload.Data = deepCopy(this.template);
						payload.MetaData = newMetaData(undefined);
					},
				},
				true,
				version,
			);
			if (result === false) return undefined;
			if (result !== undefined) {
				if (result.keyInfo === undefined) return undefined;
				return this.makeProfile(profileKey, result.payload, result.keyInfo, true);
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
	): ProfileVersionQuery<DataType, RobloxMetaData> {
		const method = "ProfileStore:ProfileVersionQuery()";
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
		const query = new ProfileVersionQuery(this, profileKey, sortDirection, toMillis(minDate), toMillis(maxDate));
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
		return this.send(key, "list", (store) => store.ListVersionsAsync(key, sortDirection, minDate, maxDate));
	}

	/**
	 * Erases a profile's key (right of erasure). Returns whether the DataStore accepted it; a failure also fires
	 * IssueSignal. Returns false once the server is shutting down (as the original does). Yields. Release the
	 * profile everywhere first: a server still holding it would lose it at its next save.
	 * @throws On a bad key.
	 */
	public WipeProfileAsync(profileKey: string): boolean {
		const method = "ProfileStore:WipeProfileAsync()";
		expectProfileKey(method, profileKey);
		if (ServiceState.locked) return false;
		const [ok, err] = pcall(() => this.send(profileKey, "update", (store) => store.RemoveAsync(profileKey)));
		if (!ok) registerIssue(tostring(err), this.name, this.identify(profileKey), profileKey);
		return ok;
	}
}
