import { sessionKey } from "./Keys";
import { HttpService, MessagingService } from "@rbxts/services";
import { Settings } from "./Constants";
import { ServiceState, type HandOffWait } from "./ServiceState";

/**
 * Fast hand-off between live servers, and a liveness probe for a holder that may have crashed. A server that wants a
 * profile another server holds first writes its ForceLoadSession (the original protocol), then asks the holder,
 * through MessagingService, to release it now rather than at its next auto-save. A holder running this library
 * acknowledges, and its release hands the lock straight to the requester (ActiveSession = the requester's
 * ForceLoadSession), so the requester reads the profile with a GetAsync instead of waiting out its own write
 * cooldown for another UpdateAsync.
 *
 * The same requests, repeated, probe the holder: a requester that hears its own echo on every one, but never an
 * acknowledgement, has evidence that the holder is gone. Everything here is best effort: a lost message, a holder
 * running the original ProfileService, or MessagingService being down just leave the ForceLoad protocol to run.
 * @internal
 */
interface HandOffMessage {
	/**
	 * "release": please release (and hand the lock to my ForceLoadSession); "ack": releasing now; "released": the
	 * release reached the DataStore; "echo": the requester's own copy, proving its messaging works.
	 */
	t: "release" | "ack" | "released" | "echo";
	s: string;
	k: string;
	j: string;
}

/** How a probe of the holder ended. @internal */
export type ProbeResult =
	/** The holder reported its release: the lock is probably ours now. */
	| "released"
	/** The holder answered but has not released yet (its write is still queued or failing). */
	| "alive"
	/** Every request's echo came back, and no answer: the holder does not run this library here any more. */
	| "silent"
	/** Nothing can be concluded (messaging lossy or unavailable). */
	| "unknown";

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
	if (message.t === "ack" || message.t === "released" || message.t === "echo") {
		const state = ServiceState.handOffWaits.get(waiterId(message.s, message.k));
		if (state === undefined) return;
		if (message.t === "ack") state.acked = true;
		else if (message.t === "released") state.released = true;
		else state.echoes += 1;
	} else if (message.t === "release") {
		const reply = (t: HandOffMessage["t"]) =>
			publish(message.j, { t, s: message.s, k: message.k, j: ServiceState.jobId });
		const id = sessionKey(false, message.s, message.k);
		const loaded = ServiceState.loaded.get(sessionKey(false, message.s))?.get(message.k);
		const releasing = ServiceState.releasing.get(id);
		const profile = loaded ?? releasing;
		if (profile === undefined) {
			reply("released");
			return;
		}
		// The release hands the lock to this requester if its ForceLoadSession is still the one stored then.
		ServiceState.handOffGrants.set(id, message.j);
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
 * Asks the server `holderJobId` to release the profile, repeating the request every ProbeInterval seconds up to
 * ProbeRequests times while it does not answer, each with an echo to this server. Once the holder acknowledges,
 * waits up to HandOffReleaseWait seconds for the release to reach the DataStore.
 * @internal
 */
export function probeHolder(holderJobId: string, lookup: string, key: string): ProbeResult {
	if (holderJobId === "" || ServiceState.jobId === "") return "unknown";
	ensureHandOffSubscribed();
	const id = waiterId(lookup, key);
	const state: HandOffWait = { acked: false, released: false, sent: 0, echoes: 0 };
	ServiceState.handOffWaits.set(id, state);
	let lastSent = 0;
	const send = () => {
		state.sent += 1;
		lastSent = os.clock();
		const message: HandOffMessage = { t: "release", s: lookup, k: key, j: ServiceState.jobId };
		publish(holderJobId, message);
		publish(ServiceState.jobId, { ...message, t: "echo" });
	};
	send();
	let ackedAt: number | undefined;
	let result: ProbeResult = "unknown";
	for (;;) {
		task.wait(0.1);
		if (state.released) {
			result = "released";
			break;
		}
		if (state.acked) {
			ackedAt ??= os.clock();
			if (os.clock() - ackedAt >= Settings.HandOffReleaseWait || ServiceState.locked) {
				result = "alive";
				break;
			}
			continue;
		}
		if (os.clock() - lastSent < Settings.ProbeInterval) continue;
		if (state.sent >= Settings.ProbeRequests || ServiceState.locked) {
			const heardEveryEcho = state.echoes >= state.sent && ServiceState.handOffSubscription === "yes";
			result = heardEveryEcho ? "silent" : "unknown";
			break;
		}
		send();
	}
	if (ServiceState.handOffWaits.get(id) === state) ServiceState.handOffWaits.delete(id);
	return result;
}
