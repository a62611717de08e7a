import Signal from "@rbxts/signal";
import { DataStoreService, RunService } from "@rbxts/services";
import { IssueTracker } from "./IssueTracker";
import type { HandOffGrant } from "./LockProtocol";
import type { ProfileInternals } from "./ProfileHost";
import { WriteQueue } from "./WriteQueue";

/** What a requester has heard about one key's hand-off. @internal */
export interface HandOffWait {
	acked: boolean;
	released: boolean;
	/** Requests sent. */
	sent: number;
}

/**
 * Everything this server's ProfileService keeps between calls, in one place: every ProfileStore, the auto-save
 * rotation, the write queue and the hand-off exchange read and write it here. Creating it has no side effect; the
 * Studio check and BindToClose start from ProfileService's one explicit start.
 * @internal
 */
export const ServiceState = {
	locked: false,
	placeId: game.PlaceId,
	jobId: game.JobId,
	isStudio: RunService.IsStudio(),
	issueSignal: new Signal<(errorMessage: string, profileStoreName: string, profileKey: string) => void>(),
	corruptionSignal: new Signal<(profileStoreName: string, profileKey: string) => void>(),
	criticalStateSignal: new Signal<(isCriticalState: boolean) => void>(),
	issues: undefined as unknown as IssueTracker,
	activeLoadJobs: 0,
	activeSaveJobs: 0,
	/** Set when Studio has no DataStore access: live stores then use an in-memory store. */
	useOfflineMock: false,
	liveCheckActive: false,
	/** Profiles loaded on this server: ["live" | "mock"][store lookup][key]. */
	loaded: new Map<string, Map<string, ProfileInternals>>(),
	/** Profiles released here whose release has not reached the DataStore yet: live/mock\0lookup\0key. */
	releasing: new Map<string, ProfileInternals>(),
	/** The newest LoadProfileAsync of each key (live/mock\0lookup\0key): older loads of the key stop. */
	loadTokens: new Map<string, number>(),
	/** Profiles in the auto-save rotations, of every period. */
	autoSave: [] as ProfileInternals[],
	/** Spaces writes to a key and waits for request budget. */
	writeQueue: new WriteQueue(),
	/** Hand-off requests this server is waiting on (live\0lookup\0key), with what the holder said so far. */
	handOffWaits: new Map<string, HandOffWait>(),
	/** Keys (live\0lookup\0key) whose release here may hand the lock to a requester still waiting for it. */
	handOffGrants: new Map<string, HandOffGrant>(),
	/** "no", "subscribing" or "yes": this server's subscription to its hand-off topic. */
	handOffSubscription: "no" as "no" | "subscribing" | "yes",
	/** os.clock() of the last failed SubscribeAsync: retried only SubscribeRetry seconds later. */
	handOffSubscribeFailedAt: undefined as number | undefined,
	/** os.clock() when this server last heard one of its own messages on its hand-off topic. */
	handOffHeardSelf: undefined as number | undefined,
	/** Whether the listener check (a message to itself every ListenerPingInterval) is running. */
	handOffPinging: false,
	/**
	 * This server's heartbeat (Heartbeat.ts): whether the lock upkeep's thread runs (LockUpkeep.ts), whether a
	 * heartbeat write is in flight, the counter, and os.clock() at the start of its last successful write.
	 */
	heartbeat: { running: false, writing: false, counter: 0, lastWrite: undefined as number | undefined },
	/** The auto-save rotations (AutoSave.ts) by period in seconds. */
	rotations: new Map<number, { list: ProfileInternals[]; running: boolean }>(),
	/** The in-memory stores of `.Mock` ("user") and of Studio without API access ("offline"), by pool and store. */
	mockStores: new Map<string, Map<string, object>>(),
	/** Whether ProfileService has started (Studio check and BindToClose). */
	started: false,
};
ServiceState.issues = new IssueTracker(ServiceState.criticalStateSignal);

/** Registers a DataStore error: warning, issue count (critical state) and IssueSignal. @internal */
export function registerIssue(message: string, storeName: string, identity: string, key: string) {
	warn(`[ProfileService]: DataStore API error ${identity} - "${message}"`);
	ServiceState.issues.record();
	ServiceState.issueSignal.Fire(message, storeName, key);
}

/** The [placeId, jobId] tag of this server. @internal */
export function thisSession(): [number, string] {
	return [ServiceState.placeId, ServiceState.jobId];
}

/** Waits until the Studio API-access check, if any, has finished. @internal */
export function waitForLiveCheck() {
	while (ServiceState.liveCheckActive) task.wait();
}

/**
 * In Studio, finds out once whether DataStores are reachable; without API access live stores fall back to an
 * in-memory store, as the original does, and say so. Loads wait for the answer (waitForLiveCheck).
 * @internal
 */
export function startLiveCheck() {
	if (!ServiceState.isStudio) return;
	ServiceState.liveCheckActive = true;
	task.spawn(() => {
		const [ok, message] = pcall(() => DataStoreService.GetDataStore("____PS").SetAsync("____PS", os.time()));
		const text = tostring(message);
		const noInternet = !ok && text.find("ConnectFail", 1, true)[0] !== undefined;
		if (noInternet) warn("[ProfileService]: No internet access - check your network connection");
		if (
			!ok &&
			(text.find("403", 1, true)[0] !== undefined ||
				text.find("must publish", 1, true)[0] !== undefined ||
				noInternet)
		) {
			ServiceState.useOfflineMock = true;
			warn("[ProfileService]: Roblox API services unavailable - data will not be saved (using a mock DataStore)");
		} else {
			print("[ProfileService]: Roblox API services available - data will be saved");
		}
		ServiceState.liveCheckActive = false;
	});
}
