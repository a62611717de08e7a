/**
 * Lapis (`@rbxts/lapis`, loaded unchanged, default config) mapped onto the slice of ProfileService the simulated
 * game uses. Lapis has no cross-server gifts, no load counter and no MetaTags: the game sends no gifts, counts its
 * sessions in Data (`LoadIndex`, which it already keeps), and keeps its MetaTags in Data, confirming a purchase when
 * a `save()` made after it resolved (Lapis's documented way).
 */
import type { SimServer } from "../test/Runtime";
import { copyTags, type TaggedData } from "./PeerTags";
import type { SimData, SimGlobalUpdates, SimProfile, SimService } from "./Library";

export const LAPIS_PATH = "ReplicatedStorage/rbxts_include/node_modules/@rbxts/lapis/out";

interface LapisDocument {
	read(): TaggedData;
	save(): Promise<void>;
	close(): Promise<void>;
	beforeClose(callback: () => void): void;
}

interface LapisCollection {
	load(key: string, userIds?: number[]): Promise<LapisDocument>;
}

interface LapisModule {
	createCollection(this: void, name: string, options: { defaultData: object; freezeData: boolean }): LapisCollection;
}

/** What Lapis stores under a key. */
export interface LapisValue {
	migrationVersion?: number;
	lockId?: string;
	data?: SimData;
}

const NO_GIFTS: SimGlobalUpdates = {
	GetActiveUpdates() {
		return [];
	},
	GetLockedUpdates() {
		return [];
	},
	LockActiveUpdate() {},
	ClearLockedUpdate() {},
	ListenToNewActiveUpdate() {
		return undefined;
	},
	ListenToNewLockedUpdate() {
		return undefined;
	},
};

function profileOf(document: LapisDocument): SimProfile {
	const data = document.read();
	if (data.Tags === undefined) data.Tags = {};
	const tags = data.Tags;
	let active = true;
	const released: Array<() => void> = [];
	const hopReady: Array<() => void> = [];
	const ended = () => {
		if (!active) return;
		active = false;
		for (const listener of released) pcall(listener);
	};
	// Lapis closes every document itself when the server closes; this is how the game hears of it.
	document.beforeClose(ended);
	const meta = {
		SessionLoadCount: data.LoadIndex + 1,
		MetaTags: tags,
		MetaTagsLatest: {} as Record<string, unknown>,
	};
	return {
		Data: data,
		MetaData: meta,
		GlobalUpdates: NO_GIFTS,
		RobloxMetaData: undefined,
		IsActive() {
			return active;
		},
		Release() {
			if (!active) return;
			document.close().finally(() => {
				for (const listener of hopReady) listener();
			});
			ended();
		},
		Save() {
			if (!active) return;
			// What this save stores holds at least what the tags hold now.
			const snapshot = copyTags(tags);
			document
				.save()
				.andThen(() => {
					meta.MetaTagsLatest = snapshot;
				})
				.catch(() => {});
		},
		SetMetaTag(name, value) {
			tags[name] = value;
		},
		ListenToRelease(listener) {
			return released.push(listener);
		},
		ListenToHopReady(listener) {
			return hopReady.push(listener);
		},
	};
}

export function lapisOn(server: SimServer, name: string, template: SimData): SimService {
	const lapis = server.require<LapisModule>(LAPIS_PATH);
	const collection = lapis.createCollection(name, {
		// Lapis freezes its options: a copy keeps the game's template its own.
		defaultData: { ...template, Items: [], Gifts: [], Purchases: [] },
		freezeData: false,
	});
	return {
		store: {
			LoadProfileAsync(key) {
				const [ok, document] = collection.load(key).await();
				return ok ? profileOf(document as LapisDocument) : undefined;
			},
			GlobalUpdateProfileAsync() {
				return error("Lapis has no cross-server messages");
			},
		},
		onCorruption: () => {},
		gifts: false,
		// Lapis's retry warnings do not name the key.
		logMarker: () => undefined,
	};
}
