/**
 * Each server's inbox: a list inside its own heartbeat entry (Settings.HeartbeatMap), which other servers append to
 * and which the server reads with every heartbeat (one MemoryStore UpdateAsync a second, whatever the number of
 * profiles; see Heartbeat.beat). Unlike a message, what is in the inbox stays there until its server has read it,
 * so a requester that got its request into the inbox knows the holder will see it within a second, if it is alive
 * and can reach MemoryStoreService, or end its sessions (LockUpkeep.ts): a store whose every server runs this
 * library needs no other channel (MixedFleet false). Two kinds of items:
 * - "release": a ForceLoad request, answered as the same request over MessagingService is (HandOff);
 * - "gift": GlobalUpdateProfileAsync wrote a global update to a profile this server holds: it saves the profile
 *   at once, so the update is delivered within seconds whatever the auto-save period.
 * Items carry an id, so one read twice (a heartbeat whose response was lost) is answered once.
 * @internal
 */
import { HttpService, MemoryStoreService } from "@rbxts/services";
import { Settings } from "./Constants";
import { answerReleaseRequest, type HandOffMessage } from "./HandOff";
import { sessionKey } from "./Keys";
import { ServiceState } from "./ServiceState";

/** One item of an inbox. @internal */
export type InboxItem =
	(HandOffMessage & { t: "release"; id: string }) | { t: "gift"; id: string; s: string; k: string; j: string };

/** A server's heartbeat entry: its counter, and its inbox. @internal */
export interface HeartbeatEntry {
	c?: number;
	q?: InboxItem[];
}

/** Reads a heartbeat entry as stored (a table, or nothing; an older bare counter counts as an empty inbox). @internal */
export function entryOf(value: unknown): HeartbeatEntry {
	if (typeIs(value, "number")) return { c: value };
	return typeIs(value, "table") ? (value as HeartbeatEntry) : {};
}

/** Items answered by this server, with os.clock() when: removed from the inbox by its next heartbeat. */
const answered = new Map<string, number>();

/** The inbox without the items this server answered (what its next heartbeat writes back). @internal */
export function unanswered(queue: InboxItem[] | undefined): InboxItem[] | undefined {
	if (queue === undefined) return undefined;
	const kept = queue.filter((item) => typeIs(item, "table") && !answered.has(item.id));
	return kept.size() > 0 ? kept : undefined;
}

/**
 * Answers the items a heartbeat read (each once), and forgets the answered items that a heartbeat sent at
 * `beatStart`, which came back successful, has removed for sure.
 * @internal
 */
export function receiveInbox(queue: InboxItem[] | undefined, beatStart: number | undefined) {
	if (beatStart !== undefined) {
		for (const [id, at] of answered) if (at < beatStart) answered.delete(id);
	}
	for (const item of queue ?? []) {
		if (!typeIs(item, "table") || !typeIs(item.id, "string") || answered.has(item.id)) continue;
		answered.set(item.id, os.clock());
		task.spawn(() => answer(item));
	}
}

function answer(item: InboxItem) {
	if (item.t === "release") {
		answerReleaseRequest(item, true);
	} else if (item.t === "gift") {
		const profile = ServiceState.loaded.get(sessionKey(false, item.s))?.get(item.k);
		// A save delivers the new global update now instead of at the next auto-save.
		if (profile !== undefined) profile.host.spawnSave(profile, false);
	}
}

/**
 * Appends `item` to the inbox of the server `jobId`, retrying every InboxRetry seconds while `wanted()` holds.
 * Returns os.clock() when the append came back successful (the item is in the inbox from then at the latest), or
 * undefined. An inbox holding InboxLimit items takes no more (an item too many is dropped, never another one).
 * @internal
 */
export function sendToInbox(jobId: string, item: InboxItem, wanted: () => boolean): number | undefined {
	if (jobId === "" || ServiceState.jobId === "") return undefined;
	const map = MemoryStoreService.GetHashMap(Settings.HeartbeatMap);
	while (wanted()) {
		let full = false;
		const [ok] = pcall(() =>
			map.UpdateAsync(
				jobId,
				(old: unknown) => {
					const entry = entryOf(old);
					const queue = entry.q ?? [];
					if (queue.some((queued) => typeIs(queued, "table") && queued.id === item.id)) return entry;
					full = queue.size() >= Settings.InboxLimit;
					if (full) return undefined;
					queue.push(item);
					return { c: entry.c, q: queue };
				},
				Settings.HeartbeatTtl,
			),
		);
		if (ok && !full) return os.clock();
		if (full) return undefined;
		task.wait(Settings.InboxRetry);
	}
	return undefined;
}

/** A new inbox item id. @internal */
export function newItemId(): string {
	return HttpService.GenerateGUID(false);
}
