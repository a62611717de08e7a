/**
 * The slice of ProfileService the simulated game uses, the same for ours and for the original (loaded unchanged
 * from @rbxts/profileservice), so that one game drives either library; the peers (ProfileStore, Lapis) are mapped
 * onto it by their adapters.
 */
import type * as Ours from "../src";
import type { SimServer } from "../test/Runtime";
import { lapisOn } from "./LapisAdapter";
import { profileStoreOn } from "./ProfileStoreAdapter";

export type Impl = "ours" | "original" | "profilestore" | "lapis";
/** What a run's servers run: one library, or a mixed fleet of ours and the original. */
export type Fleet = Impl | "mixed";

export const STORE_NAME = "SimPlayers";
export const ORIGINAL_PATH = "ReplicatedStorage/rbxts_include/node_modules/@rbxts/profileservice/src";

/** What the game keeps per player. */
export interface SimData {
	Coins: number;
	/** Incremented by every change the game makes: the stored value must never go back. */
	Seq: number;
	/** SessionLoadCount at the load that wrote this: a stale session's write shows as a lower value. */
	LoadIndex: number;
	Items: string[];
	Gifts: string[];
	Purchases: string[];
}

export const TEMPLATE: SimData = { Coins: 0, Seq: 0, LoadIndex: 0, Items: [], Gifts: [], Purchases: [] };

export interface GiftData {
	Gift: string;
}

export interface SimGlobalUpdates {
	GetActiveUpdates(): Array<[number, GiftData]>;
	GetLockedUpdates(): Array<[number, GiftData]>;
	LockActiveUpdate(id: number): void;
	ClearLockedUpdate(id: number): void;
	ListenToNewActiveUpdate(listener: (id: number, data: GiftData) => void): unknown;
	ListenToNewLockedUpdate(listener: (id: number, data: GiftData) => void): unknown;
}

export interface SimProfile {
	Data: SimData;
	MetaData: {
		SessionLoadCount: number;
		MetaTags: Record<string, unknown>;
		MetaTagsLatest: Record<string, unknown>;
	};
	GlobalUpdates: SimGlobalUpdates;
	RobloxMetaData: unknown;
	IsActive(): boolean;
	Release(): void;
	Save(): void;
	SetMetaTag(name: string, value: unknown): void;
	ListenToRelease(listener: () => void): unknown;
	ListenToHopReady(listener: () => void): unknown;
}

export interface SimStore {
	LoadProfileAsync(key: string): SimProfile | undefined;
	GlobalUpdateProfileAsync(
		key: string,
		handler: (updates: { AddActiveUpdate(data: GiftData): void }) => void,
	): unknown;
}

export interface SimService {
	store: SimStore;
	onCorruption: (listener: (key: string) => void) => void;
	/** Whether the library can send a gift to a profile held, or not, by another server (Lapis cannot). */
	gifts: boolean;
	/** Text of the library's warnings that names a key, to count its failed requests; undefined if they name none. */
	logMarker: (key: string) => string | undefined;
	/** ProfileService.TransactAsync (ours only). */
	transact?: (profiles: SimProfile[], transform: () => void) => boolean;
}

interface OriginalService {
	GetProfileStore(this: void, name: string, template: object): SimStore;
	CorruptionSignal: { Connect(listener: (storeName: string, key: string) => void): unknown };
}

/**
 * The library as loaded in one simulated server (each server has its own module cache); `period` is our store's
 * AutoSavePeriod (the original's is always 30 s, the peers keep their own).
 */
export function serviceOn(impl: Impl, server: SimServer, period?: number): SimService {
	if (impl === "profilestore") return profileStoreOn(server, STORE_NAME, TEMPLATE);
	if (impl === "lapis") return lapisOn(server, STORE_NAME, TEMPLATE);
	const logMarker = (key: string) => `Key:"${key}"]`;
	if (impl === "ours") {
		const { ProfileService } = server.require<typeof Ours>("ReplicatedStorage/ProfileService");
		return {
			store: ProfileService.GetProfileStore(
				{ Name: STORE_NAME, AutoSavePeriod: period },
				TEMPLATE,
			) as unknown as SimStore,
			onCorruption: (listener) => ProfileService.CorruptionSignal.Connect((_, key) => listener(key)),
			gifts: true,
			logMarker,
			transact: (profiles, transform) =>
				ProfileService.TransactAsync(
					profiles as unknown as Parameters<typeof ProfileService.TransactAsync>[0],
					transform,
				),
		};
	}
	const original = server.require<OriginalService>(ORIGINAL_PATH);
	return {
		store: original.GetProfileStore(STORE_NAME, TEMPLATE),
		onCorruption: (listener) => original.CorruptionSignal.Connect((_, key) => listener(key)),
		gifts: true,
		logMarker,
	};
}
