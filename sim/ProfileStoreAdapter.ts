/**
 * ProfileStore (`@rbxts/profile-store`, loaded unchanged) mapped onto the slice of ProfileService the simulated game
 * uses. ProfileStore has no MetaTags and no global updates: what the game keeps as MetaTags lives in Data (its
 * documented way of confirming a purchase is to wait for a save whose LastSavedData holds it), and gifts are its
 * messages (`MessageAsync`, `MessageHandler`).
 */
import type { SimServer } from "../test/Runtime";
import { copyTags, type TaggedData } from "./PeerTags";
import type { GiftData, SimData, SimGlobalUpdates, SimProfile, SimService } from "./Library";

export const PROFILE_STORE_PATH = "ReplicatedStorage/rbxts_include/node_modules/@rbxts/profile-store/src";

interface PeerSignal<A extends unknown[]> {
	Connect(listener: (...args: A) => void): unknown;
}

interface PeerProfile {
	Data: TaggedData;
	SessionLoadCount: number;
	RobloxMetaData: unknown;
	OnSessionEnd: PeerSignal<[]>;
	OnAfterSave: PeerSignal<[lastSaved: TaggedData]>;
	IsActive(): boolean;
	EndSession(): void;
	Save(): void;
	MessageHandler(handler: (message: GiftData, processed: () => void) => void): void;
}

interface PeerStore {
	StartSessionAsync(key: string): PeerProfile | undefined;
	MessageAsync(key: string, message: GiftData): boolean;
}

interface PeerModule {
	New(this: void, name: string, template: object): PeerStore;
	OnOverwrite: PeerSignal<[storeName: string, key: string]>;
}

/** Messages delivered but not yet applied, by an id of the adapter's: the game "clears" one by applying it. */
function messagesOf(profile: PeerProfile): SimGlobalUpdates {
	const pending = new Map<number, () => void>();
	let nextId = 0;
	return {
		GetActiveUpdates() {
			return [];
		},
		GetLockedUpdates() {
			return [];
		},
		LockActiveUpdate() {},
		ListenToNewActiveUpdate() {
			return undefined;
		},
		ListenToNewLockedUpdate(listener) {
			profile.MessageHandler((message, processed) => {
				nextId += 1;
				pending.set(nextId, processed);
				listener(nextId, message);
			});
			return undefined;
		},
		ClearLockedUpdate(id) {
			pending.get(id)?.();
			pending.delete(id);
		},
	};
}

function profileOf(profile: PeerProfile): SimProfile {
	const data = profile.Data;
	if (data.Tags === undefined) data.Tags = {};
	const meta = {
		SessionLoadCount: profile.SessionLoadCount,
		MetaTags: data.Tags,
		MetaTagsLatest: {} as Record<string, unknown>,
	};
	profile.OnAfterSave.Connect((lastSaved) => {
		meta.MetaTagsLatest = copyTags(lastSaved.Tags);
	});
	return {
		Data: data,
		MetaData: meta,
		GlobalUpdates: messagesOf(profile),
		RobloxMetaData: profile.RobloxMetaData,
		IsActive() {
			return profile.IsActive();
		},
		Release() {
			return profile.EndSession();
		},
		Save() {
			return profile.Save();
		},
		SetMetaTag(name, value) {
			data.Tags![name] = value;
		},
		ListenToRelease(listener) {
			return profile.OnSessionEnd.Connect(listener);
		},
		// The session's last write has landed: the first save that finds the session ended.
		ListenToHopReady(listener) {
			let fired = false;
			return profile.OnAfterSave.Connect(() => {
				if (fired || profile.IsActive()) return;
				fired = true;
				listener();
			});
		},
	};
}

export function profileStoreOn(server: SimServer, name: string, template: SimData): SimService {
	const module = server.require<PeerModule>(PROFILE_STORE_PATH);
	const store = module.New(name, template);
	return {
		store: {
			LoadProfileAsync(key) {
				// It errors where ProfileService would return nil (a key already loaded here, a failed SubscribeAsync).
				const [ok, profile] = pcall(() => store.StartSessionAsync(key));
				return ok && profile !== undefined ? profileOf(profile) : undefined;
			},
			GlobalUpdateProfileAsync(key, handler) {
				let gift: GiftData | undefined;
				handler({
					AddActiveUpdate(data) {
						gift = data;
					},
				});
				return store.MessageAsync(key, gift!) ? true : undefined;
			},
		},
		onCorruption: (listener) => module.OnOverwrite.Connect((_, key) => listener(key)),
		gifts: true,
		logMarker: (key) => `KEY:${key})`,
	};
}
