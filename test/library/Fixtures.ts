import type * as Library from "../../src";
import Runtime, { type SimServer } from "../Runtime";

/** Our library as loaded in one simulated server (each server has its own module cache and singleton). */
export type Lib = typeof Library;

export const TEMPLATE = { Coins: 0, Items: [] as string[], Stats: { Level: 1 } };
export type Data = typeof TEMPLATE;

export function ours(server: SimServer): Lib {
	return server.require<Lib>("ReplicatedStorage/ProfileService");
}

export function storeOn(server: SimServer, name = "PlayerData", scope?: string) {
	return ours(server).ProfileService.GetProfileStore(
		scope !== undefined ? { Name: name, Scope: scope } : name,
		TEMPLATE,
	);
}

/** The stored value of a key, decoded. */
export function stored(key: string, name = "PlayerData", scope?: string) {
	const [value] = Runtime.store().get(name, scope, key);
	return value as
		| {
				Data: Data;
				MetaData: {
					ActiveSession?: [number, string];
					ForceLoadSession?: [number, string];
					SessionLoadCount: number;
					LastUpdate?: number;
					ProfileCreateTime: number;
					MetaTags: Record<string, unknown>;
				};
				GlobalUpdates: [number, Array<[number, number, boolean, object]>];
				UserIds?: number[];
				RobloxMetaData?: object;
		  }
		| undefined;
}

/** Every IssueSignal message of the server's ProfileService from now on, in order. */
export function collectIssues(server: SimServer): string[] {
	const issues: string[] = [];
	ours(server).ProfileService.IssueSignal.Connect((message) => issues.push(message));
	return issues;
}

export function startServers(...names: string[]): SimServer[] {
	return names.map((name) => Runtime.startServer({ name }));
}

/** Puts the world's DataStore and MessagingService back to the defaults the library specs assume. */
export function resetDefaults() {
	Runtime.configureDataStore({
		model: "official",
		latency: { min: 0.05, max: 0.15 },
		errorRate: 0,
		lostResponseRate: 0,
		outages: [],
		keyFailures: {},
	});
	Runtime.configureMessaging({ delay: { min: 0.02, max: 0.2 }, loss: 0 });
}

/** The global-update methods that ours and the original share. */
interface GiftReceiver<D> {
	ListenToNewActiveUpdate(listener: (id: number, data: D) => void): unknown;
	LockActiveUpdate(id: number): void;
	ListenToNewLockedUpdate(listener: (id: number, data: D) => void): unknown;
	ClearLockedUpdate(id: number): void;
}

/**
 * The usual gift handling of a game: every new Active update is locked, every Locked one is applied (`apply`) and
 * cleared. Returns the list that collects each received update's `Item`, in order.
 */
export function receiveGifts<D extends { [key: string]: unknown }>(
	updates: GiftReceiver<D>,
	apply?: (data: D) => void,
): string[] {
	const received: string[] = [];
	updates.ListenToNewActiveUpdate((id) => updates.LockActiveUpdate(id));
	updates.ListenToNewLockedUpdate((id, data) => {
		received.push(data.Item as string);
		apply?.(data);
		updates.ClearLockedUpdate(id);
	});
	return received;
}
