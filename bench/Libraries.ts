/**
 * The libraries as the bench drives them: ours (with the default AutoSavePeriod and with 300 s), the original ProfileService, and the peers ProfileStore and
 * Lapis (each loaded unchanged from npm, Lapis with its default config). Profiles are the libraries' own objects,
 * not wrapped, so that the heap measured per profile is each library's alone.
 */
import type * as Ours from "../src";
import type { SimServer } from "../test/Runtime";

/** "ours300": ours with `AutoSavePeriod: 300`, the peers' auto-save period. */
export type Library = "ours" | "ours300" | "original" | "profilestore" | "lapis";
export const LIBRARIES: Library[] = ["ours", "ours300", "original", "profilestore", "lapis"];

const PACKAGES = "ReplicatedStorage/rbxts_include/node_modules/@rbxts";
const ORIGINAL = `${PACKAGES}/profileservice/src`;
const PROFILE_STORE = `${PACKAGES}/profile-store/src`;
const LAPIS = `${PACKAGES}/lapis/out`;

export interface BenchData {
	Coins: number;
	Items: string[];
}

/** A loaded profile (ours, the original), session (ProfileStore) or document (Lapis). */
export type Handle = object;

/** One library on one server, over one store name. */
export interface BenchLibrary {
	/** Loads and locks `key`, yielding; undefined when the library gave up. */
	load(this: void, key: string): Handle | undefined;
	data(this: void, handle: Handle): BenchData;
	setData(this: void, handle: Handle, data: BenchData): void;
	save(this: void, handle: Handle): void;
	release(this: void, handle: Handle): void;
	isActive(this: void, handle: Handle): boolean;
}

/** What a key stores, read from any of the libraries' formats. */
export function storedState(library: Library, value: unknown): { coins?: number; locked: boolean } {
	if (library === "lapis") {
		const lapis = value as { lockId?: string; data?: BenchData } | undefined;
		return { coins: lapis?.data?.Coins, locked: lapis?.lockId !== undefined };
	}
	const profile = value as { Data?: BenchData; MetaData?: { ActiveSession?: unknown } } | undefined;
	return { coins: profile?.Data?.Coins, locked: profile?.MetaData?.ActiveSession !== undefined };
}

/** What a ProfileService profile and a ProfileStore session have in common. */
interface LiveData {
	Data: BenchData;
	Save(): void;
	IsActive(): boolean;
}

interface ProfileServiceProfile extends LiveData {
	Release(): void;
}

interface ProfileStoreSession extends LiveData {
	EndSession(): void;
}

/** ProfileService and ProfileStore, which differ here only in how a session is loaded and ended. */
function withLiveData(load: (key: string) => LiveData | undefined, release: (handle: Handle) => void): BenchLibrary {
	return {
		load,
		data: (handle) => (handle as LiveData).Data,
		setData: (handle, data) => {
			(handle as LiveData).Data = data;
		},
		save: (handle) => (handle as LiveData).Save(),
		release,
		isActive: (handle) => (handle as LiveData).IsActive(),
	};
}

interface LapisDocument {
	read(): BenchData;
	write(data: BenchData): void;
	save(): Promise<void>;
	close(): Promise<void>;
}

export function libraryOn(library: Library, server: SimServer, name: string, template: BenchData): BenchLibrary {
	if (library === "lapis") {
		const lapis = server.require<{
			createCollection(
				this: void,
				name: string,
				options: { defaultData: object; freezeData: boolean },
			): { load(key: string): Promise<LapisDocument> };
		}>(LAPIS);
		// Data is changed in place, as the other libraries' is; Lapis freezes its options, so it gets a copy.
		const collection = lapis.createCollection(name, { defaultData: { ...template, Items: [] }, freezeData: false });
		const closed = new Set<Handle>();
		return {
			load: (key) => {
				const [ok, document] = collection.load(key).await();
				return ok ? (document as LapisDocument) : undefined;
			},
			data: (handle) => (handle as LapisDocument).read(),
			setData: (handle, data) => (handle as LapisDocument).write(data),
			save: (handle) => {
				(handle as LapisDocument).save().catch(() => {});
			},
			release: (handle) => {
				closed.add(handle);
				(handle as LapisDocument).close().catch(() => {});
			},
			isActive: (handle) => !closed.has(handle),
		};
	}
	if (library === "profilestore") {
		const module = server.require<{ New(this: void, name: string, template: object): ProfileStoreStore }>(
			PROFILE_STORE,
		);
		const store = module.New(name, template);
		return withLiveData(
			(key) => store.StartSessionAsync(key),
			(handle) => (handle as ProfileStoreSession).EndSession(),
		);
	}
	const period = library === "ours300" ? 300 : undefined;
	const store =
		library === "ours" || library === "ours300"
			? (server
					.require<typeof Ours>("ReplicatedStorage/ProfileService")
					.ProfileService.GetProfileStore(
						{ Name: name, AutoSavePeriod: period },
						template,
					) as unknown as ProfileServiceStore)
			: server
					.require<{ GetProfileStore(this: void, n: string, t: object): ProfileServiceStore }>(ORIGINAL)
					.GetProfileStore(name, template);
	return withLiveData(
		(key) => store.LoadProfileAsync(key),
		(handle) => (handle as ProfileServiceProfile).Release(),
	);
}

interface ProfileServiceStore {
	LoadProfileAsync(key: string): ProfileServiceProfile | undefined;
}

interface ProfileStoreStore {
	StartSessionAsync(key: string): ProfileStoreSession | undefined;
}
