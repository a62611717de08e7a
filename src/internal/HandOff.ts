import { sessionKey } from "./Keys";
import { HttpService, MessagingService } from "@rbxts/services";
import { ServiceState } from "./ServiceState";

/**
 * Fast hand-off between live servers. A server that wants a profile another server of ours holds asks the holder,
 * through MessagingService, to save and release it now rather than at its next auto-save; the holder answers once
 * the release has reached the DataStore. Everything here is best effort: a lost message or an original
 * ProfileService holder just falls back to the ForceLoad protocol.
 * @internal
 */
interface HandOffMessage {
	/** "release": please release; "ack": releasing now; "released": the release reached the DataStore. */
	t: "release" | "ack" | "released";
	s: string;
	k: string;
	j: string;
}

const TOPIC_PREFIX = "ProfileService_HandOff_";

function topicOf(jobId: string) {
	return TOPIC_PREFIX + jobId;
}

function waiterId(lookup: string, key: string) {
	return sessionKey(false, lookup, key);
}

function publish(jobId: string, message: HandOffMessage) {
	task.spawn(() => {
		pcall(() => MessagingService.PublishAsync(topicOf(jobId), HttpService.JSONEncode(message)));
	});
}

function onMessage(raw: unknown) {
	const [ok, message] = pcall(() => HttpService.JSONDecode(raw as string) as HandOffMessage);
	if (!ok || !typeIs(message, "table")) return;
	if (message.t === "ack" || message.t === "released") {
		const state = ServiceState.handOffWaits.get(waiterId(message.s, message.k));
		if (state === undefined) return;
		if (message.t === "ack") state.acked = true;
		else state.released = true;
	} else if (message.t === "release") {
		const reply = (t: HandOffMessage["t"]) =>
			publish(message.j, { t, s: message.s, k: message.k, j: ServiceState.jobId });
		const loaded = ServiceState.loaded.get(sessionKey(false, message.s))?.get(message.k);
		const releasing = ServiceState.releasing.get(sessionKey(false, message.s, message.k));
		const profile = loaded ?? releasing;
		if (profile === undefined) {
			reply("released");
			return;
		}
		reply("ack");
		profile.onHopReady(() => reply("released"));
		if (loaded !== undefined) profile.requestRelease();
	}
}

/** Subscribes this server to its hand-off topic, once, in the background. @internal */
export function ensureHandOffSubscribed() {
	if (ServiceState.handOffSubscription !== "no" || ServiceState.jobId === "") return;
	ServiceState.handOffSubscription = "subscribing";
	task.spawn(() => {
		const [ok] = pcall(() =>
			MessagingService.SubscribeAsync(topicOf(ServiceState.jobId), (message) => onMessage(message.Data)),
		);
		ServiceState.handOffSubscription = ok ? "yes" : "no";
	});
}

/**
 * Asks the server `holderJobId` to release the profile. Waits up to `ackTimeout` seconds for it to acknowledge
 * (a server running this library), then up to `releaseTimeout` more for the release to reach the DataStore.
 * Returns true when the holder reported the release.
 * @internal
 */
export function requestHandOff(
	holderJobId: string,
	lookup: string,
	key: string,
	ackTimeout: number,
	releaseTimeout: number,
): boolean {
	if (holderJobId === "" || ServiceState.jobId === "") return false;
	ensureHandOffSubscribed();
	const id = waiterId(lookup, key);
	const state = { acked: false, released: false };
	ServiceState.handOffWaits.set(id, state);
	publish(holderJobId, { t: "release", s: lookup, k: key, j: ServiceState.jobId });
	const start = os.clock();
	while (!state.released) {
		const limit = state.acked ? ackTimeout + releaseTimeout : ackTimeout;
		if (os.clock() - start >= limit) break;
		task.wait(0.1);
	}
	if (ServiceState.handOffWaits.get(id) === state) ServiceState.handOffWaits.delete(id);
	return state.released;
}

/**
 * Asks the holder to release without waiting for an answer: used when the requester has already written its
 * ForceLoadSession and will retry after its own write cooldown anyway.
 * @internal
 */
export function requestHandOffLater(holderJobId: string, lookup: string, key: string) {
	if (holderJobId === "" || ServiceState.jobId === "") return;
	ensureHandOffSubscribed();
	publish(holderJobId, { t: "release", s: lookup, k: key, j: ServiceState.jobId });
}
