import type { SimServer } from "../Runtime";

/** The original ProfileService from @rbxts/profileservice, loaded unchanged in a simulated server. */
export const ORIGINAL_PATH = "ReplicatedStorage/rbxts_include/node_modules/@rbxts/profileservice/src";

export interface OriginalGlobalUpdates {
	GetActiveUpdates(): Array<[number, { [k: string]: unknown }]>;
	GetLockedUpdates(): Array<[number, { [k: string]: unknown }]>;
	AddActiveUpdate(data: object): void;
	LockActiveUpdate(id: number): void;
	ClearLockedUpdate(id: number): void;
	ListenToNewActiveUpdate(listener: (id: number, data: { [k: string]: unknown }) => void): void;
	ListenToNewLockedUpdate(listener: (id: number, data: { [k: string]: unknown }) => void): void;
}

export interface OriginalProfile<D> {
	Data: D;
	MetaData: {
		SessionLoadCount: number;
		ActiveSession?: [number, string];
		MetaTags: Record<string, unknown>;
		MetaTagsLatest: Record<string, unknown>;
	};
	GlobalUpdates: OriginalGlobalUpdates;
	UserIds: number[];
	RobloxMetaData: object;
	Release(): void;
	Save(): void;
	IsActive(): boolean;
	AddUserId(id: number): void;
	SetMetaTag(name: string, value: unknown): void;
	ListenToRelease(listener: () => void): void;
	ListenToHopReady(listener: () => void): void;
}

export interface OriginalStore<D> {
	LoadProfileAsync(key: string, handler?: unknown): OriginalProfile<D> | undefined;
	GlobalUpdateProfileAsync(key: string, handler: (updates: OriginalGlobalUpdates) => void): unknown;
	ViewProfileAsync(key: string): OriginalProfile<D> | undefined;
}

export interface OriginalService {
	GetProfileStore: <D>(this: void, name: string, template: D) => OriginalStore<D>;
}

export function original(server: SimServer): OriginalService {
	return server.require<OriginalService>(ORIGINAL_PATH);
}
