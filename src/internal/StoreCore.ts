/**
 * The inside of one ProfileStore: its DataStore transport (every request goes through the write queue and the
 * budget check, and through the original's transform), the profiles it has loaded on this server, and the
 * {@link ProfileHost} that its profiles call. The public ProfileStore is a facade over it.
 * @internal
 */
import type { DataStoreAdapter, ProfileKeyInfo } from "../DataStoreAdapter";
import { MockDataStoreAdapter } from "../MockDataStoreAdapter";
import type { GlobalUpdateData } from "../GlobalUpdates";
import { Profile } from "../Profile";
import { RobloxDataStoreAdapter } from "../RobloxDataStoreAdapter";
import { Settings } from "./Constants";
import { addToAutoSave, removeFromAutoSave, restartAutoSave } from "./AutoSave";
import { joinKey, sessionKey } from "./Keys";
import { deepCopy, normalizePayload, sameSession, type StoredProfile } from "./Payload";
import type { ProfileHost, ProfileInternals } from "./ProfileHost";
import type { StoreTransport, UpdateHandlers, UpdateOutcome } from "./Transport";
import { saveProfile } from "./SaveProtocol";
import { Schema } from "./Schema";
import { readMarker } from "./LockProtocol";
import { registerIssue, ServiceState, waitForLiveCheck } from "./ServiceState";
import { isValueRefusal } from "./Validation";
import { noteLock, noteResponse, sawOriginalLock } from "./TransactionWatch"; // issue 26: transactions

/** @internal */
export class StoreCore implements ProfileHost, StoreTransport {
	public readonly lookup: string;
	private adapter: DataStoreAdapter | undefined;

	public constructor(
		public readonly name: string,
		public readonly scope: string | undefined,
		public readonly template: object,
		/**
		 * True for `.Mock` stores, which have an in-memory store of their own and track their profiles apart from
		 * the live store's. Not the same as isMockStore(): in Studio without API access, live stores are in memory
		 * too, yet they are not `.Mock`.
		 */
		public readonly isDotMock: boolean,
		adapter: DataStoreAdapter | undefined,
		/** Migrations and Validate from the store's options (none: version 0, no check). */
		public readonly schema: Schema = new Schema(undefined, undefined),
		/** Seconds between two auto-saves of a profile (GetProfileStore's AutoSavePeriod). */
		public readonly autoSavePeriod: number = Settings.AutoSaveSeconds,
		/** GetProfileStore's MixedFleet: servers that are not this library's may load these profiles. */
		private readonly mixedFleet = true,
	) {
		this.lookup = joinKey(name, scope ?? "");
		this.adapter = isDotMock ? MockDataStoreAdapter.forLookup("user", this.lookup) : adapter;
	}

	/** The DataStore: the given adapter, or (once Studio's API access is known) Roblox's or the offline mock. */
	public getAdapter(): DataStoreAdapter {
		if (this.adapter === undefined) {
			waitForLiveCheck();
			this.adapter ??= ServiceState.useOfflineMock
				? MockDataStoreAdapter.forLookup("offline", this.lookup)
				: new RobloxDataStoreAdapter(this.name, this.scope);
		}
		return this.adapter;
	}

	public isMockStore(): boolean {
		return this.getAdapter().IsMock;
	}

	/**
	 * Whether this store's long-period holders rely on their heartbeat's inbox instead of reading their locks:
	 * MixedFleet false, and no lock of a server that is not this library's met in this store (TransactionWatch).
	 */
	public inboxOnly(): boolean {
		return !this.mixedFleet && !this.isDotMock && !sawOriginalLock(this);
	}

	public identify(key: string) {
		return this.scope !== undefined
			? `[Store:"${this.name}";Scope:"${this.scope}";Key:"${key}"]`
			: `[Store:"${this.name}";Key:"${key}"]`;
	}

	/** The id under which this server tracks `key` of this store (live or mock) in ServiceState. */
	public sessionId(key: string) {
		return sessionKey(this.isDotMock, this.lookup, key);
	}

	/** Profiles of this store loaded on this server, by key. */
	public loaded(): Map<string, ProfileInternals> {
		const id = sessionKey(this.isDotMock, this.lookup);
		let map = ServiceState.loaded.get(id);
		if (map === undefined) {
			map = new Map();
			ServiceState.loaded.set(id, map);
		}
		return map;
	}

	public isLoaded(key: string, profile: object) {
		return this.loaded().get(key) === profile;
	}

	/** Sends one DataStore request for `key` through the write queue and the budget check. */
	public send<T>(
		key: string,
		kind: "update" | "get" | "list",
		request: (adapter: DataStoreAdapter) => T,
		urgent = false,
	): T {
		const adapter = this.getAdapter();
		return ServiceState.writeQueue.run(adapter, joinKey(this.lookup, key), kind, () => request(adapter), urgent);
	}

	/**
	 * One UpdateAsync (or GetAsync for views) with the original's transform: normalizes what the key holds, runs
	 * the handlers, flags corruption. Returns undefined after registering an issue when the request failed, and
	 * false, after a warning, for a version read that the DataStore rejects as not valid (retrying cannot help).
	 */
	public update(
		key: string,
		handlers: UpdateHandlers,
		isGet = false,
		version?: string,
	): UpdateOutcome | false | undefined {
		let cancelled = false;
		let seen: StoredProfile | undefined;
		const transform = (latest: unknown, keyInfo?: ProfileKeyInfo) => {
			const { payload, missing, corrupted } = normalizePayload(latest);
			noteLock(this, payload, missing); // issue 26: locks of servers that do not run this library
			if (corrupted) payload.WasCorrupted = true;
			if (missing) handlers.missing?.(payload);
			seen = payload;
			cancelled = handlers.edit?.(payload, keyInfo, missing) === false;
			if (cancelled) return $tuple(undefined as unknown, undefined, undefined);
			const metadata = handlers.metadata ? handlers.metadata(payload) : payload.RobloxMetaData;
			return $tuple(payload as unknown, payload.UserIds, metadata);
		};
		let value: unknown;
		let keyInfo: ProfileKeyInfo | undefined;
		let sentAt = os.clock();
		const [ok, err] = pcall(() => {
			if (isGet) {
				const [stored, info] = this.send(key, "get", (store) => {
					sentAt = os.clock();
					return store.GetAsync(key, version);
				});
				keyInfo = info;
				value = transform(stored, info)[0];
			} else {
				const [stored, info] = this.send(
					key,
					"update",
					(store) => {
						sentAt = os.clock();
						return store.UpdateAsync(key, transform);
					},
					handlers.urgent === true,
				);
				value = stored;
				keyInfo = info;
			}
		});
		if (ok && cancelled && seen !== undefined) {
			noteResponse(this, key, seen, sentAt); // issue 26
			return { payload: seen, keyInfo: undefined, cancelled: true, sentAt };
		}
		if (ok && typeIs(value, "table")) {
			const payload = value as StoredProfile;
			noteResponse(this, key, payload, sentAt); // issue 26: a settled transaction field seen gone
			if (payload.WasCorrupted === true && !isGet) {
				warn(`[ProfileService]: Resolved profile corruption ${this.identify(key)}`);
				ServiceState.corruptionSignal.Fire(this.name, key);
			}
			return { payload, keyInfo, cancelled: false, sentAt };
		}
		const message = ok ? "Undefined error" : tostring(err);
		// Roblox rejects a malformed version instead of returning nothing; retrying it would never end. The
		// original recognises the rejection by these words.
		if (!ok && version !== undefined && message.find("not valid", 1, true)[0] !== undefined) {
			warn(`[ProfileService]: Version "${version}" is not valid for ${this.identify(key)} - ${message}`);
			return false;
		}
		if (!ok && handlers.refused !== undefined && isValueRefusal(message)) {
			handlers.refused(message);
			return undefined;
		}
		registerIssue(message, this.name, this.identify(key), key);
		return undefined;
	}

	/**
	 * A Profile over a stored payload; MetaTagsLatest starts as a copy of the stored MetaTags (`storedTags`, when
	 * the payload's MetaTags already hold a schema stamp that is not saved yet). `confirmedAt` (os.clock()) is when
	 * the load's last request, which found the lock ours, was sent: the lock upkeep counts from there.
	 */
	public makeProfile<D extends object, R, U extends object = GlobalUpdateData>(
		key: string,
		payload: StoredProfile,
		keyInfo: ProfileKeyInfo,
		viewMode: boolean,
		storedTags?: object,
		confirmedAt = os.clock(),
	): Profile<D, R, U> {
		// A lock this load wrote (or was handed) may claim this server's heartbeat: the fence must know, until a save
		// withdraws it.
		const marker = readMarker(payload.MetaData!);
		const claim = !viewMode && marker.heartbeat > 0;
		// The marker belongs to the stored lock, not to the profile the game sees.
		payload.MetaData!.HandOff = undefined;
		const meta = payload.MetaData! as unknown as ProfileInternals["MetaData"];
		meta.MetaTagsLatest = (storedTags ?? deepCopy(meta.MetaTags)) as Map<string, unknown>;
		const profile = Profile.create<D, R, U>(
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
		if (!viewMode) profile.lock = { confirmedAt, writtenAt: confirmedAt, claim, inboxSure: claim && marker.inbox };
		return profile;
	}

	/** Makes a loaded profile active on this server: tracked, and in the auto-save rotation. */
	public adopt<D extends object, R, U extends object = GlobalUpdateData>(
		key: string,
		payload: StoredProfile,
		keyInfo: ProfileKeyInfo,
		storedTags: object | undefined,
		confirmedAt: number,
	): Profile<D, R, U> | undefined {
		// Only one profile per key and server: a second one would keep saving its own copy of the data.
		if (this.loaded().has(key)) return undefined;
		const profile = this.makeProfile<D, R, U>(key, payload, keyInfo, false, storedTags, confirmedAt);
		this.loaded().set(key, profile);
		addToAutoSave(profile);
		if (ServiceState.locked) {
			// Loaded while the server started shutting down: hand it straight back.
			saveProfile(this, profile, "Release");
			return undefined;
		}
		return profile;
	}

	/** Ends a profile's session on this server (its release listeners run). */
	public releaseInternally(profile: ProfileInternals) {
		const loaded = this.loaded();
		if (loaded.get(profile.key) === profile) loaded.delete(profile.key);
		removeFromAutoSave(profile);
		profile.markReleased();
	}

	public spawnSave(profile: ProfileInternals, release: boolean) {
		task.spawn(() => saveProfile(this, profile, release ? "Release" : "AutoSave"));
	}

	public confirmLock(profile: ProfileInternals) {
		const lock = profile.lock;
		if (lock === undefined) return;
		let result: ReturnType<StoreCore["update"]>;
		for (;;) {
			if (!this.isLoaded(profile.key, profile)) return;
			result = this.update(profile.key, {}, true);
			if (result !== undefined && result !== false) break;
			if (os.clock() - lock.confirmedAt >= Settings.LockLease) return;
			task.wait(Settings.LockConfirmRetry);
		}
		if (!this.isLoaded(profile.key, profile)) return;
		const meta = result.payload.MetaData;
		const [placeId, jobId] = [ServiceState.placeId, ServiceState.jobId];
		const requested =
			typeIs(meta?.ForceLoadSession, "table") && !sameSession(meta.ForceLoadSession, placeId, jobId);
		const held =
			meta !== undefined &&
			sameSession(meta.ActiveSession, placeId, jobId) &&
			meta.SessionLoadCount === profile.MetaData.SessionLoadCount;
		// What the read shows may be the read cache's, up to ReadCacheSeconds older than the request.
		if (held) lock.confirmedAt = math.max(lock.confirmedAt, result.sentAt - Settings.ReadCacheSeconds);
		// Asked for: released as a hand-off request would release it, the profile ending before the write is sent (an
		// auto-save that gave the lock up, its response lost, would leave the game playing on a profile it no longer
		// holds). The lock gone (such a write): an auto-save finds it and ends the profile, as one every 30 s would
		// have, instead of after up to a whole period.
		if (requested && held) profile.requestRelease();
		else if (!held) saveProfile(this, profile, "AutoSave");
		// A global update sent since the last save (its notice lost, or the holder's heartbeat not claimed): saved
		// now, so that it is delivered now, not a period later.
		else if (result.payload.GlobalUpdates[0] > profile.ownUpdates.latest[0]) this.spawnSave(profile, false);
	}

	public overwriteAsync(profile: ProfileInternals) {
		saveProfile(this, profile, "Overwrite");
	}

	public restartAutoSave(profile: ProfileInternals) {
		restartAutoSave(profile);
	}

	/** Lists a key's versions through the request budget check. */
	public listVersionsAsync(
		key: string,
		sortDirection: Enum.SortDirection | undefined,
		minDate?: number,
		maxDate?: number,
	) {
		return this.send(key, "list", (store) => store.ListVersionsAsync(key, sortDirection, minDate, maxDate));
	}
}
