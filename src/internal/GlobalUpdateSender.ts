/**
 * GlobalUpdateProfileAsync's writes, each taking effect exactly once (see UncertainWrite for how a write whose
 * response was lost is recognised).
 * @internal
 */
import { HttpService } from "@rbxts/services";
import { GlobalUpdates, type GlobalUpdateData } from "../GlobalUpdates";
import { Settings } from "./Constants";
import { newItemId, sendToInbox, type InboxItem } from "./Inbox";
import { readMarker } from "./LockProtocol";
import { callWithoutYield } from "./NoYield";
import type { StoredProfile } from "./Payload";
import { registerIssue, ServiceState } from "./ServiceState";
import type { StoreTransport } from "./Transport";
import { isUncertainWrite, newUncertainWrite, stampUncertainWrite, type UncertainWrite } from "./UncertainWrite";

/**
 * Runs `handler` on the key's global updates and writes them, retrying DataStore errors. Returns the updates as
 * stored (read-only), or undefined once the server is shutting down. Raises the handler's own error.
 * @internal
 */
export function sendGlobalUpdate<U extends object = GlobalUpdateData>(
	transport: StoreTransport,
	key: string,
	handler: (globalUpdates: GlobalUpdates<U>) => void,
): GlobalUpdates<U> | undefined {
	let uncertain: UncertainWrite | undefined;
	let listingFailures = 0;
	while (!ServiceState.locked) {
		// An error in the developer's handler (including a yield) cancels the write and is raised to the caller;
		// it is not a DataStore issue and is not retried.
		let handlerError: unknown;
		let refusal: string | undefined;
		let verdict: "landed" | "unknown" | undefined;
		let attempt: UncertainWrite | undefined;
		const nonce = HttpService.GenerateGUID(false);
		const result = transport.update(key, {
			edit: (latest, keyInfo) => {
				verdict = undefined;
				attempt = undefined;
				if (uncertain !== undefined) {
					if (isUncertainWrite(uncertain, latest, keyInfo)) verdict = "landed";
					else if (keyInfo?.Version !== uncertain.baseVersion) verdict = "unknown";
					// Otherwise nothing was written since: the earlier attempt never landed.
					if (verdict !== undefined) return false;
				}
				const updates = GlobalUpdates.create<U>(latest.GlobalUpdates, "handler");
				const [ok, err] = pcall(() =>
					callWithoutYield("The GlobalUpdateProfileAsync update handler", () => handler(updates)),
				);
				if (!ok) {
					handlerError = err;
					return false;
				}
				const problem = updates.touchedProblem();
				if (problem !== undefined) {
					handlerError = `[ProfileService] ProfileStore:GlobalUpdateProfileAsync(): ${problem}`;
					return false;
				}
				attempt = newUncertainWrite(keyInfo);
			},
			metadata: (payload) =>
				attempt !== undefined ? stampUncertainWrite(attempt, payload, nonce) : payload.RobloxMetaData,
			// Retrying the same updates cannot help: the DataStore refuses them (size, or what is stored already).
			refused: (message) => (refusal = message),
		});
		if (handlerError !== undefined) error(handlerError, 0);
		if (refusal !== undefined) {
			error(
				`[ProfileService] ProfileStore:GlobalUpdateProfileAsync(): the DataStore refused the update (${refusal})`,
				0,
			);
		}
		if (result === undefined || result === false) {
			if (attempt !== undefined) uncertain = attempt;
			task.wait();
			continue;
		}
		if (!result.cancelled || verdict === "landed") {
			tellHolder(transport, key, result.payload);
			return GlobalUpdates.create<U>(result.payload.GlobalUpdates, "view");
		}
		const [found, listingError] = findUncertainWrite(transport, key, uncertain!);
		if (found === true) {
			tellHolder(transport, key, result.payload);
			return GlobalUpdates.create<U>(result.payload.GlobalUpdates, "view");
		}
		if (found === false) {
			uncertain = undefined;
			continue;
		}
		// Without the versions, whether the earlier attempt landed cannot be known: running the handler again could
		// apply it twice, so the call gives up and says so instead of retrying for ever.
		listingFailures += 1;
		if (listingFailures >= Settings.UncertainListingTries) {
			error(
				`[ProfileService] ProfileStore:GlobalUpdateProfileAsync(): an earlier attempt for ${transport.identify(key)} may have been stored, and the key's versions could not be read to find out (${listingFailures} tries; last error: ${listingError}); not retried, so that the update is never applied twice`,
				0,
			);
		}
		task.wait();
	}
	return undefined;
}

/**
 * Tells the server holding the profile that a global update is waiting for it, so that it saves (and delivers it)
 * now instead of at its next auto-save, whatever its period: through its heartbeat's inbox when its lock claims a
 * heartbeat, or at once when this server holds it. A notice that cannot be delivered (the holder's heartbeat not
 * claimed, MemoryStore failing) costs at most one auto-save period, never the update, which is in the key.
 */
function tellHolder(transport: StoreTransport, key: string, stored: StoredProfile) {
	const meta = stored.MetaData;
	const active = meta?.ActiveSession;
	if (meta === undefined || !typeIs(active, "table") || transport.getAdapter().IsMock) return;
	if (active[0] === ServiceState.placeId && active[1] === ServiceState.jobId) {
		const profile = transport.loaded().get(key);
		if (profile !== undefined) profile.host.spawnSave(profile, false);
		return;
	}
	if (readMarker(meta).heartbeat === 0) return;
	const item: InboxItem = { t: "gift", id: newItemId(), s: transport.lookup, k: key, j: ServiceState.jobId };
	let tries = 0;
	task.spawn(() => sendToInbox(active[1], item, () => !ServiceState.locked && ++tries <= Settings.NoticeTries));
}

/**
 * Looks through the versions written since an uncertain write's base for the write itself. Returns undefined and
 * the error (after registering an issue) when the versions could not be read.
 */
function findUncertainWrite(
	transport: StoreTransport,
	key: string,
	write: UncertainWrite,
): LuaTuple<[boolean | undefined, string?]> {
	const [ok, found] = pcall(() => {
		const pages = transport.send(key, "list", (store) =>
			store.ListVersionsAsync(key, Enum.SortDirection.Ascending, write.since, undefined),
		);
		for (;;) {
			for (const item of pages.GetCurrentPage()) {
				if (item.IsDeleted || item.Version === write.baseVersion) continue;
				const [value, keyInfo] = transport.send(key, "get", (store) => store.GetAsync(key, item.Version));
				if (isUncertainWrite(write, value, keyInfo)) return true;
			}
			if (pages.IsFinished) return false;
			pages.AdvanceToNextPageAsync();
		}
	});
	if (ok) return $tuple(found);
	registerIssue(tostring(found), transport.name, transport.identify(key), key);
	return $tuple(undefined, tostring(found));
}
